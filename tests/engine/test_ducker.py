"""Ducker: the bed gain moves in dB at the attack and release rates, from state or level."""

from __future__ import annotations

import numpy as np
import pytest

from roomtone.engine.ducker import Ducker, Ducking

RATE = 48000


def advance(ducker: Ducker, seconds: float, block: int = 480) -> float:
    for _ in range(round(seconds * RATE / block)):
        ducker.advance(block)
    return ducker.gain_db


def test_without_settings_the_bed_is_never_touched() -> None:
    ducker = Ducker(None, RATE)
    ducker.agent_speaking = True
    assert ducker.advance(480) == 1.0 and ducker.at_rest


def test_agent_speech_dips_at_the_attack_rate_and_returns_at_the_release_rate() -> None:
    ducker = Ducker(Ducking(amount_db=8.0, attack=0.08, release=0.6), RATE)
    ducker.agent_speaking = True
    assert advance(ducker, 0.04) == pytest.approx(-4.0, abs=0.01)  # half way after half
    assert advance(ducker, 0.05) == -8.0
    ducker.agent_speaking = False
    assert advance(ducker, 0.3) == pytest.approx(-4.0, abs=0.01)
    assert advance(ducker, 0.4) == 0.0 and ducker.at_rest


def test_gains_are_per_frame_while_moving() -> None:
    ducker = Ducker(Ducking(amount_db=10.0, attack=0.01), RATE)
    ducker.agent_speaking = True
    gains = ducker.advance(480)
    assert isinstance(gains, np.ndarray) and len(gains) == 480
    assert np.all(np.diff(gains) < 0) and 20 * np.log10(gains[-1]) == pytest.approx(-10, abs=0.01)


def test_the_measured_level_wins_over_the_state_and_holds_between_words() -> None:
    ducker = Ducker(Ducking(amount_db=8.0, attack=0.01, release=0.01, hold=0.3), RATE)
    ducker.agent_speaking = False
    ducker.feed_level(-20.0, 480)  # a word
    assert advance(ducker, 0.05) == -8.0
    ducker.feed_level(-90.0, RATE // 10)  # 0.1 s of pause: still held
    assert advance(ducker, 0.1) == -8.0
    ducker.feed_level(-90.0, RATE // 4)  # past the hold
    assert advance(ducker, 0.05) == 0.0


def test_the_user_can_duck_the_bed_too() -> None:
    ducker = Ducker(Ducking(under_user=True, user_amount_db=4.0, attack=0.01), RATE)
    ducker.user_speaking = True
    assert advance(ducker, 0.05) == -4.0
