"""Circular short-time Fourier processing: time-varying spectra without a seam.

Frames of 2*hop samples with a sqrt-Hann window at 50 % overlap reconstruct perfectly,
and frame indices wrap modulo the loop, so the last frame overlaps the first.
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.circular import ComplexArray, FloatArray, irfft, rfft

__all__ = [
    "ComplexArray",
    "analyse",
    "frame_freqs",
    "frame_times",
    "stft_noise",
    "synthesise",
]


def _window(hop: int) -> FloatArray:
    n = 2 * hop
    return np.asarray(np.sqrt(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)), dtype=np.float64)


def _check(frames: int, hop: int) -> int:
    if frames % hop:
        raise ValueError(f"loop of {frames} samples is not a whole number of {hop}-sample hops")
    return frames // hop


def frame_freqs(hop: int, sample_rate: int) -> FloatArray:
    """Centre frequency of each bin of a 2*hop frame."""
    return np.asarray(np.fft.rfftfreq(2 * hop, 1.0 / sample_rate), dtype=np.float64)


def frame_times(frames: int, hop: int, sample_rate: int) -> FloatArray:
    """Centre time (s) of each frame; frame m spans samples m*hop .. m*hop + 2*hop (wrapped)."""
    count = _check(frames, hop)
    return np.asarray((np.arange(count) * hop + hop) / sample_rate, dtype=np.float64)


def analyse(x: FloatArray, hop: int) -> ComplexArray:
    """Windowed spectra of the wrapped frames of a mono loop, shape (frames/hop, hop+1)."""
    count = _check(x.shape[0], hop)
    idx = (np.arange(count)[:, np.newaxis] * hop + np.arange(2 * hop)[np.newaxis, :]) % x.shape[0]
    return rfft(x[idx] * _window(hop), axis=1)


def synthesise(spectra: ComplexArray, hop: int) -> FloatArray:
    """Overlap-add the windowed inverse transforms back into a mono loop."""
    frames = irfft(spectra, n=2 * hop, axis=1) * _window(hop)
    first = frames[:, :hop]
    second = np.roll(frames[:, hop:], 1, axis=0)
    return np.asarray((first + second).reshape(-1), dtype=np.float64)


def stft_noise(rng: np.random.Generator, gains: FloatArray, hop: int) -> FloatArray:
    """Gaussian noise whose amplitude spectrum follows ``gains`` (frames, bins) over time.

    With all gains 1 the result is white noise of unit variance.
    """
    shape = gains.shape
    spec = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * np.sqrt(hop)
    spec[:, 0] = 0.0
    return synthesise(np.asarray(spec * gains, dtype=np.complex128), hop)
