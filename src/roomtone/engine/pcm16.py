"""The int16 side of the mix: a block converted once, and the level of a voice in int16 steps.

Pull-driven int16 outputs (a Pipecat ``mix()`` every 20 ms) pay for every pass through numpy
rather than for the samples: each call runs with cold caches. So a background block rendered
ahead is converted once for all the pulls it serves, and the agent's voice is measured with
the same few elementwise operations and reductions the rest of the chunk uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomtone.samples import PCM16_SCALE, FloatArray

__all__ = ["LARGEST_PCM16", "PcmBlock", "voice_power_and_peak"]

LARGEST_PCM16 = (PCM16_SCALE - 1.0) / PCM16_SCALE
"""The largest float that converts to int16 without clipping."""

_sum = np.add.reduce
_max = np.maximum.reduce


class PcmBlock:
    """Float frames converted to int16, kept both as int16 and as whole-number float32."""

    def __init__(self, channels: int) -> None:
        self.values: FloatArray = np.zeros((0, channels), np.float32)
        self.pcm: np.ndarray[Any, np.dtype[np.int16]] = np.zeros((0, channels), np.int16)

    def convert(self, block: FloatArray, *, clip: bool) -> None:
        """Convert ``block`` as :func:`~roomtone.samples.to_pcm16` does; ``clip=False`` when
        its peak is known to be in range (the limiter's ceiling is below full scale)."""
        n = len(block)
        if len(self.values) < n:
            self.values = np.zeros(block.shape, np.float32)
            self.pcm = np.zeros(block.shape, np.int16)
        values = self.values[:n]
        np.multiply(block, np.float32(PCM16_SCALE), out=values)
        np.rint(values, out=values)
        if clip:
            np.clip(values, -PCM16_SCALE, PCM16_SCALE - 1.0, out=values)
        np.copyto(self.pcm[:n], values, casting="unsafe")


def voice_power_and_peak(voice: FloatArray, squares: FloatArray) -> tuple[float, float]:
    """Mean power (full scale 1.0) and peak (in int16 steps) of ``voice``, int16 values held
    as float32; ``squares`` is scratch of the same shape."""
    np.multiply(voice, voice, out=squares)
    power = float(_sum(squares, axis=None)) / (squares.size * PCM16_SCALE * PCM16_SCALE)
    return power, float(_max(squares, axis=None)) ** 0.5
