"""room_tone: a quiet room with its ventilation running, used as comfort noise.

A real quiet room is never silent: air moves through a duct and a fan. The fan's blades
sweep past the outlet some 30 times a second, and each pass swells the airflow noise, so
the hiss throbs at the blade-pass rate; the rate wanders a little with the load, which keeps
the throb from being a clock. The fan's motor adds a faint hum. Plain steady noise, by
contrast, is heard as "pink noise" or rustling, not as a room; a throb reaching down into
the rumble is heard as something else altogether.
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.beds import stereo_noise
from roomtone.clips.synth.circular import FloatArray, fft_filter, rfft_freqs
from roomtone.clips.synth.noise import band_shape, rng_for, slope_shape, smooth_random

__all__ = ["blade_pass_throb", "render_room_tone"]

_BLADE_PASS_HZ = 30.0
_BLADE_WANDER = 0.03
_THROB_DEPTH = 1.0
_THROB_FROM_HZ = 250.0  # the blades chop the airflow above this, not the rumble below
_MOTOR_HZ = 90.0
_MOTOR_LEVEL = 0.4  # relative to the air's RMS


def blade_pass_throb(
    rng: np.random.Generator, frames: int, sample_rate: int, rate_hz: float, wander: float
) -> FloatArray:
    """Gain curve 0..2 of airflow swept by fan blades: a whole number of cycles per loop."""
    freq = rate_hz * (1.0 + wander * smooth_random(rng, frames, sample_rate, 0.3))
    cycles = float(np.sum(freq)) / sample_rate
    freq *= max(1.0, round(cycles)) / cycles  # the loop holds whole cycles: no seam
    phase = 2.0 * np.pi * np.cumsum(freq) / sample_rate
    return np.asarray(1.0 + _THROB_DEPTH * np.sin(phase))


def _motor_hum(rng: np.random.Generator, frames: int, sample_rate: int) -> FloatArray:
    """The fan motor's hum: a few harmonics, unit RMS, wandering slightly in pitch."""
    freq = _MOTOR_HZ * (1.0 + 0.002 * smooth_random(rng, frames, sample_rate, 0.2))
    cycles = float(np.sum(freq)) / sample_rate
    freq *= round(cycles) / cycles
    phase = 2.0 * np.pi * np.cumsum(freq) / sample_rate
    hum = sum(np.sin(k * phase + float(rng.uniform(0, 2 * np.pi))) / k for k in range(1, 5))
    return np.asarray(hum / np.std(hum))


def render_room_tone(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Duct airflow (falling 6 dB/octave) over a low rumble, chopped by fan blades; motor hum."""
    frames = round(duration_s * sample_rate)
    body = slope_shape(-6.0, 30.0, 7000.0)
    rumble = band_shape(70.0, 1.8)

    def shape(f: FloatArray) -> FloatArray:
        return np.asarray(body(f) + 0.6 * rumble(f), dtype=np.float64)

    air = stereo_noise(rng_for(seed, "air"), frames, sample_rate, shape, correlation=0.35)
    # The blades chop the airflow (the hiss), not the building's rumble under it.
    f = rfft_freqs(frames, sample_rate)
    split = 1.0 / (1.0 + (f / _THROB_FROM_HZ) ** 4)
    low = fft_filter(air, split)
    throb = blade_pass_throb(
        rng_for(seed, "blades"), frames, sample_rate, _BLADE_PASS_HZ, _BLADE_WANDER
    )
    drift = smooth_random(rng_for(seed, "drift"), frames, sample_rate, 0.04, channels=2)
    room = low + (air - low) * throb[:, np.newaxis]
    motor = _motor_hum(rng_for(seed, "motor"), frames, sample_rate)
    room += _MOTOR_LEVEL * float(np.std(room)) * motor[:, np.newaxis]
    return np.asarray(room * 10.0 ** (0.5 * drift / 20.0), dtype=np.float64)
