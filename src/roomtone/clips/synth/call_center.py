"""call_center: nearby agents on calls, a murmur of the floor, keyboards, ventilation.

Every agent is alone on a phone call: they speak, then listen to the caller (whom we do
not hear), then speak again, so about half of them talk at any moment; a few sit near,
most further across the floor. Acoustics are a treated open-plan room (short, dull
reverberation).
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.babble import Crowd, babble_in_room
from roomtone.clips.synth.beds import ventilation
from roomtone.clips.synth.circular import FloatArray
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for
from roomtone.clips.synth.office import distant
from roomtone.clips.synth.office_events import far_typing
from roomtone.clips.synth.rooms import Room, reverberate, room_response

__all__ = ["call_center_stems", "render_call_center"]

OPEN_PLAN = Room(rt60_s=0.45, hf_rt60_s=0.22, predelay_s=0.008, early_count=12, early_span_s=0.04)


def call_center_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """Near agents, far floor, keyboards and air at their mix levels."""
    frames = round(duration_s * sample_rate)
    room = room_response(rng_for(seed, "room"), OPEN_PLAN, sample_rate)
    agents = Crowd(
        talkers=24,
        distance_m=(1.8, 15.0),
        talk_fraction=0.55,
        spurt_s=3.0,
        width=1.0,
        lowpass_hz=8000.0,
        group_size=(1, 1),
        critical_distance_m=3.0,
    )
    talk = babble_in_room(rng_for(seed, "agents"), agents, OPEN_PLAN, frames, sample_rate)
    keys_rng = rng_for(seed, "keys")
    keys = np.zeros((frames, 2))
    for _ in range(3):
        typing = far_typing(keys_rng, frames, sample_rate, bursts=2)
        keys += pan(distant(typing, sample_rate, 9000.0), float(keys_rng.uniform(-0.9, 0.9)))
    air = ventilation(rng_for(seed, "air"), frames, sample_rate, rumble_hz=95.0, hiss=0.4)
    return {
        "agents": talk,
        # Reverberated clicks turn into a percussion loop: keep the keyboards fairly dry.
        "keyboards": db(2.0) * reverberate(keys, room, wet_db=-8.0),
        "ventilation": db(-10.0) * air,
    }


def render_call_center(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Sum of :func:`call_center_stems`."""
    return np.asarray(
        sum(call_center_stems(seed, duration_s, sample_rate).values()), dtype=np.float64
    )
