"""Steady backgrounds under every ambience: ventilation, building hum-free rumble, air.

No pure tones are used (a mains hum would repeat identically every cycle and read as
electronic); the rumble is narrow-band noise, so it has texture without periodicity.
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.circular import FloatArray
from roomtone.clips.synth.noise import (
    SpectrumShape,
    band_shape,
    slope_shape,
    smooth_random,
    spectral_noise,
)

__all__ = ["stereo_noise", "ventilation"]


def stereo_noise(
    rng: np.random.Generator,
    frames: int,
    sample_rate: int,
    shape: SpectrumShape,
    correlation: float,
) -> FloatArray:
    """Stereo noise of one colour whose channels correlate by ``correlation`` (width control)."""
    return spectral_noise(rng, frames, sample_rate, shape, channels=2, correlation=correlation)


def ventilation(
    rng: np.random.Generator,
    frames: int,
    sample_rate: int,
    *,
    rumble_hz: float = 110.0,
    hiss: float = 0.25,
    drift_db: float = 0.8,
) -> FloatArray:
    """Air handling: broadband airflow with a low duct rumble, drifting slowly in level.

    Unit RMS stereo; ``hiss`` sets the share of the grille's airflow noise around 2-4 kHz.
    """
    body = slope_shape(-4.5, 35.0, 9000.0)
    rumble = band_shape(rumble_hz, 2.0)
    grille = band_shape(2800.0, 2.5)

    def shape(f: FloatArray) -> FloatArray:
        return np.asarray(body(f) + 0.8 * rumble(f) + hiss * 0.05 * grille(f), dtype=np.float64)

    air = stereo_noise(rng, frames, sample_rate, shape, correlation=0.55)
    drift = smooth_random(rng, frames, sample_rate, 0.05, channels=2)
    gain = 10.0 ** (drift_db * drift / 20.0)
    return np.asarray(air * gain, dtype=np.float64)
