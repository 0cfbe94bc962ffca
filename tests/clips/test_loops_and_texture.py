"""Every clip loops without a click or a level jump, and does not repeat inside the loop."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from roomtone.clips.catalog import clip_names
from signal_checks import (
    envelope_autocorrelation,
    envelope_repetition,
    level_steps_db,
    max_autocorrelation,
    seam_jump_ratio,
    seam_max_ratio,
)

NAMES = clip_names()
AMBIENT = [n for n in NAMES if n not in ("hold_music", "keyboard_typing", "keyboard_typing2")]


@pytest.mark.parametrize("name", NAMES)
def test_synthesis_is_continuous_across_the_seam(
    name: str, rendered: Callable[[str], np.ndarray]
) -> None:
    # The float loop: the end->start step is an ordinary step of the signal.
    assert seam_jump_ratio(rendered(name)) < 1.5


@pytest.mark.parametrize("name", NAMES)
def test_committed_file_has_no_click_at_the_seam(
    name: str, decoded: Callable[[str], np.ndarray]
) -> None:
    # Opus codes the two ends with separate (if warmed-up) packets, so the coding error does
    # not line up exactly at the seam; the step stays of the order of the signal's own
    # largest steps (measured worst case ~4.4x the 99th percentile, ~3x the local maximum).
    audio = decoded(name)
    assert seam_jump_ratio(audio) < 6.0
    assert seam_max_ratio(audio) < 4.0


@pytest.mark.parametrize("name", [n for n in NAMES if n != "hold_music"])
def test_no_level_jump_at_the_seam(name: str, decoded: Callable[[str], np.ndarray]) -> None:
    # The level change across the seam is one draw from the clip's own distribution of level
    # changes (talk and events make 50 ms levels move by several dB anywhere): it must not
    # stand out from 200 other places, and steady beds must stay within 2 dB.
    for window in (0.05, 0.5):
        seam, elsewhere = level_steps_db(decoded(name), window)
        assert seam <= max(2.0, float(np.max(elsewhere)))
    if name == "room_tone":
        # Comfort noise must not pump at the seam: its 0.5 s level step there is no larger
        # than 95% of the steps elsewhere (the fan's throb moves it ~0.5 dB anywhere).
        seam, elsewhere = level_steps_db(decoded(name), 0.5)
        assert seam <= max(1.0, float(np.percentile(elsewhere, 95)))


def test_hold_music_seam_is_an_ordinary_downbeat(decoded: Callable[[str], np.ndarray]) -> None:
    # The loop point is bar 16 -> bar 1: compare with the level change at the other bar lines.
    audio = decoded("hold_music")
    bar = audio.shape[0] // 16
    steps = [level_steps_db(np.roll(audio, -k * bar, axis=0), 0.05)[0] for k in range(16)]
    assert steps[0] <= max(steps[1:]) + 1.0


@pytest.mark.parametrize("name", AMBIENT)
def test_ambiences_do_not_repeat_within_the_loop(
    name: str, rendered: Callable[[str], np.ndarray]
) -> None:
    audio = rendered(name)
    assert max_autocorrelation(audio) < 0.15
    assert envelope_autocorrelation(audio) < 0.35
    # Issue 9's bound on the raw envelope: no second peak of 0.5 beyond 0.5 s (the slow
    # swells of passing cars and gusts make the main lobe, which is not repetition).
    assert envelope_repetition(audio) < 0.5


def test_hold_music_varies_between_its_two_passes(rendered: Callable[[str], np.ndarray]) -> None:
    # The progression repeats after 8 bars by design, but melody and arpeggio change.
    assert max_autocorrelation(rendered("hold_music")) < 0.8
