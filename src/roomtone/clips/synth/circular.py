"""Circular (loop-periodic) signal operations: the reason the built-in clips have no seam."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.fft
from scipy import signal

__all__ = [
    "ComplexArray",
    "FloatArray",
    "add_wrapped",
    "circular_convolve",
    "circular_sosfilt",
    "fft_filter",
    "fft_resample",
    "irfft",
    "periodic_interp",
    "rfft",
    "rfft_freqs",
]

FloatArray = npt.NDArray[np.float64]
ComplexArray = npt.NDArray[np.complex128]


def rfft(x: npt.ArrayLike, n: int | None = None, axis: int = 0) -> ComplexArray:
    """Real FFT along ``axis`` using every core (channels transform in parallel)."""
    data = np.asarray(x, dtype=np.float64)
    return np.asarray(scipy.fft.rfft(data, n=n, axis=axis, workers=-1), dtype=np.complex128)


def irfft(spec: npt.ArrayLike, n: int, axis: int = 0) -> FloatArray:
    """Inverse of :func:`rfft` to ``n`` real samples."""
    data = np.asarray(spec, dtype=np.complex128)
    return np.asarray(scipy.fft.irfft(data, n=n, axis=axis, workers=-1), dtype=np.float64)


def add_wrapped(buffer: FloatArray, event: npt.ArrayLike, start: int) -> None:
    """Mix ``event`` into ``buffer`` from ``start``, continuing at the top past the end."""
    ev = np.asarray(event, dtype=np.float64)
    n = buffer.shape[0]
    pos = start % n
    offset = 0
    while offset < ev.shape[0]:
        take = min(n - pos, ev.shape[0] - offset)
        buffer[pos : pos + take] += ev[offset : offset + take]
        offset += take
        pos = 0


def circular_convolve(x: FloatArray, ir: FloatArray) -> FloatArray:
    """Convolve along axis 0 as if ``x`` repeated forever (the reverb tail wraps to the start).

    ``x`` is (n,) or (n, c); ``ir`` is (k,) or (k, c) with c matching, or (k, c) with mono ``x``
    to spread a mono signal to c channels.
    """
    n = x.shape[0]
    h = np.asarray(ir, dtype=np.float64)
    if h.shape[0] > n:  # fold a longer response onto the loop
        pad = (-h.shape[0]) % n
        h = np.concatenate([h, np.zeros((pad, *h.shape[1:]))]).reshape(-1, n, *h.shape[1:])
        h = h.sum(axis=0)
    spec_h = rfft(h, n=n)
    spec_x = rfft(x)
    if spec_x.ndim == 1 and spec_h.ndim == 2:
        spec_x = spec_x[:, np.newaxis]
    return irfft(spec_x * spec_h, n=n)


def fft_filter(x: FloatArray, gain: npt.ArrayLike) -> FloatArray:
    """Zero-phase circular filter: multiply the loop's spectrum by ``gain`` at the rfft bins.

    ``gain`` has n//2+1 values (shared by all channels) or (n//2+1, channels).
    """
    g = np.asarray(gain, dtype=np.float64)
    spec = rfft(x)
    if spec.ndim == 2 and g.ndim == 1:
        g = g[:, np.newaxis]
    return irfft(spec * g, n=x.shape[0])


def rfft_freqs(n: int, sample_rate: int) -> FloatArray:
    """Frequencies of the rfft bins of an n-sample loop."""
    return np.asarray(np.fft.rfftfreq(n, 1.0 / sample_rate), dtype=np.float64)


def circular_sosfilt(sos: npt.ArrayLike, x: FloatArray, warmup: int) -> FloatArray:
    """IIR filter a loop: prime the filter with the loop's last ``warmup`` samples.

    Once the filter's memory has decayed within ``warmup`` samples the result equals the
    steady state of filtering the endlessly repeated loop, so the seam stays continuous.
    """
    n = x.shape[0]
    reps = -(-warmup // n) if warmup > n else 1
    head = np.concatenate([x] * reps, axis=0)[-warmup:] if warmup > 0 else x[:0]
    sections = np.asarray(sos, dtype=np.float64)
    y = signal.sosfilt(sections, np.concatenate([head, x], axis=0), axis=0)
    return np.asarray(y[head.shape[0] :], dtype=np.float64)


def periodic_interp(points: FloatArray, values: FloatArray, n: int) -> FloatArray:
    """Linearly interpolate control points (sample positions) onto 0..n-1, wrapping at n."""
    return np.asarray(
        np.interp(np.arange(n, dtype=np.float64), points, values, period=n), dtype=np.float64
    )


def fft_resample(x: FloatArray, frames: int) -> FloatArray:
    """Band-limited resampling of a loop to ``frames`` samples; exact for periodic signals."""
    return np.asarray(signal.resample(x, frames, axis=0), dtype=np.float64)
