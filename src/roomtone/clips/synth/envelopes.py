"""Amplitude envelopes for synthesised events (vectorised over the event's samples)."""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.circular import FloatArray

__all__ = ["attack_decay", "bump", "db", "fade_in_out", "seconds", "time_axis"]


def db(value_db: float) -> float:
    """Decibels to a linear amplitude factor."""
    return float(10.0 ** (value_db / 20.0))


def seconds(duration_s: float, sample_rate: int) -> int:
    """Duration in whole samples (at least one)."""
    return max(1, round(duration_s * sample_rate))


def time_axis(frames: int, sample_rate: int) -> FloatArray:
    return np.arange(frames, dtype=np.float64) / sample_rate


def attack_decay(frames: int, sample_rate: int, attack_s: float, decay_s: float) -> FloatArray:
    """Raised-cosine attack then exponential decay with time constant ``decay_s``."""
    t = time_axis(frames, sample_rate)
    rise = np.clip(t / max(attack_s, 1.0 / sample_rate), 0.0, 1.0)
    env = (0.5 - 0.5 * np.cos(np.pi * rise)) * np.exp(-np.maximum(t - attack_s, 0.0) / decay_s)
    return np.asarray(env, dtype=np.float64)


def fade_in_out(frames: int, sample_rate: int, fade_in_s: float, fade_out_s: float) -> FloatArray:
    """Flat envelope with raised-cosine fades at both ends (sustained events)."""
    t = time_axis(frames, sample_rate)
    total = frames / sample_rate
    up = np.clip(t / max(fade_in_s, 1e-6), 0.0, 1.0)
    down = np.clip((total - t) / max(fade_out_s, 1e-6), 0.0, 1.0)
    env = (0.5 - 0.5 * np.cos(np.pi * up)) * (0.5 - 0.5 * np.cos(np.pi * down))
    return np.asarray(env, dtype=np.float64)


def bump(t: FloatArray, centre: float, width: float) -> FloatArray:
    """Smooth raised-cosine bump of total ``width`` around ``centre`` (zero outside)."""
    u = np.clip((t - centre) / (0.5 * width), -1.0, 1.0)
    return np.asarray(0.5 + 0.5 * np.cos(np.pi * u), dtype=np.float64)
