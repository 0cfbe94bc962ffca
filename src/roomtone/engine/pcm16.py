"""The int16 side of the mix: a block of background converted once for several pulls.

Pull-driven int16 outputs (a Pipecat ``mix()`` every 20 ms) pay for every pass through numpy
rather than for the samples: each call runs with cold caches. So a background block rendered
ahead is converted once for all the pulls it serves (the agent's voice is measured on its raw
bytes, see :func:`roomtone.samples.pcm16_rms_and_peak`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomtone.samples import PCM16_SCALE, FloatArray

__all__ = ["LARGEST_PCM16", "PcmBlock"]

LARGEST_PCM16 = (PCM16_SCALE - 1.0) / PCM16_SCALE
"""The largest float that converts to int16 without clipping."""


class PcmBlock:
    """Float frames converted to int16: whole-number float32 values (to add the speech bus to)
    at once, and int16 (a silent chunk, sent as is) the first time it is asked for."""

    def __init__(self, channels: int) -> None:
        self.values: FloatArray = np.zeros((0, channels), np.float32)
        self._pcm: np.ndarray[Any, np.dtype[np.int16]] = np.zeros((0, channels), np.int16)
        self._length = 0
        self._pcm_ready = False

    def convert(self, block: FloatArray, *, clip: bool) -> None:
        """Convert ``block`` as :func:`~roomtone.samples.to_pcm16` does; ``clip=False`` when
        its peak is known to be in range (the limiter's ceiling is below full scale)."""
        n = len(block)
        if len(self.values) < n:
            self.values = np.zeros(block.shape, np.float32)
            self._pcm = np.zeros(block.shape, np.int16)
        values = self.values[:n]
        np.multiply(block, np.float32(PCM16_SCALE), out=values)
        np.rint(values, out=values)
        if clip:
            np.clip(values, -PCM16_SCALE, PCM16_SCALE - 1.0, out=values)
        self._length, self._pcm_ready = n, False

    def pcm(self, start: int, n: int) -> np.ndarray[Any, np.dtype[np.int16]]:
        """Frames ``start`` to ``start + n`` as int16 (the whole block is cast the first time:
        while the bot speaks, no chunk needs it)."""
        if not self._pcm_ready:
            length = self._length
            np.copyto(self._pcm[:length], self.values[:length], casting="unsafe")
            self._pcm_ready = True
        return self._pcm[start : start + n]
