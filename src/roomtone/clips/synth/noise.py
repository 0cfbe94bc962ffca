"""Loop-periodic noise and random modulations, drawn in the frequency domain of the loop.

A Gaussian spectrum with a prescribed magnitude, inverse-transformed over the whole loop,
is coloured noise that is exactly periodic: the seam is just another sample.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import scipy.fft

from roomtone.clips.synth.circular import ComplexArray, FloatArray, irfft, rfft_freqs

__all__ = [
    "SpectrumShape",
    "band_shape",
    "complex_gaussian",
    "rng_for",
    "slope_shape",
    "smooth_random",
    "spectral_noise",
    "unit_rms",
]

SpectrumShape = Callable[[FloatArray], FloatArray]
"""Amplitude response as a function of frequency in Hz (applied to the noise spectrum)."""


def rng_for(seed: int, part: str) -> np.random.Generator:
    """Independent random stream per named part, so tuning one part leaves the others alone."""
    return np.random.default_rng([seed, zlib.crc32(part.encode("utf-8"))])


def unit_rms(x: FloatArray) -> FloatArray:
    """Scale to RMS 1 over all channels (levels are then set in dB by the scene)."""
    flat = np.ravel(x)
    rms = float(np.sqrt(np.vdot(flat, flat) / max(flat.shape[0], 1)))
    return x / rms if rms > 0.0 else x


def _sampled_shape(shape: SpectrumShape, frames: int, sample_rate: int) -> FloatArray:
    """Evaluate a smooth spectrum shape on a log grid and interpolate onto the rfft bins."""
    grid = np.concatenate([[0.0], np.geomspace(1.0, sample_rate / 2.0, 4096)])
    return np.asarray(
        np.interp(rfft_freqs(frames, sample_rate), grid, shape(grid)), dtype=np.float64
    )


def complex_gaussian(rng: np.random.Generator, shape: tuple[int, ...]) -> ComplexArray:
    """Circular complex Gaussian samples (real and imaginary parts of unit variance)."""
    return rng.standard_normal((*shape[:-1], 2 * shape[-1])).view(np.complex128)


def spectral_noise(
    rng: np.random.Generator,
    frames: int,
    sample_rate: int,
    shape: SpectrumShape | None = None,
    *,
    channels: int = 1,
    correlation: float = 0.0,
) -> FloatArray:
    """Periodic Gaussian noise of unit RMS with the amplitude spectrum ``shape(f)``.

    Returns (frames,) for one channel, else (frames, channels) whose channels correlate by
    ``correlation`` (0 = independent, 1 = identical): a width control for beds.
    """
    bins = frames // 2 + 1
    # Single precision halves the cost of these long transforms; -140 dB is plenty for noise.
    spec = complex_gaussian(rng, (channels, bins)).astype(np.complex64)
    if channels > 1 and correlation > 0.0:
        c = min(correlation, 1.0)
        spec *= np.float32(np.sqrt(1.0 - c))
        spec += np.float32(np.sqrt(c)) * complex_gaussian(rng, (1, bins)).astype(np.complex64)
    if shape is not None:
        spec *= _sampled_shape(shape, frames, sample_rate).astype(np.float32)
    spec[:, 0] = 0.0
    x = unit_rms(
        np.ascontiguousarray(
            scipy.fft.irfft(spec, n=frames, axis=1, workers=-1).T, dtype=np.float64
        )
    )
    return x[:, 0] if channels == 1 else x


def slope_shape(
    db_per_octave: float, low_hz: float = 20.0, high_hz: float = 20000.0
) -> SpectrumShape:
    """Power-law spectrum (0 white, -3 pink, -6 brown) band-limited with gentle 2nd-order edges."""

    def shape(f: FloatArray) -> FloatArray:
        ref = np.maximum(f, 1.0)
        tilt = (ref / 1000.0) ** (db_per_octave / 6.0206)
        hp = (f / low_hz) ** 2 / np.sqrt(1.0 + (f / low_hz) ** 4)
        lp = 1.0 / np.sqrt(1.0 + (f / high_hz) ** 4)
        return np.asarray(tilt * hp * lp, dtype=np.float64)

    return shape


def band_shape(centre_hz: float, octaves: float) -> SpectrumShape:
    """Smooth band (Gaussian in log-frequency) of ``octaves`` full width at -6 dB."""
    sigma = octaves / 2.355

    def shape(f: FloatArray) -> FloatArray:
        octs = np.log2(np.maximum(f, 1.0) / centre_hz)
        return np.asarray(np.exp(-0.5 * (octs / sigma) ** 2), dtype=np.float64)

    return shape


def smooth_random(
    rng: np.random.Generator,
    frames: int,
    sample_rate: int,
    max_hz: float,
    channels: int = 1,
) -> FloatArray:
    """Zero-mean, unit-std random modulation periodic in the loop, varying slower than ``max_hz``.

    Its spectrum has a Gaussian roll-off at ``max_hz`` and no fixed period shorter than the
    loop. It is drawn at a control rate of ~20 points per cycle of ``max_hz`` and linearly
    interpolated (cheap, and smooth at that density).
    """
    loop_s = frames / sample_rate
    points = max(16, min(frames, int(np.ceil(loop_s * max(20.0 * max_hz, 4.0)))))
    rate = points / loop_s
    freqs = np.fft.rfftfreq(points, 1.0 / rate)
    spec = complex_gaussian(rng, (freqs.shape[0], channels))
    spec *= np.exp(-0.5 * (freqs / max_hz) ** 2)[:, np.newaxis]
    spec[0] = 0.0
    ctrl = irfft(spec, n=points)
    ctrl /= np.maximum(np.std(ctrl, axis=0, keepdims=True), 1e-12)
    at = np.arange(points) * (frames / points)
    grid = np.arange(frames, dtype=np.float64)
    x = np.stack([np.interp(grid, at, ctrl[:, c], period=frames) for c in range(channels)], axis=1)
    return x[:, 0] if channels == 1 else x
