"""Road traffic: vehicles that pass by, swelling and fading, with Doppler and air absorption.

Tyre/road noise is shaped in the STFT domain from every vehicle's distance at once (its
level, stereo position and high-frequency loss follow the geometry of a straight road);
engine harmonics are oscillators whose pitch bends with the Doppler shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomtone.clips.synth.circular import FloatArray, add_wrapped, fft_resample
from roomtone.clips.synth.mixing import pan_gains
from roomtone.clips.synth.spectral import frame_freqs, frame_times, synthesise

__all__ = ["Vehicle", "random_vehicle", "traffic"]

_SPEED_OF_SOUND = 343.0
_HOP_S = 0.01


@dataclass(frozen=True)
class Vehicle:
    """One pass along a straight road in front of the listener."""

    time_s: float
    """When the vehicle is closest."""
    speed_mps: float
    lateral_m: float
    """Closest distance (which lane, how far the road is)."""
    direction: float
    """+1 passes left to right, -1 right to left."""
    level: float
    engine_hz: float
    engine_level: float
    tyre_hz: float
    """Centre of the tyre/road noise band."""


def random_vehicle(rng: np.random.Generator, time_s: float, kind: str) -> Vehicle:
    """A car, truck or motorbike with plausible speed, lane and engine note."""
    lane = float(rng.uniform(6.0, 22.0))
    direction = float(rng.choice([-1.0, 1.0]))
    if kind == "truck":
        return Vehicle(
            time_s,
            rng.uniform(8.0, 12.0),
            lane,
            direction,
            rng.uniform(1.6, 2.4),
            rng.uniform(28.0, 40.0),
            0.5,
            rng.uniform(500.0, 700.0),
        )
    if kind == "motorbike":
        return Vehicle(
            time_s,
            rng.uniform(11.0, 16.0),
            lane,
            direction,
            rng.uniform(0.9, 1.3),
            rng.uniform(70.0, 110.0),
            0.6,
            rng.uniform(900.0, 1200.0),
        )
    return Vehicle(
        time_s,
        rng.uniform(9.0, 15.0),
        lane,
        direction,
        rng.uniform(0.6, 1.2),
        rng.uniform(40.0, 70.0),
        0.12,
        rng.uniform(800.0, 1200.0),
    )


def _geometry(
    v: Vehicle, t: FloatArray, loop_s: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distance, stereo position and radial speed over time (time wraps around the loop)."""
    dt = (t - v.time_s + loop_s / 2.0) % loop_s - loop_s / 2.0
    x = v.direction * v.speed_mps * dt
    d = np.sqrt(v.lateral_m**2 + x * x)
    radial = v.speed_mps**2 * dt / d  # > 0 while receding
    return d, x / d, radial


def _tyre_power(v: Vehicle, freqs: FloatArray, d: FloatArray) -> FloatArray:
    """Tyre noise power (frames, bins): spreading loss, air absorption growing with distance."""
    octs = np.log2(np.maximum(freqs, 20.0) / v.tyre_hz)
    band = np.exp(-0.5 * (octs / 1.3) ** 2) + 0.3 * np.exp(-0.5 * ((octs + 3.0) / 1.2) ** 2)
    absorb = np.exp(np.outer(d / -15.0, (freqs / 9000.0) ** 2))
    spreading = (v.lateral_m / d) ** 2 * v.level**2
    return np.asarray(spreading[:, np.newaxis] * band[np.newaxis, :] * absorb, dtype=np.float64)


def _engine(
    v: Vehicle, rng: np.random.Generator, frames: int, sample_rate: int
) -> tuple[int, FloatArray]:
    """Engine harmonics for the audible stretch of the pass: (start sample, stereo samples)."""
    loop_s = frames / sample_rate
    span = min(loop_s, 2.0 * 60.0 / v.speed_mps)
    count = round(span * sample_rate)
    start = round((v.time_s - span / 2.0) * sample_rate)
    t = (start + np.arange(count)) / sample_rate
    d, position, radial = _geometry(v, t, loop_s)
    wobble = 1.0 + 0.02 * np.sin(2.0 * np.pi * rng.uniform(0.2, 0.5) * t + rng.uniform(0, 6.28))
    freq = v.engine_hz * wobble * _SPEED_OF_SOUND / (_SPEED_OF_SOUND + radial)
    phase = 2.0 * np.pi * np.cumsum(freq) / sample_rate
    tone = np.zeros(count)
    for k in range(1, 9):
        weight = (0.7 if k % 2 == 0 else 1.0) / k**0.8
        absorb = np.exp(-((k * freq / 9000.0) ** 2) * d / 15.0)
        tone += weight * absorb * np.sin(k * phase + rng.uniform(0, 6.28))
    amp = v.level * v.engine_level * v.lateral_m / d
    fade = np.sin(np.pi * np.arange(count) / count) ** 2
    left, right = pan_gains(0.85 * position)
    mono = tone * amp * fade
    return start, np.stack([mono * left, mono * right], axis=1)


def traffic(
    rng: np.random.Generator, vehicles: list[Vehicle], frames: int, sample_rate: int
) -> FloatArray:
    """Stereo loop of every vehicle passing; correlated channels keep each one a point source."""
    hop = round(_HOP_S * sample_rate)
    freqs = frame_freqs(hop, sample_rate)
    times = frame_times(frames, hop, sample_rate)
    loop_s = frames / sample_rate
    power_l = np.full((times.shape[0], freqs.shape[0]), 1e-12)
    power_r = power_l.copy()
    for v in vehicles:
        d, position, _ = _geometry(v, times, loop_s)
        power = _tyre_power(v, freqs, d)
        left, right = pan_gains(0.85 * position)
        power_l += power * (left**2)[:, np.newaxis]
        power_r += power * (right**2)[:, np.newaxis]
    shape = power_l.shape
    noise = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * np.sqrt(hop)
    out = np.stack(
        [synthesise(noise * np.sqrt(power_l), hop), synthesise(noise * np.sqrt(power_r), hop)],
        axis=1,
    )
    # Engines have nothing above ~1.5 kHz: synthesise them at a quarter rate, resample once.
    engine_rate = sample_rate // 4
    engines = np.zeros((frames // 4, 2))
    for v in vehicles:
        start, engine = _engine(v, rng, frames // 4, engine_rate)
        add_wrapped(engines, engine, start)
    return np.asarray(out + fft_resample(engines, frames), dtype=np.float64)
