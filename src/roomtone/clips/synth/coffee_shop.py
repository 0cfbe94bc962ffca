"""coffee_shop: customers talking, cups and spoons, the espresso machine at work."""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.babble import Crowd, babble_in_room
from roomtone.clips.synth.beds import ventilation
from roomtone.clips.synth.circular import FloatArray, add_wrapped
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.espresso import (
    cup_clink,
    cutlery,
    grinder,
    knock_box,
    pump,
    spoon_stir,
    steam_wand,
    till,
)
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for
from roomtone.clips.synth.rooms import Room, reverberate, room_response

__all__ = ["cafe_stems", "render_coffee_shop"]

CAFE = Room(rt60_s=0.75, hf_rt60_s=0.35, predelay_s=0.01, early_count=14, early_span_s=0.05)


def _place(
    out: FloatArray, rng: np.random.Generator, sound: FloatArray, level_db: float, width: float
) -> None:
    at = int(rng.integers(out.shape[0]))
    add_wrapped(out, pan(sound * db(level_db), float(rng.uniform(-width, width))), at)


def cafe_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """Talk, tableware, machine and air at their mix levels."""
    frames = round(duration_s * sample_rate)
    room = room_response(rng_for(seed, "room"), CAFE, sample_rate)
    crowd = Crowd(
        talkers=26,
        distance_m=(1.8, 9.0),
        talk_fraction=0.75,
        group_size=(2, 3),
        laugh_chance=0.2,
        lowpass_hz=8000.0,
        critical_distance_m=2.5,
    )
    talk = babble_in_room(rng_for(seed, "talk"), crowd, CAFE, frames, sample_rate)

    table_rng = rng_for(seed, "tableware")
    tableware = np.zeros((frames, 2))
    for _ in range(round(24 * duration_s / 60.0)):
        _place(
            tableware,
            table_rng,
            cup_clink(table_rng, sample_rate),
            float(table_rng.uniform(-10, 0)),
            0.9,
        )
    for _ in range(2):
        _place(tableware, table_rng, spoon_stir(table_rng, sample_rate), -4.0, 0.9)
    for _ in range(round(8 * duration_s / 60.0)):
        _place(
            tableware,
            table_rng,
            cutlery(table_rng, sample_rate),
            float(table_rng.uniform(-12, -3)),
            0.9,
        )

    bar_rng = rng_for(seed, "machine")
    bar = np.zeros((frames, 2))
    machine_side = float(bar_rng.choice([-0.6, 0.6]))

    def at_bar(sound: FloatArray, level_db: float) -> None:
        add_wrapped(
            bar,
            pan(sound * db(level_db), machine_side + bar_rng.uniform(-0.1, 0.1)),
            int(bar_rng.integers(frames)),
        )

    at_bar(grinder(bar_rng, sample_rate), -8.0)
    at_bar(steam_wand(bar_rng, sample_rate), -16.0)
    at_bar(pump(bar_rng, sample_rate), -20.0)
    at_bar(knock_box(bar_rng, sample_rate), -8.0)
    at_bar(till(bar_rng, sample_rate), -6.0)
    air = ventilation(rng_for(seed, "air"), frames, sample_rate, rumble_hz=120.0)
    return {
        "talk": talk,
        # Near tables: mostly direct (reverberated clinks start to read as chimes).
        "tableware": db(15.0) * reverberate(tableware, room, wet_db=-8.0),
        "machine": db(5.0) * reverberate(bar, room, wet_db=-4.0),
        "air": db(-14.0) * air,
    }


def render_coffee_shop(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Sum of :func:`cafe_stems`."""
    return np.asarray(sum(cafe_stems(seed, duration_s, sample_rate).values()), dtype=np.float64)
