"""Muting the caller for an ``AgentSession`` while on hold: nothing they say reaches the agent.

Disabling the session's audio input ends the user's turn and detaches the room's track, but
frames already queued, or a custom ``AudioInput`` that ignores detaching, would still flow
(agents-js #2221 was that bug). So the input is also wrapped, once, in a gate that drops
every frame while muted.
"""

from __future__ import annotations

from typing import Any

from livekit import rtc
from livekit.agents.voice import io

__all__ = ["InputGate", "set_input_muted"]


class InputGate(io.AudioInput):
    """Passes the wrapped input's frames through, or drops them while ``muted``."""

    def __init__(self, source: io.AudioInput) -> None:
        super().__init__(label="roomtone-hold-gate", source=source)
        self.muted = False
        self.dropped = 0
        self.enabled_before = True

    async def __anext__(self) -> rtc.AudioFrame:
        source = self.source
        assert source is not None
        while True:
            frame = await source.__anext__()
            if not self.muted:
                return frame
            self.dropped += 1


def set_input_muted(session: Any, muted: bool) -> None:
    """Mute or unmute the caller's audio into ``session`` (an ``AgentSession``)."""
    agent_input = session.input
    stream = agent_input.audio
    if stream is None:
        return
    if not isinstance(stream, InputGate):
        if not muted:
            return
        stream = InputGate(stream)
        agent_input.audio = stream
    if muted and not stream.muted:
        stream.enabled_before = bool(agent_input.audio_enabled)
    stream.muted = muted
    agent_input.set_audio_enabled(False if muted else stream.enabled_before)
