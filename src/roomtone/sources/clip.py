"""A decoded clip: float32 frames at the output format, filled progressively by a decoder thread.

Readers (voices on the render thread) only ever look at frames below ``available``; the decoder
thread appends behind them. A new, larger buffer is published before the length that refers to
it, so a reader never sees frames that are not written yet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from roomtone.errors import SourceError
from roomtone.format import AudioFormat
from roomtone.samples import FloatArray

__all__ = ["Clip", "FloatArray"]  # FloatArray re-exported for clips/preview_voice.py

MIN_SEAM_FRAMES_SECONDS = 0.005  # the de-click overlap every loop seam gets


class Clip:
    """Shared, immutable-once-complete audio; many voices may read one clip at once."""

    def __init__(self, fmt: AudioFormat, name: str, *, capacity: int = 0) -> None:
        self.format = fmt
        self.name = name
        self._buf: FloatArray = np.zeros((max(capacity, 1024), fmt.num_channels), np.float32)
        self._len = 0
        self._complete = False
        self._error: SourceError | None = None
        self._cond = threading.Condition()
        self._loop_bodies: dict[int, FloatArray] = {}
        self.gain = 1.0  # loudness normalisation gain, applied by voices (measured once)
        self.peak = 0.0  # largest absolute sample so far: lets the mixer skip the limiter
        self.seam_peak = 0.0  # the same for the crossfaded loop seams computed so far
        # Set by the cache that holds this clip: a loop body kept with the clip adds to its size
        # after decoding, and the cache must enforce its bound again then.
        self.on_grow: Callable[[], None] | None = None

    @classmethod
    def from_array(cls, fmt: AudioFormat, name: str, data: FloatArray) -> Clip:
        """A complete clip around ``data`` shaped (frames, channels)."""
        clip = cls(fmt, name, capacity=len(data))
        clip.append(data)
        clip.finish()
        return clip

    # -- decoder side -------------------------------------------------------------------------
    def append(self, chunk: FloatArray) -> None:
        """Add decoded frames (already at the clip's format); called by one writer thread."""
        n = len(chunk)
        if n == 0:
            return
        end = self._len + n
        if end > len(self._buf):
            bigger = np.zeros((max(end, 2 * len(self._buf)), self.format.num_channels), np.float32)
            bigger[: self._len] = self._buf[: self._len]
            self._buf = bigger  # published before _len grows past the old capacity
        self._buf[self._len : end] = chunk
        self.peak = max(self.peak, float(chunk.max()), -float(chunk.min()))
        with self._cond:
            self._len = end
            self._cond.notify_all()

    def finish(self, error: SourceError | None = None) -> None:
        """Mark the clip complete (trimming spare capacity) or failed."""
        with self._cond:
            if error is None and self._len < len(self._buf):
                self._buf = self._buf[: self._len].copy()
            self._error = error
            self._complete = True
            self._cond.notify_all()

    # -- reader side --------------------------------------------------------------------------
    @property
    def available(self) -> int:
        return self._len

    @property
    def complete(self) -> bool:
        return self._complete

    @property
    def error(self) -> SourceError | None:
        return self._error

    @property
    def nbytes(self) -> int:
        return int(self._buf.nbytes) + sum(int(b.nbytes) for b in self._loop_bodies.values())

    @property
    def duration(self) -> float:
        return self._len / self.format.sample_rate

    def frames(self) -> FloatArray:
        """A view of every frame decoded so far."""
        n = self._len  # read the length first: the buffer it refers to is already published
        return self._buf[:n]

    def wait(self, frames: int, timeout: float | None = None) -> bool:
        """Block until ``frames`` are available or the clip is complete (for offline rendering)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._complete or self._len >= frames, timeout)

    def loop_body(self, overlap: int) -> FloatArray:
        """The part that repeats when looping with an ``overlap``-frame equal-power crossfade.

        The curve adapts to the material: equal-power for uncorrelated sound (noise, rooms),
        equal-gain where tail and head are alike (a tone, music in step), so the level holds.
        A looping voice plays ``frames()[:overlap]`` once, then this body over and over. The
        body is ``frames()[overlap:]`` whose last ``overlap`` frames fade out while the clip's
        first ``overlap`` frames fade in, so its end flows into its own start without a jump.
        Computed once per overlap and kept with the clip, shared by every voice.
        """
        complete = self._complete  # read before the frames: a later finish() adds nothing
        data = self.frames()
        n = len(data)
        overlap = max(0, min(overlap, n // 2))
        body = self._loop_bodies.get(overlap) if complete else None
        if body is not None:
            return body
        if overlap == 0:
            body = data
        else:
            body = data[overlap:].copy()
            fade_in, fade_out = _crossfade_curves(data[n - overlap :], data[:overlap])
            seam = data[n - overlap :] * fade_out + data[:overlap] * fade_in
            body[-overlap:] = seam
            self.seam_peak = max(self.seam_peak, float(np.abs(seam).max()))
        if complete:  # a clip still decoding would get a seam in the wrong place: never keep it
            self._loop_bodies[overlap] = body
            if self.on_grow is not None:
                self.on_grow()
        return body


def _crossfade_curves(tail: FloatArray, head: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fade-in and fade-out gains, shaped by how correlated the overlapping parts are."""
    n = len(tail)
    t = (np.arange(n, dtype=np.float64) + 0.5) / n
    a = tail.astype(np.float64).ravel()
    b = head.astype(np.float64).ravel()
    denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    r = float(np.dot(a, b) / denom) if denom > 0 else 0.0
    w = min(max(r, 0.0), 1.0)  # 0: equal power, 1: equal gain
    fade_in = (1 - w) * np.sin(t * np.pi / 2) + w * t
    fade_out = (1 - w) * np.cos(t * np.pi / 2) + w * (1 - t)
    return (
        fade_in.astype(np.float32)[:, None],
        fade_out.astype(np.float32)[:, None],
    )
