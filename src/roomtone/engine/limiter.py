"""A peak limiter: the mix never clips hard, and a loud moment is turned down smoothly.

Gain computed per block from the block's peak, reached over a short ramp (2 ms) at the start
of the block; inside that ramp each frame's gain is also held to what keeps that frame under
the ceiling, so the ceiling holds exactly with no clipping stage behind it. Release is a smooth
return toward unity. When the mix stays under the ceiling this costs two reductions.
"""

from __future__ import annotations

import math

import numpy as np

from roomtone.samples import FloatArray

__all__ = ["Limiter"]


class Limiter:
    """Keeps samples within ``ceiling_db`` dBFS without hard clipping."""

    def __init__(
        self,
        sample_rate: int,
        *,
        ceiling_db: float = -1.0,
        attack: float = 0.002,
        release: float = 0.15,
    ) -> None:
        self.ceiling = float(10 ** (ceiling_db / 20))
        self._safe = self.ceiling * (1 - 1e-6)  # so float32 rounding stays under the ceiling
        self.gain = 1.0
        self._attack_frames = max(1, int(attack * sample_rate))
        self._release_per_frame = math.exp(-1.0 / (release * sample_rate))

    def process(self, block: FloatArray, scale: float = 1.0) -> bool:
        """Limit ``block`` (frames, channels) in place; True if it changed anything.

        ``scale`` is full scale in the block's units (32768.0 for int16-valued floats, so the
        speech bus can be summed in the PCM domain without rescaling).
        """
        n = len(block)
        if n == 0:
            return False
        # The ufuncs' own reductions: ndarray.max() would go through Python wrappers, which
        # cost more than the reduction itself on a 20 ms chunk.
        peak = max(float(_max(block, axis=None)), -float(_min(block, axis=None))) / scale
        if self.gain >= 1.0 and peak <= self.ceiling:
            return False
        wanted = min(1.0, self._safe / peak) if peak > 0 else 1.0
        start = self.gain
        if wanted < start:  # attack: reach the needed gain within a couple of milliseconds
            end = wanted
            ramp_len = min(n, self._attack_frames)
        else:  # release toward unity, but never above what this block allows
            end = min(wanted, 1.0 - (1.0 - start) * self._release_per_frame**n)
            ramp_len = n
        gains = np.full(n, end, dtype=np.float32)
        ramp = gains[:ramp_len]
        ramp[:] = np.linspace(start, end, ramp_len + 1, dtype=np.float32)[1:]
        if wanted < start:  # the ramp may still let a frame over: hold each frame under
            frame_peak = np.abs(block[:ramp_len]).max(axis=1) / scale
            np.minimum(ramp, self._safe / np.maximum(frame_peak, 1e-30), out=ramp)
        block *= gains[:, None]
        self.gain = end
        return True


_max = np.maximum.reduce
_min = np.minimum.reduce
