"""Ducking: the bed (ambience and cues) dips under speech with an attack and a release.

The agent's speech is known from its state, or, where an integration can hear the agent's
audio (Pipecat's mixer can), from its measured level with a short hold so the bed follows the
words rather than the whole turn. The user's speech can duck the bed too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomtone.config import check_range
from roomtone.engine.ramp import Gain

__all__ = ["Ducker", "Ducking"]


@dataclass(frozen=True)
class Ducking:
    """How far and how fast the bed dips.

    The defaults lower the bed by 8 dB: enough for speech to stand clear, not so much that the
    room "disappears" between words; 80 ms attack is quicker than a syllable; 600 ms release
    brings the room back gently instead of pumping in speech pauses.
    """

    amount_db: float = 8.0
    attack: float = 0.08
    release: float = 0.6
    under_user: bool = False
    user_amount_db: float = 4.0
    threshold_db: float = -45.0
    hold: float = 0.3

    def __post_init__(self) -> None:
        for name, low, high in (
            ("amount_db", 0.0, 60.0),
            ("user_amount_db", 0.0, 60.0),
            ("attack", 0.001, 5.0),
            ("release", 0.001, 10.0),
            ("hold", 0.0, 5.0),
            ("threshold_db", -100.0, 0.0),
        ):
            check_range(f"Ducking.{name}", getattr(self, name), low, high)


class Ducker:
    """Turns speech activity into a bed gain, moving in dB at the attack and release rates."""

    def __init__(self, settings: Ducking | None, sample_rate: int) -> None:
        self.settings = settings
        self.sample_rate = sample_rate
        self.gain_db = 0.0
        self.agent_speaking = False
        self.user_speaking = False
        self._sidechain_seen = False
        self._hold_frames_left = 0

    def feed_level(self, level_db: float, frames: int) -> None:
        """The measured level of the agent's own audio over the last ``frames`` frames."""
        if self.settings is None:
            return
        self._sidechain_seen = True
        if level_db > self.settings.threshold_db:
            self._hold_frames_left = int(self.settings.hold * self.sample_rate)
        else:
            self._hold_frames_left = max(0, self._hold_frames_left - frames)

    def feed_power(self, power: float, frames: int) -> None:
        """:meth:`feed_level` for a mean power (full scale 1.0), without a logarithm: this
        runs for every chunk a Pipecat transport sends."""
        settings = self.settings
        if settings is None:
            return
        self._sidechain_seen = True
        if power > 10.0 ** (settings.threshold_db / 10):
            self._hold_frames_left = int(settings.hold * self.sample_rate)
        else:
            self._hold_frames_left = max(0, self._hold_frames_left - frames)

    def _target_db(self) -> float:
        s = self.settings
        assert s is not None
        agent = self._hold_frames_left > 0 if self._sidechain_seen else self.agent_speaking
        if agent:
            return -s.amount_db
        if s.under_user and self.user_speaking:
            return -s.user_amount_db
        return 0.0

    def advance(self, n: int) -> Gain:
        """The bed gain for the next ``n`` frames."""
        s = self.settings
        if s is None:
            return 1.0
        target = self._target_db()
        current = self.gain_db
        if current == target:
            return 1.0 if current == 0.0 else 10 ** (current / 20)
        going_down = target < current
        seconds = s.attack if going_down else s.release
        full_range = max(s.amount_db, s.user_amount_db, 1e-9)
        step = full_range / (seconds * self.sample_rate)
        steps = np.arange(1, n + 1, dtype=np.float64) * step
        path = (
            np.maximum(current - steps, target)
            if going_down
            else np.minimum(current + steps, target)
        )
        self.gain_db = float(path[-1])
        return np.power(10.0, path / 20).astype(np.float32)

    @property
    def at_rest(self) -> bool:
        """No dip in place or in motion: the bed gain is unity."""
        return self.settings is None or self.gain_db == 0.0
