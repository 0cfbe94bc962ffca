"""Bring audio to the canceller's processing format: mono mixdown and streaming resampling.

The reference arrives at the transport's rate and channel count; it is mixed down to mono (the
caller hears one loudspeaker) and resampled to the rate the caller's audio is processed at.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

__all__ = ["StreamResampler", "mono"]

FloatArray = npt.NDArray[np.float32]


def mono(samples: npt.NDArray[Any]) -> FloatArray:
    """(frames,) or (frames, channels) in, float32 mono out (channel mean)."""
    array: FloatArray = np.asarray(samples, dtype=np.float32)
    if array.ndim == 1:
        return array
    mixed: FloatArray = array.mean(axis=1, dtype=np.float32)
    return mixed


class StreamResampler:
    """A streaming resampler (soxr) that is a plain copy when the rates already match."""

    def __init__(self, in_rate: int, out_rate: int, channels: int) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._stream: Any = None
        if in_rate != out_rate:
            self._stream = soxr.ResampleStream(in_rate, out_rate, channels, dtype="float32")

    def __call__(self, samples: FloatArray) -> FloatArray:
        if self._stream is None:
            return samples
        out: FloatArray = self._stream.resample_chunk(samples)
        return out
