"""office_ambience: ventilation, distant murmur and the occasional far-off office sound.

Events are kept low and far (reverberant, dull) so none of them marks the loop.
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.babble import Crowd, babble_in_room
from roomtone.clips.synth.beds import ventilation
from roomtone.clips.synth.circular import FloatArray, add_wrapped, fft_filter, rfft_freqs
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for
from roomtone.clips.synth.office_events import door_close, far_typing, phone_ring
from roomtone.clips.synth.rooms import Room, reverberate, room_response

__all__ = ["LEVELS", "OFFICE_ROOM", "distant", "office_stems", "render_office_ambience"]

LEVELS = {
    "ventilation": db(-8.0),
    "murmur": db(-8.0),
    "typing": db(2.0),
    "phone": db(-12.0),
    "door": db(0.0),
}
OFFICE_ROOM = Room(rt60_s=0.65, hf_rt60_s=0.3, predelay_s=0.012, early_count=14, early_span_s=0.06)


def distant(x: FloatArray, sample_rate: int, cutoff_hz: float) -> FloatArray:
    """Air and furniture absorb the highs of far sources: gentle circular low-pass."""
    f = rfft_freqs(x.shape[0], sample_rate)
    return fft_filter(x, 1.0 / np.sqrt(1.0 + (f / cutoff_hz) ** 2))


def office_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """The scene's parts at their mix levels (summed by the renderer, measured by the docs)."""
    frames = round(duration_s * sample_rate)
    room = room_response(rng_for(seed, "room"), OFFICE_ROOM, sample_rate)
    air = ventilation(rng_for(seed, "ventilation"), frames, sample_rate, rumble_hz=105.0)
    crowd = Crowd(
        talkers=16,
        distance_m=(3.0, 14.0),
        talk_fraction=0.6,
        lowpass_hz=6000.0,
        group_size=(1, 3),
        laugh_chance=0.15,
        critical_distance_m=2.5,
    )
    murmur = babble_in_room(rng_for(seed, "murmur"), crowd, OFFICE_ROOM, frames, sample_rate)

    events_rng = rng_for(seed, "events")
    typing = far_typing(events_rng, frames, sample_rate, bursts=3)
    ring = np.zeros(frames)
    add_wrapped(ring, phone_ring(events_rng, sample_rate), int(events_rng.integers(frames)))
    door = np.zeros(frames)
    add_wrapped(door, door_close(events_rng, sample_rate), int(events_rng.integers(frames)))
    events = (
        LEVELS["typing"] * pan(distant(typing, sample_rate, 7000.0), events_rng.uniform(-0.7, 0.7))
        + LEVELS["phone"] * pan(distant(ring, sample_rate, 2500.0), events_rng.uniform(-0.8, 0.8))
        + LEVELS["door"] * pan(distant(door, sample_rate, 1500.0), events_rng.uniform(-0.8, 0.8))
    )
    return {
        "ventilation": LEVELS["ventilation"] * air,
        "murmur": LEVELS["murmur"] * murmur,
        # Reverberated clicks and rings read as percussion and music: keep them fairly dry.
        "events": reverberate(events, room, wet_db=-3.0),
    }


def render_office_ambience(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Sum of :func:`office_stems`."""
    return np.asarray(sum(office_stems(seed, duration_s, sample_rate).values()), dtype=np.float64)
