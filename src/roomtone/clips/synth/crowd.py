"""crowded_room: dense babble of many talkers in a lively room, with laughter and glasses."""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.babble import Crowd, babble_in_room
from roomtone.clips.synth.circular import FloatArray, add_wrapped
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.impacts import Modes, impact, jitter
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for, slope_shape, spectral_noise
from roomtone.clips.synth.rooms import Room, reverberate, room_response

__all__ = ["GLASS", "crowd_stems", "laugh", "render_crowded_room"]

HALL = Room(rt60_s=1.1, hf_rt60_s=0.45, predelay_s=0.018, early_count=16, early_span_s=0.08)
# A wine glass touched against another: inharmonic modes, damped by the hands holding them.
GLASS = Modes(
    freqs=(1650.0, 4300.0, 7900.0, 11800.0),
    decays=(0.09, 0.05, 0.03, 0.015),
    amps=(1.0, 0.6, 0.35, 0.2),
)


def laugh(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """A short laugh: breathy voiced 'ha' pulses at ~5 per second with falling pitch."""
    count = int(rng.integers(3, 7))
    rate = float(rng.uniform(4.0, 6.0))
    f0 = float(rng.uniform(180.0, 320.0))
    length = round((count / rate + 0.2) * sample_rate)
    t = np.arange(length) / sample_rate
    pulse_phase = (t * rate) % 1.0
    gate = np.where(
        (t * rate < count), np.sin(np.pi * np.clip(pulse_phase / 0.6, 0.0, 1.0)) ** 2, 0.0
    )
    pitch = f0 * (1.0 - 0.25 * t / t[-1])
    phase = 2.0 * np.pi * np.cumsum(pitch) / sample_rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    breath = spectral_noise(rng, length, sample_rate, slope_shape(-3.0, 300.0, 6000.0))
    return np.asarray(gate * (0.6 * voiced + 0.5 * breath), dtype=np.float64)


def crowd_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """Babble, laughter and glassware at their mix levels."""
    frames = round(duration_s * sample_rate)
    hall = room_response(rng_for(seed, "room"), HALL, sample_rate)
    crowd = Crowd(
        talkers=40, distance_m=(1.5, 12.0), talk_fraction=0.8, spurt_s=2.5, lowpass_hz=8000.0
    )
    talk = babble_in_room(rng_for(seed, "babble"), crowd, HALL, frames, sample_rate)
    events_rng = rng_for(seed, "events")
    extras = np.zeros((frames, 2))
    for _ in range(5):
        extras_at = int(events_rng.integers(frames))
        add_wrapped(
            extras,
            pan(laugh(events_rng, sample_rate) * db(-6.0), events_rng.uniform(-0.8, 0.8)),
            extras_at,
        )
    for _ in range(8):
        clink = impact(
            events_rng,
            jitter(events_rng, GLASS.scaled(pitch=events_rng.uniform(0.75, 1.3)), 0.1),
            sample_rate,
            contact_s=0.0002,
        )
        add_wrapped(
            extras,
            pan(clink * db(-10.0), events_rng.uniform(-0.9, 0.9)),
            int(events_rng.integers(frames)),
        )
    return {
        "babble": talk,
        "extras": db(2.0) * reverberate(extras, hall, wet_db=0.0),
    }


def render_crowded_room(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Sum of :func:`crowd_stems`."""
    return np.asarray(sum(crowd_stems(seed, duration_s, sample_rate).values()), dtype=np.float64)
