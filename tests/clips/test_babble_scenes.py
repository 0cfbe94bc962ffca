"""The babble beds: repeatable loops of people talking, that a machine listener hears as such."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from roomtone.clips.catalog import get_spec
from roomtone.clips.generate import normalise
from roomtone.clips.synth.babble import Crowd, babble, babble_in_room
from roomtone.clips.synth.coffee_shop import cafe_stems
from roomtone.clips.synth.mixing import to_channels
from roomtone.clips.synth.rooms import Room
from signal_checks import envelope_autocorrelation, seam_jump_ratio

pytest.importorskip("espeakng_loader", reason="eSpeak NG comes with roomtone[generate]")

RATE = 48000
BABBLE = ("Speech", "Chatter", "Hubbub, speech noise, speech babble", "Crowd", "Conversation")
OFFICE = (
    *BABBLE,
    *("Inside, small room", "Inside, large room or hall", "Typing", "Computer keyboard"),
    "Printer",
)
NOT_HEARD = ("Music", "Musical instrument", "Percussion", "Wood block", "Pink noise", "White noise")
SCENES = {
    "crowded_room": BABBLE,
    "coffee_shop": BABBLE,
    "call_center": BABBLE,
    "office_ambience": OFFICE,
}
SMALL = Crowd(talkers=6, distance_m=(1.5, 6.0), talk_fraction=0.7)
ROOM = Room(rt60_s=0.6, hf_rt60_s=0.3)
needs_listener = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None,
    reason="the machine listener needs onnxruntime (roomtone[listen])",
)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"talkers": 0}, "talkers must be at least 1, got 0"),
        ({"distance_m": (5.0, 2.0)}, "distance_m must be (near, far)"),
        ({"talk_fraction": 1.5}, "talk_fraction must be in (0, 1], got 1.5"),
        ({"group_size": (3, 2)}, "group_size must be (smallest, largest)"),
        ({"laugh_chance": -0.1}, "laugh_chance must be in [0, 1], got -0.1"),
        ({"stereo_width": 2.0}, "stereo_width must be in [0, 1], got 2.0"),
    ],
)
def test_bad_crowd_settings_are_named(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Crowd(**{"talkers": 4, **settings})


def test_same_seed_same_samples_other_seed_other_talk() -> None:
    frames = 6 * RATE
    first = babble_in_room(np.random.default_rng(5), SMALL, ROOM, frames, RATE)
    np.testing.assert_array_equal(
        babble_in_room(np.random.default_rng(5), SMALL, ROOM, frames, RATE), first
    )
    other = babble_in_room(np.random.default_rng(6), SMALL, ROOM, frames, RATE)
    assert abs(float(np.corrcoef(first[:, 0], other[:, 0])[0, 1])) < 0.1
    assert first.shape == (frames, 2)


@pytest.mark.parametrize("seconds", [5.0, 7.3])
def test_talk_runs_across_the_seam(seconds: float) -> None:
    # Turns that pass the loop's end continue at its start: no step, no gap at the seam.
    loop = babble_in_room(np.random.default_rng(9), SMALL, ROOM, round(seconds * RATE), RATE)
    assert seam_jump_ratio(loop) < 1.5


def test_a_phone_call_has_talk_spurts_and_listening_pauses() -> None:
    # One agent alone on a call, no room: speaks for a few seconds, listens, speaks again.
    agent = Crowd(talkers=1, distance_m=(1.0, 1.0), group_size=(1, 1), talk_fraction=0.5)
    audio = babble(np.random.default_rng(2), agent, 40 * RATE, RATE).sum(axis=1)
    hop = RATE // 10
    level = 10 * np.log10(
        np.mean(audio[: audio.size // hop * hop].reshape(-1, hop) ** 2, 1) + 1e-12
    )
    talking = level > np.percentile(level, 95) - 30.0
    assert 0.3 < talking.mean() < 0.8
    # Runs of silence of 1 s or more (listening), and no turn longer than 15 s.
    edges = np.flatnonzero(np.diff(np.concatenate([[0], talking.astype(int), [0]])))
    runs = np.diff(edges)
    talk_runs, quiet_runs = runs[0::2], runs[1::2]
    assert quiet_runs.max() >= 10 and talk_runs.max() < 150


def test_crowd_is_stereo_with_a_set_width() -> None:
    def side_to_mid_db(width: float) -> float:
        crowd = Crowd(talkers=6, distance_m=(1.5, 6.0), talk_fraction=0.7, stereo_width=width)
        audio = babble(np.random.default_rng(4), crowd, 8 * RATE, RATE)
        mid, side = audio.mean(axis=1), (audio[:, 0] - audio[:, 1]) / 2
        return float(10 * np.log10(np.mean(side**2) / np.mean(mid**2)))

    # Talkers stand at different places, so the channels differ; the width scales the side
    # signal (half width: 6 dB less side), and the default keeps a real stereo image.
    full, half = side_to_mid_db(1.0), side_to_mid_db(0.5)
    assert half == pytest.approx(full - 6.02, abs=0.01)
    assert -20.0 < half < -3.0


def test_highs_above_espeaks_band_follow_the_consonants() -> None:
    audio = babble_in_room(np.random.default_rng(3), SMALL, ROOM, 8 * RATE, RATE).mean(axis=1)
    spectrum = np.fft.rfft(audio)
    f = np.fft.rfftfreq(audio.size, 1 / RATE)

    def band(lo: float, hi: float) -> np.ndarray:
        part = np.fft.irfft(np.where((f > lo) & (f < hi), spectrum, 0), n=audio.size)
        hop = RATE // 50
        return np.sqrt(np.mean(part[: part.size // hop * hop].reshape(-1, hop) ** 2, axis=1))

    sibilants, air = band(4000.0, 9000.0), band(12000.0, 16000.0)
    # There is sound above eSpeak's 11 kHz, well under the sibilant band, and it comes and
    # goes with the consonants rather than hissing steadily.
    ratio_db = 20 * np.log10(np.sqrt(np.mean(air**2)) / np.sqrt(np.mean(sibilants**2)))
    assert -30.0 < ratio_db < -3.0
    assert np.corrcoef(sibilants, air)[0, 1] > 0.5


@pytest.mark.parametrize("name", sorted(SCENES))
def test_scene_loops_and_does_not_repeat(name: str, rendered: Callable[[str], np.ndarray]) -> None:
    audio = rendered(name)
    assert seam_jump_ratio(audio) < 1.5
    assert envelope_autocorrelation(audio) < 0.35


@needs_listener
@pytest.mark.parametrize("gain_db", [0.0, 10.0, -10.0])
@pytest.mark.parametrize("name", sorted(SCENES))
def test_listener_hears_people_talking(
    name: str, gain_db: float, rendered: Callable[[str], np.ndarray]
) -> None:
    from roomtone.analysis.listener import get_listener

    hearing = get_listener().hear(rendered(name), RATE, gain_db=gain_db)
    expected = SCENES[name]
    best, score = hearing.top(1)[0]
    assert best in expected, hearing.top(5)
    assert score >= 0.3, hearing.top(5)
    assert hearing.share_of_windows_with(list(expected)) >= 0.8
    for wrong in NOT_HEARD:
        assert hearing.score(wrong) < 0.05, (wrong, hearing.top(5))


@needs_listener
def test_coffee_shop_tableware_is_heard_as_china_and_glass() -> None:
    from roomtone.analysis.listener import get_listener

    spec = get_spec("coffee_shop")
    stems = cafe_stems(spec.seed, spec.duration_s, RATE)
    whole = sum(stems.values())
    gain = float(np.sqrt(np.mean(normalise(to_channels(whole, 2), RATE, spec.target_lufs) ** 2)))
    gain /= float(np.sqrt(np.mean(whole**2)))
    # The cups, saucers and cutlery alone, at their level in the shipped mix.
    hearing = get_listener().hear(stems["tableware"] * gain, RATE)
    heard = [name for name, _ in hearing.top(4)]
    assert {"Glass", "Chink, clink", "Dishes, pots, and pans", "Cutlery, silverware"} & set(heard)
    assert hearing.score("Bell") < 0.05 and hearing.score("Music") < 0.05
