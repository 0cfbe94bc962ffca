"""Channel remixing and streaming resampling to the output format (soxr, high quality)."""

from __future__ import annotations

from typing import Any

import numpy as np
import soxr

from roomtone.format import AudioFormat
from roomtone.samples import FloatArray

__all__ = ["MAX_SAMPLE", "FormatConverter", "remix", "sanitize"]

MAX_SAMPLE = 16.0
"""Float sources are clamped to +-16 (+24 dBFS): hot masters keep their overs, while garbage
values (1e38, inf) cannot overflow the resampler or the mix into inf/NaN."""


def sanitize(samples: np.ndarray[Any, Any]) -> FloatArray:
    """Finite float32 samples: NaN and +-inf -> 0, clamped to +-MAX_SAMPLE.

    Infinity is garbage, not a loud sample: as full scale it would make the limiter pull the
    whole mix, the bed included, down for its release time. In place for a writable float32
    array. Anything else (doubles, read-only buffers) is clamped in its own precision first,
    so a huge double cannot overflow float32.
    """
    if samples.dtype != np.float32 or not samples.flags.writeable:
        wide = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
        narrow: FloatArray = np.clip(wide, -MAX_SAMPLE, MAX_SAMPLE).astype(np.float32)
        return narrow
    np.nan_to_num(samples, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    np.clip(samples, -MAX_SAMPLE, MAX_SAMPLE, out=samples)
    return samples


def remix(samples: FloatArray, num_channels: int) -> FloatArray:
    """Mono is copied to every channel; more channels are averaged down to mono first."""
    have = samples.shape[1]
    if have == num_channels:
        return samples
    mono = samples if have == 1 else samples.mean(axis=1, keepdims=True, dtype=np.float32)
    if num_channels == 1:
        return mono
    return np.repeat(mono, num_channels, axis=1)


class FormatConverter:
    """Turns a stream of chunks at one rate and channel count into the output format.

    One converter serves one clip or one iterator from start to end, so the resampler keeps its
    filter state across chunks: resampling happens once per clip, never per output frame.
    """

    def __init__(self, in_rate: int, out: AudioFormat) -> None:
        self.in_rate = in_rate
        self.out = out
        self._resampler: soxr.ResampleStream | None = None
        if in_rate != out.sample_rate:
            self._resampler = soxr.ResampleStream(
                in_rate, out.sample_rate, out.num_channels, dtype="float32", quality="HQ"
            )

    def convert(self, samples: FloatArray) -> FloatArray:
        """Convert one chunk shaped (frames, channels); ``flush()`` gives the tail at the end."""
        mixed = np.ascontiguousarray(remix(samples, self.out.num_channels), dtype=np.float32)
        if self._resampler is None:
            return mixed
        out = self._resampler.resample_chunk(mixed)
        return np.asarray(out, dtype=np.float32).reshape(-1, self.out.num_channels)

    def flush(self) -> FloatArray:
        """The resampler's remaining output at the end of the stream."""
        empty = np.zeros((0, self.out.num_channels), np.float32)
        if self._resampler is None:
            return empty
        out = self._resampler.resample_chunk(empty, last=True)
        return np.asarray(out, dtype=np.float32).reshape(-1, self.out.num_channels)
