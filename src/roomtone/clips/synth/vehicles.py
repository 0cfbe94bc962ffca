"""Road traffic: vehicles that pass by, swelling and fading, with Doppler and a ground bounce.

Each vehicle is a moving source (tyre/road noise plus an engine) rendered in the time domain:
what the listener hears at time t left the vehicle at t - d/c, so reading the source through
that moving delay gives the Doppler shift of the engine and of the tyre roar alike. A second
path bounces off the road; its extra delay shrinks as the vehicle nears and grows as it leaves,
sweeping comb notches through the noise (the "whoosh" of a pass-by). Distance sets level
(spherical spreading) and dullness (air absorption). The engine is a train of firing pulses
with cycle-to-cycle jitter, its rate following the revs (steady, or accelerating through
gears), not a set of steady sine harmonics, which sound like an organ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal
from scipy.fft import next_fast_len

from roomtone.clips.synth.circular import FloatArray, add_wrapped, fft_resample
from roomtone.clips.synth.mixing import pan_gains
from roomtone.clips.synth.noise import smooth_random

__all__ = ["Vehicle", "random_vehicle", "traffic"]

_SPEED_OF_SOUND = 343.0
_SOURCE_HEIGHT_M = 0.4
_EAR_HEIGHT_M = 1.6
_GROUND_REFLECTION = 0.7
_PAD_S = 0.5  # longest propagation delay rendered (170 m)
# Cycle-to-cycle spread (log) of the firing strength: a little makes an engine, a lot crackles.
_PETROL_JITTER = 0.15
_DIESEL_JITTER = 0.25
# Distance at which air has taken the highs (a 2.5 kHz low-pass) off a vehicle completely.
_DULL_AT_M = 80.0


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
    """Firing rate of the engine at the start of the pass."""
    engine_level: float
    tyre_hz: float
    """Centre of the tyre/road noise band."""
    accelerating: bool = False
    """Revs climb and drop back at each gear change instead of holding steady."""
    diesel: bool = False
    """Slower, harder firing pulses with more clatter (buses, trucks)."""
    span_s: float = 10.0
    """Length of the audible stretch rendered around the closest point."""


def random_vehicle(
    rng: np.random.Generator, time_s: float, kind: str, distance_m: tuple[float, float] = (4, 14)
) -> Vehicle:
    """A car, bus/truck or motorbike with plausible speed, engine and tyres."""
    lane = float(rng.uniform(*distance_m))
    direction = float(rng.choice([-1.0, 1.0]))
    accelerating = bool(rng.random() < 0.5)
    speed = float(rng.uniform(8.0, 14.0))
    span = 10.0 if distance_m[1] < 30.0 else 24.0
    if kind in {"truck", "bus"}:
        return Vehicle(
            time_s, speed * 0.85, lane, direction, float(rng.uniform(1.6, 2.2)),
            float(rng.uniform(30.0, 45.0)), 0.9, float(rng.uniform(600.0, 850.0)),
            accelerating, diesel=True, span_s=span,
        )  # fmt: skip
    if kind == "motorbike":
        return Vehicle(
            time_s, speed * 1.1, lane, direction, float(rng.uniform(0.8, 1.2)),
            float(rng.uniform(90.0, 140.0)), 0.9, float(rng.uniform(900.0, 1200.0)),
            accelerating, span_s=span,
        )  # fmt: skip
    return Vehicle(
        time_s, speed, lane, direction, float(rng.uniform(0.7, 1.2)),
        float(rng.uniform(50.0, 100.0)), 0.45, float(rng.uniform(700.0, 1100.0)),
        accelerating, span_s=span,
    )  # fmt: skip


def _tyre_noise(rng: np.random.Generator, v: Vehicle, frames: int, rate: int) -> FloatArray:
    """Tyre/road roar: a broad band around ``tyre_hz`` over a low body, unit RMS."""
    f = np.fft.rfftfreq(frames, 1.0 / rate)
    octaves = np.log2(np.maximum(f, 10.0) / v.tyre_hz)
    body = np.log2(np.maximum(f, 10.0) / 90.0)
    shape = np.exp(-0.5 * (octaves / 1.1) ** 2) + 0.6 * np.exp(-0.5 * body**2)
    shape[f < 25.0] = 0.0
    x = np.fft.irfft(np.fft.rfft(rng.standard_normal(frames)) * shape, frames)
    return np.asarray(x / (np.sqrt(np.mean(x * x)) + 1e-12))


def _revs(rng: np.random.Generator, v: Vehicle, frames: int, rate: int) -> FloatArray:
    """Firing rate over the pass: a slow wander, and gear-change saw-teeth when accelerating."""
    t = np.arange(frames) / rate
    curve = np.ones(frames)
    if v.accelerating:
        gear_s = float(rng.uniform(2.0, 3.5))
        curve = 0.75 + 0.6 * (((t / gear_s) + float(rng.uniform(0.0, 1.0))) % 1.0)
    wander = 1.0 + 0.04 * smooth_random(rng, frames, rate, 0.5)
    return np.asarray(v.engine_hz * curve * wander)


def _engine(rng: np.random.Generator, v: Vehicle, frames: int, rate: int) -> FloatArray:
    """Firing pulses (jittered in strength) through a short noisy exhaust response, unit RMS."""
    cycles = np.floor(np.cumsum(_revs(rng, v, frames, rate)) / rate)
    fires = np.nonzero(np.diff(cycles) > 0)[0]
    pulses = np.zeros(frames)
    jitter = _DIESEL_JITTER if v.diesel else _PETROL_JITTER
    pulses[fires] = np.exp(jitter * rng.standard_normal(fires.shape[0]))
    length = round(0.015 * rate)
    decay_s = 0.004 if v.diesel else 0.002
    response = rng.standard_normal(length) * np.exp(-np.arange(length) / (decay_s * rate))
    x = signal.fftconvolve(pulses, response)[:frames]
    top = min(3500.0 if v.diesel else 2000.0, 0.45 * rate)
    x = signal.sosfilt(signal.butter(2, [35.0, top], "bandpass", fs=rate, output="sos"), x)
    return np.asarray(x / (np.sqrt(np.mean(x * x)) + 1e-12))


def _pass(rng: np.random.Generator, v: Vehicle, rate: int) -> FloatArray:
    """Stereo (frames, 2) of the pass, centred on its closest point, faded in and out."""
    frames = round(v.span_s * rate)
    pad = round(_PAD_S * rate)
    source_frames = next_fast_len(frames + pad, real=True)  # FFT-friendly length
    source = _tyre_noise(rng, v, source_frames, rate)
    source += v.engine_level * _engine(rng, v, source_frames, rate)
    dull = signal.sosfilt(
        signal.butter(2, min(2500.0, 0.45 * rate), "lowpass", fs=rate, output="sos"), source
    )
    along = v.direction * v.speed_mps * (np.arange(frames) / rate - v.span_s / 2.0)
    heard = np.zeros(frames)
    source_index = np.arange(source_frames)
    for height, gain in (
        (_EAR_HEIGHT_M - _SOURCE_HEIGHT_M, 1.0),
        (_EAR_HEIGHT_M + _SOURCE_HEIGHT_M, _GROUND_REFLECTION),
    ):
        d = np.sqrt(v.lateral_m**2 + along**2 + height**2)
        at = np.arange(frames) + pad - d / _SPEED_OF_SOUND * rate
        far = np.clip(d / _DULL_AT_M, 0.0, 1.0)  # air absorption: duller with distance
        bright = np.interp(at, source_index, source)
        muffled = np.interp(at, source_index, dull)
        heard += gain * ((1.0 - far) * bright + far * muffled) / d
    heard *= v.level * np.sin(np.pi * np.arange(frames) / frames) ** 2
    distance = np.sqrt(v.lateral_m**2 + along**2)
    left, right = pan_gains(0.85 * along / distance)
    return np.stack([heard * left, heard * right], axis=1)


def traffic(
    rng: np.random.Generator,
    vehicles: list[Vehicle],
    frames: int,
    sample_rate: int,
    render_rate: int | None = None,
) -> FloatArray:
    """Stereo loop of every vehicle passing (passes that cross the loop's end wrap round).

    ``render_rate`` (a divisor of ``sample_rate``) renders far, dull traffic cheaply.
    """
    rate = render_rate or sample_rate
    ratio = sample_rate // rate
    if ratio * rate != sample_rate:
        raise ValueError(f"render_rate {rate} must divide the sample rate {sample_rate}")
    out = np.zeros((frames // ratio, 2))
    for v in vehicles:
        sound = _pass(rng, v, rate)
        add_wrapped(out, sound, round((v.time_s - v.span_s / 2.0) * rate))
    return out if ratio == 1 else fft_resample(out, frames)
