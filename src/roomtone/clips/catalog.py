"""The recipes of the built-in clips: what each is, how it is made, the targets it meets.

Every clip is synthesised from a seed by :mod:`roomtone.clips.synth`; no recording or
third-party sample is involved. ``python -m roomtone.clips.generate`` renders them;
:mod:`roomtone.clips.measure` measures the committed files and :mod:`roomtone.clips.pictures`
draws them. The names are those of :class:`roomtone.config.BuiltinAudioClip` (a test ties them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from roomtone.clips import data_dir
from roomtone.clips.synth.call_center import render_call_center
from roomtone.clips.synth.city import render_city_ambience
from roomtone.clips.synth.coffee_shop import render_coffee_shop
from roomtone.clips.synth.crowd import render_crowded_room
from roomtone.clips.synth.forest import render_forest_ambience
from roomtone.clips.synth.hold_music import render_hold_music
from roomtone.clips.synth.office import render_office_ambience
from roomtone.clips.synth.room_tone import render_room_tone
from roomtone.clips.synth.typing import render_keyboard_typing, render_keyboard_typing2

__all__ = [
    "AMBIENCE_LUFS",
    "CLIPS",
    "MUSIC_LUFS",
    "ROOM_TONE_LUFS",
    "SAMPLE_RATE",
    "TRUE_PEAK_CEILING_DBFS",
    "TYPING_LUFS",
    "ClipSpec",
    "clip_names",
    "clip_path",
    "get_spec",
    "select",
]

SAMPLE_RATE = 48000
# Loudness targets (integrated, BS.1770-4). Agent speech sits around -16 to -23 LUFS, so at
# volume 1.0 an ambience is 9-16 LU under it: clearly there, never competing.
AMBIENCE_LUFS = -32.0
# Typing is a foreground "I'm working on it" cue while the agent is silent: a little louder.
TYPING_LUFS = -28.0
# Hold music plays instead of speech, but callers may be talked over it: 3+ LU under speech.
MUSIC_LUFS = -26.0
# Room tone is comfort noise, meant to be felt rather than heard.
ROOM_TONE_LUFS = -45.0
TRUE_PEAK_CEILING_DBFS = -1.0

Renderer = Callable[[int, float, int], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class ClipSpec:
    """Recipe of one built-in clip: the generator, its seed, and the targets it is rendered to."""

    name: str
    description: str
    technique: str
    render: Renderer
    seed: int
    duration_s: float
    channels: int
    target_lufs: float
    bitrate: int


CLIPS: tuple[ClipSpec, ...] = (
    ClipSpec(
        "office_ambience",
        "Open-plan office: ventilation, distant murmur, a far keyboard, a phone, a door.",
        "Shaped-noise ventilation; 7 formant-synthesised talkers, far and low-passed; modal "
        "keystrokes, FM-free phone trill and modal door thud, reverberated by a synthetic room.",
        render_office_ambience,
        1101,
        60.0,
        2,
        AMBIENCE_LUFS,
        64000,
    ),
    ClipSpec(
        "keyboard_typing",
        "An operator typing on an office keyboard close to the microphone (~10 s).",
        "Modal keystroke synthesis (press, release, finger tick, stabiliser rattle on large "
        "keys) driven by a log-normal human typing rhythm with word gaps and pauses.",
        render_keyboard_typing,
        1201,
        10.0,
        1,
        TYPING_LUFS,
        48000,
    ),
    ClipSpec(
        "keyboard_typing2",
        "A short, quick burst of laptop typing (~3.5 s).",
        "Same keystroke model with a laptop's shallower, brighter modes and faster rhythm.",
        render_keyboard_typing2,
        1301,
        3.5,
        1,
        TYPING_LUFS,
        48000,
    ),
    ClipSpec(
        "city_ambience",
        "Street corner: traffic rumble, cars and trucks passing, distant horns and people.",
        "Pass-by model (spreading loss, air absorption, Doppler) for tyre noise and engine "
        "harmonics; brown-noise rumble; additive horns; footsteps and chatter in a street echo.",
        render_city_ambience,
        1405,  # of seeds 1401-1405, the one the listener hears most surely as traffic
        60.0,
        2,
        AMBIENCE_LUFS,
        64000,
    ),
    ClipSpec(
        "forest_ambience",
        "Wind in the leaves and a varied bird chorus.",
        "Gust-modulated leaf noise; five invented bird species sung by FM whistles at "
        "gamma-distributed intervals, distance-filtered, in a diffuse outdoor response.",
        render_forest_ambience,
        1501,
        60.0,
        2,
        AMBIENCE_LUFS,
        64000,
    ),
    ClipSpec(
        "crowded_room",
        "A busy room: dense, unintelligible crowd babble, the odd laugh and glass.",
        "28 formant-synthesised talkers at random distances in a 1.1 s hall; voiced laughter "
        "pulses; modal glass clinks.",
        render_crowded_room,
        1601,
        45.0,
        2,
        AMBIENCE_LUFS,
        64000,
    ),
    ClipSpec(
        "hold_music",
        "Calm electric-piano and vibraphone piece in F major that loops as one phrase.",
        "16 bars over an 8-bar progression: FM electric piano arpeggios, additive pad, "
        "sine bass and a rule-composed vibraphone melody, in a synthetic hall.",
        render_hold_music,
        1701,
        48.0,
        2,
        MUSIC_LUFS,
        96000,
    ),
    ClipSpec(
        "call_center",
        "Contact-centre floor: agents on calls nearby, murmur, keyboards, air.",
        "4 near talkers in phone-call rhythm, 14 far talkers, modal keyboards and "
        "ventilation noise in a treated open-plan room.",
        render_call_center,
        1801,
        60.0,
        2,
        AMBIENCE_LUFS,
        64000,
    ),
    ClipSpec(
        "coffee_shop",
        "Café: customers talking, cups and spoons, grinder, steam wand and pump.",
        "12 formant talkers; modal ceramic cups and spoon taps; grinder (motor harmonics "
        "and crunch), steam hiss with gurgle, vibratory-pump buzz, knock box; café room.",
        render_coffee_shop,
        1901,
        60.0,
        2,
        AMBIENCE_LUFS,
        64000,
    ),
    ClipSpec(
        "room_tone",
        "Quiet neutral room: comfort noise that keeps silence from sounding dead.",
        "Pink-ish shaped noise with a faint low rumble, slightly decorrelated stereo.",
        render_room_tone,
        2001,
        30.0,
        2,
        ROOM_TONE_LUFS,
        48000,
    ),
)


def clip_names() -> list[str]:
    return [spec.name for spec in CLIPS]


def get_spec(name: str) -> ClipSpec:
    for spec in CLIPS:
        if spec.name == name:
            return spec
    raise KeyError(f"no built-in clip named {name!r}; choose from {', '.join(clip_names())}")


def clip_path(name: str, directory: Path | None = None) -> Path:
    return (directory if directory is not None else data_dir()) / f"{name}.ogg"


def select(names: Sequence[str] | None) -> list[ClipSpec]:
    """The named recipes in that order, or all of them for ``None``."""
    return list(CLIPS) if names is None else [get_spec(name) for name in names]
