"""room_tone: a quiet, neutral room, used as comfort noise so silence never sounds dead."""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.beds import stereo_noise
from roomtone.clips.synth.circular import FloatArray
from roomtone.clips.synth.noise import band_shape, rng_for, slope_shape, smooth_random

__all__ = ["render_room_tone"]


def render_room_tone(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Pink-ish air noise with a faint building rumble and soft top end, barely moving."""
    frames = round(duration_s * sample_rate)
    body = slope_shape(-3.5, 30.0, 7000.0)
    rumble = band_shape(70.0, 1.8)

    def shape(f: FloatArray) -> FloatArray:
        return np.asarray(body(f) + 0.6 * rumble(f), dtype=np.float64)

    air = stereo_noise(rng_for(seed, "air"), frames, sample_rate, shape, correlation=0.35)
    drift = smooth_random(rng_for(seed, "drift"), frames, sample_rate, 0.04, channels=2)
    return np.asarray(air * 10.0 ** (0.5 * drift / 20.0), dtype=np.float64)
