"""Tell when the caller talks over the echo: what neither canceller can explain as echo.

Per 10 ms frame two views of the same capture are compared with what was heard:

- AEC3's output: with only the echo playing, its suppressor leaves 25-45 dB less than was
  heard; a caller's voice (not in the reference) comes through it within about 10 dB;
- the linear filter's residual: with only the echo, a steady share of what was heard (its
  own echo return loss enhancement); the caller's voice passes it whole.

Each share is learnt from the recent past as a low percentile (the caller only ever raises
them, so talk does not teach them) and the caller is present when both views beat their
share by a wide margin and AEC3's output is loud in its own right. A fresh filter explains
nothing yet (its residual is all of what was heard), so it claims no caller.
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["NearEndDetector"]

_SMOOTHING = 0.4  # weight of the newest frame in the smoothed energies (about 25 ms)
_HISTORY = 200  # frames of shares kept (2 s)
_PERCENTILE = 20.0
_WORST_PERCENTILE = 95.0
_MIN_HISTORY = 20
_RELEARN = 10
_AUDIBLE = 30.0  # energy over the noise floor that counts as echo to learn from
_LEARN_ABOVE = 1000.0  # energy over the noise floor (30 dB) that shares are learnt from
_FLOOR_RISE = 1.002  # per frame: how fast the noise floor estimate may creep up
_LOUD = 0.0001  # AEC3's output over what was heard (-40 dB) below which no caller is claimed
_FILTER_MARGIN = 4.0  # the linear residual's share must beat its echo-only share this much
_ONSET_MARGIN = 6.0  # an onset: the linear residual share over its worst echo-only share
_RELIABLE = 0.1  # the worst share (-10 dB) under which the filter may claim an onset
_ONSET_SUPPRESSOR_MARGIN = 3.0  # ... with AEC3's output share this far over its own
_LOST = 1.5  # the residual this much louder than what was heard: the filter is off the path
_DISTRUST_FRAMES = 100  # frames no caller is claimed after the filter lost the path (1 s)
_SUPPRESSOR_MARGIN = 30.0  # AEC3's output share must beat its echo-only share this much


class _Share:
    """A smoothed energy ratio and a low percentile of its recent values (recomputed every
    ``_RELEARN`` values: it moves slowly, and a percentile per frame would cost more than the
    linear filter)."""

    def __init__(self) -> None:
        self.history: deque[float] = deque(maxlen=_HISTORY)
        self.learnt: float | None = None
        self.worst: float | None = None  # a high percentile: the share on a bad moment
        self._since = 0

    def learn(self, ratio: float) -> None:
        self.history.append(ratio)
        self._since += 1
        if len(self.history) >= _MIN_HISTORY and (self.learnt is None or self._since >= _RELEARN):
            self.learnt, self.worst = (
                float(v) for v in np.percentile(self.history, (_PERCENTILE, _WORST_PERCENTILE))
            )
            self._since = 0


class NearEndDetector:
    """``update`` once per frame; True while the caller talks over the echo."""

    def __init__(self, *, hangover_frames: int = 15) -> None:
        self.hangover_frames = hangover_frames
        self._heard = 0.0
        self._residual = 0.0
        self._suppressed = 0.0
        self._floor = float("inf")  # the noise floor: no frame seen yet
        self._filter = _Share()
        self._suppressor = _Share()
        self._hang = 0
        self._distrust = 0
        self.lost = False
        """Set when the linear filter has just lost the echo path; the reader clears it."""

    def update(self, heard: float, residual: float, suppressed: float) -> bool:
        """Energies of the frame heard, of the linear residual and of AEC3's output."""
        a = _SMOOTHING
        self._heard = (1 - a) * self._heard + a * heard
        self._residual = (1 - a) * self._residual + a * residual
        self._suppressed = (1 - a) * self._suppressed + a * suppressed
        # The noise floor: what the linear filter leaves at its quietest (a continuous bed
        # is mostly removed, unlike in what was heard; the noise is left, unlike in AEC3's).
        floor = max(residual, 1e-12)
        self._floor = min(floor, self._floor * _FLOOR_RISE)
        talking = False
        if self._heard > _AUDIBLE * self._floor:
            filter_share = self._residual / self._heard
            if filter_share > _LOST:
                if not self._distrust:
                    self.lost = True  # news for the canceller: look for the delay again
                # The filter adds more than it removes: it is off the echo path (the path
                # moved), not hearing a caller, whose voice passes it but adds to what was
                # heard just as much. Its residual means nothing until it has found it again.
                self._distrust = _DISTRUST_FRAMES
            suppressor_share = self._suppressed / self._heard
            learnt_filter, learnt_suppressor = self._filter.learnt, self._suppressor.learnt
            # Learnt from loud echo only (near the noise floor every share is near 1), and not
            # while the caller talks (their voice would teach shares that hide it).
            if self._hang == 0 and self._heard > _LEARN_ABOVE * self._floor:
                self._filter.learn(filter_share)
                self._suppressor.learn(suppressor_share)
            if self._distrust:
                self._distrust -= 1
            elif learnt_filter is not None and learnt_suppressor is not None:
                unexplained = filter_share / max(learnt_filter, 1e-12)
                talking = (
                    self._suppressed > _AUDIBLE * self._floor
                    and suppressor_share > _LOUD
                    and suppressor_share > _SUPPRESSOR_MARGIN * learnt_suppressor
                    and unexplained > _FILTER_MARGIN
                ) or self._onset(filter_share, suppressor_share)
        self._hang = self.hangover_frames if talking else max(0, self._hang - 1)
        return self._hang > 0

    def _onset(self, filter_share: float, suppressor_share: float) -> bool:
        """The caller starting to talk, seen by the linear filter alone.

        AEC3 clamps a caller's first words for tens of milliseconds, so it cannot confirm an
        onset in time. Where the filter explains the echo well even at its worst moments (a
        bed of voices, not music or a single voice, whose new notes and pitches it learns
        as they come), a residual far above its worst share is the caller on its own.
        """
        worst = self._filter.worst
        learnt = self._suppressor.learnt
        return (
            worst is not None
            and learnt is not None
            and worst < _RELIABLE
            and filter_share > _ONSET_MARGIN * worst
            and suppressor_share > _ONSET_SUPPRESSOR_MARGIN * learnt
            and self._residual > _AUDIBLE * self._floor
        )
