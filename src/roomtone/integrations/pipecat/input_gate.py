"""RoomtoneInputGate: the caller's audio stops at the gate while they are on hold.

An observer sees frames but cannot hold them back, so muting needs a processor in the
pipeline, right after the input transport: while the player is on hold with ``mute_input``,
it drops the caller's audio frames (a human agent's voice or hold music echoed back would
otherwise reach speech recognition and the LLM). Every other frame passes untouched.
"""

from __future__ import annotations

from typing import Any, Protocol

from pipecat.frames.frames import Frame, InputAudioRawFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

__all__ = ["RoomtoneInputGate"]


class _Muting(Protocol):
    @property
    def input_muted(self) -> bool: ...


class RoomtoneInputGate(FrameProcessor):
    """``Pipeline([transport.input(), RoomtoneInputGate(player), stt, ...])``."""

    def __init__(self, player: _Muting, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._player = player
        self.dropped = 0

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) and self._player.input_muted:
            self.dropped += 1
            return
        await self.push_frame(frame, direction)
