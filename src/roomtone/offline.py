"""Offline rendering: drive a player as fast as the CPU allows, deterministically.

An :class:`OfflineRenderer` is an output that you advance by hand. Between advances, change
states and call ``play()``/``stop()``; each change is heard from the next block. Before each
block it waits for any decoding the block needs, so the same script and seed always give the
same samples.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np

from roomtone.errors import OutputError, PlayerStateError
from roomtone.outputs.base import AudioOutput, Renderer
from roomtone.samples import FloatArray

__all__ = ["OfflineRenderer"]

_DATA_TIMEOUT = 60.0


class OfflineRenderer(AudioOutput):
    """An output that renders only when told to; ``audio()`` returns everything rendered."""

    def __init__(
        self,
        sample_rate: int = 48000,
        num_channels: int = 1,
        frame_duration: float = 0.02,
        *,
        keep_audio: bool = True,
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        self.renderer: Renderer | None = None
        self._blocks: list[FloatArray] = []
        self._keep = keep_audio
        self._frames = 0
        self.on_block: Callable[[FloatArray], None] | None = None

    close_fade_patience = 0.0  # renders only in advance(): a closing player does not wait

    async def start(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def delivered_frames(self) -> int:
        return self._frames

    @property
    def time(self) -> float:
        """Seconds rendered so far."""
        return self._frames / self.format.sample_rate

    async def advance(self, seconds: float) -> None:
        """Render ``seconds`` more of audio (whole blocks; the last one may be shorter)."""
        renderer = self.renderer
        if renderer is None:
            raise PlayerStateError("start the player with this renderer before advancing it")
        target = self._frames + self.format.frames(seconds)
        while self._frames < target:
            n = min(self.frame_size, target - self._frames)
            await self._wait_for_data(renderer, n)
            block = renderer.render(n)
            if self.on_block is not None:
                self.on_block(block)
            if renderer.reference:
                renderer.reference.publish(block, self.format.sample_rate, self._frames)
            if self._keep:
                self._blocks.append(block.copy())
            self._frames += n
            await asyncio.sleep(0)  # let handles settle and stream feeders run

    async def _wait_for_data(self, renderer: Renderer, n: int) -> None:
        deadline = time.monotonic() + _DATA_TIMEOUT
        while not renderer.prepare(n):
            if time.monotonic() > deadline:
                raise OutputError(f"a source gave no audio for {_DATA_TIMEOUT:.0f} s")
            await asyncio.sleep(0.001)

    def audio(self) -> FloatArray:
        """All rendered audio, float32 shaped (frames, channels)."""
        if not self._blocks:
            return np.zeros((0, self.format.num_channels), np.float32)
        return np.concatenate(self._blocks)

    async def aclose(self) -> None:
        self.renderer = None
