"""A mono sample ring addressed by absolute timeline position (silence where nothing was)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["SampleRing"]

FloatArray = npt.NDArray[np.float32]


class SampleRing:
    """The newest ``size`` samples of a stream; reads outside them give silence."""

    def __init__(self, size: int) -> None:
        self._buf = np.zeros(max(size, 1), np.float32)
        self.end = 0  # one past the newest written position

    @property
    def size(self) -> int:
        return int(self._buf.shape[0])

    def _copy_in(self, position: int, samples: FloatArray) -> None:
        size = self.size
        start = position % size
        first = min(samples.shape[0], size - start)
        self._buf[start : start + first] = samples[:first]
        self._buf[: samples.shape[0] - first] = samples[first:]

    def write(self, position: int, samples: FloatArray) -> None:
        """Store ``samples`` from ``position``; a gap since the last write becomes silence."""
        size = self.size
        if samples.shape[0] > size:
            position += samples.shape[0] - size
            samples = samples[-size:]
        if position > self.end:
            gap = min(position - self.end, size)
            self._copy_in(position - gap, np.zeros(gap, np.float32))
        self._copy_in(position, samples)
        self.end = max(self.end, position + samples.shape[0])

    def add(self, position: int, samples: FloatArray) -> None:
        """Mix ``samples`` into what is stored from ``position`` (new positions start silent).

        Positions already older than the ring are dropped, so streams that arrive at
        different moments still sum where they overlap.
        """
        if position + samples.shape[0] > self.end:
            fresh = max(position, self.end)
            self.write(fresh, np.zeros(position + samples.shape[0] - fresh, np.float32))
        skip = max(0, self.end - self.size - position)
        if skip >= samples.shape[0]:
            return
        position += skip
        samples = samples[skip:]
        current = self.read(position, samples.shape[0])
        self._copy_in(position, current + samples)

    def read(self, start: int, frames: int) -> FloatArray:
        """``frames`` samples from ``start``; unwritten or aged-out positions read as zero."""
        out = np.zeros(frames, np.float32)
        lo = max(start, self.end - self.size, 0)
        hi = min(start + frames, self.end)
        if hi <= lo:
            return out
        size = self.size
        begin = lo % size
        count = hi - lo
        first = min(count, size - begin)
        out[lo - start : lo - start + first] = self._buf[begin : begin + first]
        out[lo - start + first : hi - start] = self._buf[: count - first]
        return out
