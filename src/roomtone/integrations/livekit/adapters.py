"""LiveKit's audio frames and ``livekit.agents`` sound descriptions, read by roomtone's core.

Registered with :mod:`roomtone.registry` when this integration is imported, so async
iterators of ``rtc.AudioFrame`` and code written for LiveKit's player (its ``AudioConfig`` and
``BuiltinAudioClip``) work unchanged. ``livekit.agents`` is never imported here: its objects
are recognised by their module, so the ``livekit`` extra alone is enough.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np
from livekit import rtc

from roomtone.config import AudioConfig, BuiltinAudioClip

__all__ = ["mute_agent_session", "read_frame", "read_sound"]


def read_frame(frame: Any) -> tuple[np.ndarray[Any, Any], int] | None:
    """An ``rtc.AudioFrame`` as int16 samples shaped (frames, channels) and its rate."""
    if not isinstance(frame, rtc.AudioFrame):
        return None
    channels = int(frame.num_channels)
    pcm = np.frombuffer(frame.data, dtype=np.int16).reshape(-1, channels)
    return pcm, int(frame.sample_rate)


def _from_agents(item: object) -> bool:
    return type(item).__module__.startswith("livekit.")


def read_sound(item: Any) -> AudioConfig | BuiltinAudioClip | None:
    """``livekit.agents`` ``BuiltinAudioClip`` members and ``AudioConfig`` tuples."""
    if not _from_agents(item):
        return None
    if isinstance(item, enum.Enum):
        try:
            return BuiltinAudioClip[item.name]
        except KeyError:
            raise ValueError(f"roomtone has no built-in named {item.name}") from None
    if hasattr(item, "probability") and hasattr(item, "source"):
        source: Any = read_sound(item.source) or item.source
        return AudioConfig(
            source,
            volume=item.volume,
            probability=item.probability,
            fade_in=getattr(item, "fade_in", 0.0),
            fade_out=getattr(item, "fade_out", 0.0),
        )
    return None


def mute_agent_session(session: Any, muted: bool) -> bool | None:
    """Hold with ``mute_input`` for an ``AgentSession`` (``livekit.agents`` is imported only
    now, when a session is being muted)."""
    if not (type(session).__module__.startswith("livekit.agents") and hasattr(session, "input")):
        return None
    from roomtone.integrations.livekit.input_gate import set_input_muted

    set_input_muted(session, muted)
    return True
