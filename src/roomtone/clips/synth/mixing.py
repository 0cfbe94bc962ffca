"""Placing sources in a stereo image and keeping peaks in check, loop-safely."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from roomtone.clips.synth.circular import FloatArray, circular_convolve

__all__ = ["limit_peaks", "pan", "pan_gains", "to_channels"]


def pan_gains(position: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Constant-power left/right gains for positions -1 (left) .. 1 (right)."""
    angle = (np.clip(np.asarray(position, dtype=np.float64), -1.0, 1.0) + 1.0) * np.pi / 4.0
    return np.cos(angle), np.sin(angle)


def pan(mono: FloatArray, position: float | FloatArray) -> FloatArray:
    """Mono (n,) to stereo (n, 2); ``position`` may vary per sample for moving sources."""
    left, right = pan_gains(position)
    return np.stack([mono * left, mono * right], axis=1)


def to_channels(x: FloatArray, channels: int) -> FloatArray:
    """Shape a rendered scene as (frames, channels): fold stereo to mono or copy mono to both."""
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.shape[1] == channels:
        return x
    if channels == 1:
        return np.asarray(x.mean(axis=1, keepdims=True), dtype=np.float64)
    return np.repeat(x[:, :1], channels, axis=1)


def limit_peaks(
    x: FloatArray, ceiling: float, sample_rate: int, hold_s: float = 0.004
) -> FloatArray:
    """Look-ahead peak limiter on a loop: smooth gain dips that wrap across the seam.

    The required gain per sample is min-filtered over ``hold_s`` and smoothed by a Hann
    window of the same span, so a peak is caught before it arrives and released after.
    """
    peak = np.max(np.abs(x), axis=1) if x.ndim == 2 else np.abs(x)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    if float(need.min()) >= 1.0:
        return x
    span = max(3, round(hold_s * sample_rate)) | 1
    held = ndimage.minimum_filter1d(need, size=2 * span + 1, mode="wrap")
    window = np.hanning(span + 2)[1:-1]
    gain = circular_convolve(held, window / window.sum())
    gain = np.roll(gain, -(span // 2))
    gain = np.minimum(gain, 1.0)
    return x * (gain[:, np.newaxis] if x.ndim == 2 else gain)
