"""LiveKit support: the mix as its own track in an ``rtc.Room``, or through the agents console.

::

    from roomtone import BackgroundAudioPlayer   # instead of livekit.agents'
    player = BackgroundAudioPlayer(ambient_sound=..., thinking_sound=..., tool_sound=...)
    await player.start(room=ctx.room, agent_session=session)

Needs the extra: ``pip install 'roomtone[livekit]'`` (``roomtone[agents]`` for sessions and the
console). Nothing else in roomtone imports LiveKit.
"""

from roomtone.errors import MissingExtraError

try:
    import livekit.rtc  # noqa: F401
except ImportError as exc:
    raise MissingExtraError("LiveKit support", "livekit") from exc

from roomtone.integrations.livekit.console import ConsoleOutput, console_instance
from roomtone.integrations.livekit.output import (
    DEFAULT_FRAME_DURATION,
    DEFAULT_LEAD,
    DEFAULT_MAX_LEAD,
    RoomOutput,
)
from roomtone.integrations.livekit.pump import LANES, Pump
from roomtone.integrations.livekit.room import is_livekit_room, output_for_room

__all__ = [
    "DEFAULT_FRAME_DURATION",
    "DEFAULT_LEAD",
    "DEFAULT_MAX_LEAD",
    "LANES",
    "ConsoleOutput",
    "Pump",
    "RoomOutput",
    "console_instance",
    "is_livekit_room",
    "output_for_room",
]
