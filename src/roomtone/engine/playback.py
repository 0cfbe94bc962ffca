"""Where a voice's samples come from: a clip (once or looping with a crossfaded seam) or a stream.

Both answer ``pull(n, scratch)`` with a view of up to ``n`` frames and whether the source has
ended; fewer frames without an end means the data is not decoded or received yet.
"""

from __future__ import annotations

import math
from typing import Protocol

from roomtone.errors import SourceError
from roomtone.samples import FloatArray
from roomtone.sources.clip import Clip
from roomtone.sources.stream import StreamBuffer

__all__ = ["ClipPlayback", "Playback", "StreamPlayback"]


class Playback(Protocol):
    """A voice's sample supplier."""

    def pull(self, n: int, scratch: FloatArray) -> tuple[FloatArray, bool]: ...

    def ready(self, n: int) -> bool:
        """True when the next ``n`` frames (or the end) are there, for offline rendering."""
        ...

    @property
    def error(self) -> SourceError | None: ...

    @property
    def gain(self) -> float: ...

    @property
    def peak(self) -> float:
        """An upper bound of the absolute sample values it will return (before gain)."""
        ...

    @property
    def peak_final(self) -> bool:
        """True once ``peak`` can no longer change."""
        ...


class ClipPlayback:
    """Reads a clip once, or loops it: the first ``overlap`` frames once, then the loop body."""

    def __init__(self, clip: Clip, *, loop: bool = False, overlap: int = 0, start: int = 0) -> None:
        self.clip = clip
        self.loop = loop
        self.overlap = max(0, overlap)
        self.position = max(0, start)
        self._loop_cache: tuple[FloatArray, int, FloatArray] | None = None

    @property
    def error(self) -> SourceError | None:
        return self.clip.error

    @property
    def gain(self) -> float:
        return self.clip.gain

    @property
    def peak(self) -> float:
        if not self.loop:
            return self.clip.peak
        if self._loop_cache is None and self.clip.complete:
            self._prepare_loop()
        if self._loop_cache is None:  # still decoding: a crossfaded seam adds up to sqrt(2)
            return self.clip.peak * 1.5
        return max(self.clip.peak, self.clip.seam_peak)

    @property
    def peak_final(self) -> bool:
        return self.clip.complete and (not self.loop or self._loop_cache is not None)

    def _prepare_loop(self) -> tuple[FloatArray, int, FloatArray]:
        """Build (once per voice, from the clip's shared cache) what looping reads."""
        data = self.clip.frames()
        overlap = min(self.overlap, len(data) // 2)
        self._loop_cache = (data, overlap, self.clip.loop_body(overlap))
        return self._loop_cache

    def ready(self, n: int) -> bool:
        clip = self.clip
        return clip.complete or clip.available >= self.position + n + self._guard()

    def _guard(self) -> int:
        # While decoding, a looping voice stays clear of the tail that the seam will rewrite.
        return self.overlap if self.loop else 0

    def pull(self, n: int, scratch: FloatArray) -> tuple[FloatArray, bool]:
        clip = self.clip
        if clip.error is not None:
            return scratch[:0], True
        if not clip.complete:
            stop = clip.available - self._guard()
            k = max(0, min(n, stop - self.position))
            view = clip.frames()[self.position : self.position + k]
            self.position += k
            return view, False
        data = clip.frames()
        total = len(data)
        if not self.loop or total == 0:
            k = max(0, min(n, total - self.position))
            view = data[self.position : self.position + k]
            self.position += k
            return view, self.position >= total
        return self._pull_loop(n, scratch), False

    def _pull_loop(self, n: int, scratch: FloatArray) -> FloatArray:
        # The clip is complete here: its loop never changes again.
        data, overlap, body = self._loop_cache or self._prepare_loop()
        period = len(body)
        pos = self.position
        if pos < overlap:  # still in the intro: the clip's own first frames
            if pos + n <= overlap:
                self.position += n
                return data[pos : pos + n]
            head = overlap - pos
            scratch[:head] = data[pos:overlap]
            done = head
        else:
            done = 0
        offset = (self.position + done - overlap) % period
        if done == 0 and offset + n <= period:
            self.position = overlap + offset + n
            return body[offset : offset + n]
        while done < n:
            take = min(n - done, period - offset)
            scratch[done : done + take] = body[offset : offset + take]
            done += take
            offset = (offset + take) % period
        self.position = overlap + offset
        return scratch[:n]


class StreamPlayback:
    """Drains a :class:`StreamBuffer` fed by an async iterator."""

    def __init__(self, buffer: StreamBuffer) -> None:
        self.buffer = buffer

    @property
    def error(self) -> SourceError | None:
        return self.buffer.error

    @property
    def gain(self) -> float:
        return 1.0

    @property
    def peak(self) -> float:
        return math.inf  # frames from iterators can hold anything

    @property
    def peak_final(self) -> bool:
        return True

    def ready(self, n: int) -> bool:
        return self.buffer.ended or self.buffer.buffered >= n

    def pull(self, n: int, scratch: FloatArray) -> tuple[FloatArray, bool]:
        k = self.buffer.read_into(scratch[:n])
        ended = self.buffer.ended and self.buffer.buffered == 0
        return scratch[:k], ended
