"""The typing clips sound like a person typing: human rate, presses with releases."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from roomtone.clips.catalog import get_spec
from roomtone.clips.synth.noise import rng_for
from roomtone.clips.synth.typing_rhythm import TypingStyle, typing_schedule
from signal_checks import keystroke_onsets, press_release_pairs


@pytest.mark.parametrize("name", ["keyboard_typing", "keyboard_typing2"])
def test_onset_rate_is_human(name: str, decoded: Callable[[str], np.ndarray]) -> None:
    audio = decoded(name)
    seconds = audio.shape[0] / 48000
    times, levels = keystroke_onsets(audio)
    # Every keystroke makes two clicks (press, release): half the clicks are keystrokes.
    keys_per_second = len(times) / 2 / seconds
    assert 3.0 <= keys_per_second <= 8.0
    pairs = press_release_pairs(times, levels)
    assert pairs >= 0.5 * len(times) / 2


@pytest.mark.parametrize("seed", range(5))
def test_schedule_rhythm(seed: int) -> None:
    strokes = typing_schedule(rng_for(seed, "rhythm"), 10.0, TypingStyle())
    times = np.sort([s.time_s for s in strokes])
    assert 3.0 <= len(times) / 10.0 <= 8.0
    gaps = np.diff(np.concatenate([times, [times[0] + 10.0]]))
    assert gaps.min() > 0.02  # no two keys at once
    assert np.median(gaps) < 0.25  # bursts
    assert any(s.key == "space" for s in strokes)


def test_typing_clips_are_mono_and_short() -> None:
    assert get_spec("keyboard_typing").channels == 1
    assert get_spec("keyboard_typing2").channels == 1
