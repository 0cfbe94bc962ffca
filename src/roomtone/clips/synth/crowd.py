"""crowded_room: dense babble of many talkers in a lively room, with laughter and glasses.

The laughs are the talkers' own (listeners laughing mid-turn, in :mod:`.babble`).
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.babble import Crowd, babble_in_room
from roomtone.clips.synth.circular import FloatArray, add_wrapped
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.impacts import Modes, impact, jitter
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for
from roomtone.clips.synth.rooms import Room, reverberate, room_response

__all__ = ["GLASS", "crowd_stems", "render_crowded_room"]

# A lively room, but not a cathedral: with 1.1 s of reverberation the crowd's summed
# harmonics hung on as a chord, and a listener heard music in some seconds.
HALL = Room(rt60_s=0.85, hf_rt60_s=0.4, predelay_s=0.015, early_count=16, early_span_s=0.07)
# A wine glass touched against another: inharmonic modes, damped by the hands holding them.
GLASS = Modes(
    freqs=(1650.0, 4300.0, 7900.0, 11800.0),
    decays=(0.09, 0.05, 0.03, 0.015),
    amps=(1.0, 0.6, 0.35, 0.2),
)


def crowd_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """Babble (with its laughter) and glassware at their mix levels."""
    frames = round(duration_s * sample_rate)
    hall = room_response(rng_for(seed, "room"), HALL, sample_rate)
    crowd = Crowd(
        talkers=40,
        distance_m=(1.5, 12.0),
        talk_fraction=0.8,
        spurt_s=2.5,
        lowpass_hz=8000.0,
        laugh_chance=0.1,
        critical_distance_m=3.0,
    )
    talk = babble_in_room(rng_for(seed, "babble"), crowd, HALL, frames, sample_rate)
    events_rng = rng_for(seed, "events")
    extras = np.zeros((frames, 2))
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
