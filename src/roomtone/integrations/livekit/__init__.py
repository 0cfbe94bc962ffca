"""LiveKit support: the mix as its own track in an ``rtc.Room``, or through the agents console.

::

    from roomtone import BackgroundAudioPlayer   # instead of livekit.agents'
    player = BackgroundAudioPlayer(ambient_sound=..., thinking_sound=..., tool_sound=...)
    await player.start(room=ctx.room, agent_session=session)

Needs the extra: ``pip install 'roomtone[livekit]'`` (``roomtone[agents]`` for sessions and the
console). Nothing else in roomtone imports LiveKit: importing this package registers its
output resolver and adapters with :mod:`roomtone.registry`, which imports it by itself the
first time it meets a LiveKit object.

``RoomtoneWarmTransferTask`` (livekit-agents' warm transfer with this player as its hold
audio) is loaded on first use, so this package still imports without livekit-agents or with a
version that has no warm-transfer workflow; using it then raises ``MissingExtraError``.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from roomtone.errors import MissingExtraError

try:
    import livekit.rtc  # noqa: F401
except ImportError as exc:
    raise MissingExtraError("LiveKit support", "livekit") from exc

from roomtone import registry
from roomtone.integrations.livekit.adapters import mute_agent_session, read_frame, read_sound
from roomtone.integrations.livekit.console import ConsoleOutput, console_instance
from roomtone.integrations.livekit.output import (
    DEFAULT_FRAME_DURATION,
    DEFAULT_LEAD,
    DEFAULT_MAX_LEAD,
    RoomOutput,
)
from roomtone.integrations.livekit.pump import LANES, Pump
from roomtone.integrations.livekit.room import is_livekit_room, output_for_room, resolve_room

if TYPE_CHECKING:
    from roomtone.integrations.livekit.warm_transfer import RoomtoneWarmTransferTask


def _install_echo(session: object, subscribe: Any) -> Callable[[], None] | None:
    """``start(cancel_echo=True)`` for an AgentSession (loads livekit-agents only then)."""
    if type(session).__module__.partition(".")[0] != "livekit":
        return None
    from roomtone.integrations.livekit.echo import install_session_echo

    return install_session_echo(session, subscribe)


def __getattr__(name: str) -> Any:
    """``RoomtoneWarmTransferTask`` on first use: it imports livekit-agents' beta workflows."""
    if name == "RoomtoneWarmTransferTask":
        from roomtone.integrations.livekit.warm_transfer import RoomtoneWarmTransferTask

        return RoomtoneWarmTransferTask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


registry.register_output_resolver(resolve_room)
registry.register_frame_adapter(read_frame)
registry.register_sound_adapter(read_sound)
registry.register_input_muter(mute_agent_session)
registry.register_echo_installer(_install_echo)

__all__ = [
    "DEFAULT_FRAME_DURATION",
    "DEFAULT_LEAD",
    "DEFAULT_MAX_LEAD",
    "LANES",
    "ConsoleOutput",
    "Pump",
    "RoomOutput",
    "RoomtoneWarmTransferTask",
    "console_instance",
    "is_livekit_room",
    "output_for_room",
]
