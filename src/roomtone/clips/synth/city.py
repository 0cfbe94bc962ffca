"""city_ambience: a busy street from the kerb: passing traffic both ways, buses, horns, people."""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.babble import Crowd, babble
from roomtone.clips.synth.beds import stereo_noise
from roomtone.clips.synth.circular import FloatArray, add_wrapped, fft_filter, rfft_freqs
from roomtone.clips.synth.envelopes import db, fade_in_out, time_axis
from roomtone.clips.synth.impacts import Modes, impact, jitter
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for, slope_shape, smooth_random
from roomtone.clips.synth.rooms import Room, reverberate, room_response
from roomtone.clips.synth.vehicles import Vehicle, random_vehicle, traffic

__all__ = ["city_stems", "horn", "render_city_ambience"]

STREET = Room(
    rt60_s=1.4, hf_rt60_s=0.5, predelay_s=0.03, early_count=10, early_span_s=0.25, early_level=0.7
)
_NEAR_GAP_S = 0.6  # mean time between vehicles in the near lanes (a busy street)
_FAR_GAP_S = 0.5
_NEAR_LANES_M = (2.0, 6.0)  # standing at the kerb: the near lanes pass 2-6 m away
_FAR_DB = -4.0  # far lanes relative to the near ones
_LIFE_DB = -12.0  # people, horns, birds relative to the traffic
_RUMBLE_DB = -14.0
_HEEL = Modes(
    freqs=(180.0, 420.0, 950.0, 2100.0, 4200.0),
    decays=(0.02, 0.015, 0.01, 0.006, 0.003),
    amps=(0.6, 0.8, 0.7, 0.5, 0.3),
)


def horn(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """A car horn: two reedy tones a third apart, one or two presses."""
    f1 = float(rng.uniform(380.0, 460.0))
    f2 = f1 * 1.26
    out = np.zeros(round(1.6 * sample_rate))
    presses = 1 if rng.random() < 0.5 else 2
    pos = 0
    for _ in range(presses):
        length = round(rng.uniform(0.18, 0.6) * sample_rate)
        t = time_axis(length, sample_rate)
        tone = np.zeros(length)
        for k in range(1, 12):
            tone += (np.sin(2 * np.pi * k * f1 * t) + 0.8 * np.sin(2 * np.pi * k * f2 * t)) / k
        out[pos : pos + length] += tone * fade_in_out(length, sample_rate, 0.01, 0.03)
        pos += length + round(rng.uniform(0.08, 0.15) * sample_rate)
    return out


def _rms(x: FloatArray) -> float:
    return float(np.sqrt(np.mean(x * x))) + 1e-12


def _bus_stops(
    rng: np.random.Generator, buses: list[Vehicle], frames: int, sample_rate: int
) -> FloatArray:
    """Buses braking as they pass: a brief brake squeal, then the air brakes' hiss."""
    out = np.zeros((frames, 2))
    for bus in buses:
        at = round((bus.time_s + float(rng.uniform(-0.5, 1.0))) * sample_rate)
        squeal_s = float(rng.uniform(0.3, 0.8))
        n = round(squeal_s * sample_rate)
        t = time_axis(n, sample_rate)
        pitch = float(rng.uniform(1800.0, 3200.0)) * (1.0 + 0.01 * np.sin(2 * np.pi * 7.0 * t))
        squeal = np.sin(2 * np.pi * np.cumsum(pitch) / sample_rate) * fade_in_out(
            n, sample_rate, 0.08, 0.15
        )
        hiss_n = round(float(rng.uniform(0.4, 0.8)) * sample_rate)
        hiss = np.diff(rng.standard_normal(hiss_n + 1)) * np.exp(
            -time_axis(hiss_n, sample_rate) / 0.25
        )
        event = np.zeros(n + hiss_n + sample_rate // 5)
        event[:n] += 0.15 * squeal
        event[n + sample_rate // 5 :] += 0.25 * hiss
        add_wrapped(out, pan(event, float(np.clip(bus.direction * 0.4, -1, 1))), at)
    return out * 0.02


def _footsteps(rng: np.random.Generator, frames: int, sample_rate: int, walkers: int) -> FloatArray:
    """People walking past on the pavement: heel strikes swelling and fading, moving across."""
    out = np.zeros((frames, 2))
    for _ in range(walkers):
        span = float(rng.uniform(6.0, 10.0))
        pace = float(rng.uniform(0.5, 0.6))
        start = int(rng.integers(frames))
        direction = float(rng.choice([-1.0, 1.0]))
        steps = int(span / pace)
        for k in range(steps):
            u = k / max(steps - 1, 1)
            near = np.sin(np.pi * u) ** 2
            step = impact(rng, jitter(rng, _HEEL, 0.1), sample_rate, contact_s=0.0015, noise=0.6)
            step *= (0.6 if k % 2 else 1.0) * (0.15 + near)
            at = start + round((k * pace + rng.normal(0.0, 0.01)) * sample_rate)
            add_wrapped(out, pan(step, direction * (2.0 * u - 1.0) * 0.8), at)
    return out


def city_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """Rumble, traffic, horns and street life at their mix levels."""
    frames = round(duration_s * sample_rate)
    loop_s = frames / sample_rate
    street = room_response(rng_for(seed, "room"), STREET, sample_rate)

    rumble_rng = rng_for(seed, "rumble")
    # The road's low hum under everything: far engines merged into one slow, dull swell.
    rumble = stereo_noise(rumble_rng, frames, sample_rate, slope_shape(-9.0, 25.0, 400.0), 0.4)
    rumble *= np.exp(0.3 * smooth_random(rumble_rng, frames, sample_rate, 0.1, channels=2))

    cars_rng = rng_for(seed, "vehicles")
    near: list[Vehicle] = []
    t = 0.0
    while (t := t + float(cars_rng.exponential(_NEAR_GAP_S))) < loop_s:
        kind = str(cars_rng.choice(["car", "car", "car", "car", "car", "bus", "motorbike"]))
        near.append(random_vehicle(cars_rng, t, kind, distance_m=_NEAR_LANES_M))
    far: list[Vehicle] = []
    t = 0.0
    while (t := t + float(cars_rng.exponential(_FAR_GAP_S))) < loop_s:
        kind = str(cars_rng.choice(["car", "car", "car", "car", "truck"]))
        far.append(random_vehicle(cars_rng, t, kind, distance_m=(40.0, 120.0)))
    cars = traffic(cars_rng, near, frames, sample_rate, render_rate=sample_rate // 2)
    distant = traffic(cars_rng, far, frames, sample_rate, render_rate=sample_rate // 4)
    distant *= db(_FAR_DB) * _rms(cars) / _rms(distant)
    brakes = _bus_stops(rng_for(seed, "brakes"), [v for v in near if v.diesel], frames, sample_rate)

    life_rng = rng_for(seed, "life")
    horns = np.zeros(frames)
    for _ in range(3):
        add_wrapped(
            horns,
            horn(life_rng, sample_rate) * life_rng.uniform(0.4, 1.0),
            int(life_rng.integers(frames)),
        )
    f = rfft_freqs(frames, sample_rate)
    horns = pan(
        fft_filter(horns, 1.0 / np.sqrt(1.0 + (f / 2500.0) ** 2)),
        float(life_rng.uniform(-0.8, 0.8)),
    )
    crowd = Crowd(talkers=5, distance_m=(6.0, 20.0), talk_fraction=0.5, lowpass_hz=3000.0)
    chatter = babble(life_rng, crowd, frames, sample_rate)
    steps = _footsteps(life_rng, frames, sample_rate, walkers=3)
    life = db(-2.0) * chatter + db(-8.0) * steps + db(-14.0) * horns
    traffic_rms = _rms(cars)
    return {
        "rumble": db(_RUMBLE_DB) * traffic_rms / _rms(rumble) * rumble,
        "traffic": reverberate(cars + distant + brakes, street, wet_db=-10.0),
        "life": db(_LIFE_DB) * traffic_rms / _rms(life) * reverberate(life, street, wet_db=-4.0),
    }


def render_city_ambience(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Sum of :func:`city_stems`."""
    return np.asarray(sum(city_stems(seed, duration_s, sample_rate).values()), dtype=np.float64)
