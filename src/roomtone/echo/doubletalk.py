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
_MIN_HISTORY = 20
_RELEARN = 10
_AUDIBLE = 30.0  # energy over the noise floor that counts as echo to learn from
_LEARN_ABOVE = 1000.0  # energy over the noise floor (30 dB) that shares are learnt from
_FLOOR_RISE = 1.002  # per frame: how fast the noise floor estimate may creep up
_LOUD = 0.001  # AEC3's output over what was heard (-30 dB) below which no caller is claimed
_FILTER_MARGIN = 4.0  # the linear residual's share must beat its echo-only share this much
_SUPPRESSOR_MARGIN = 30.0  # AEC3's output share must beat its echo-only share this much


class _Share:
    """A smoothed energy ratio and a low percentile of its recent values (recomputed every
    ``_RELEARN`` values: it moves slowly, and a percentile per frame would cost more than the
    linear filter)."""

    def __init__(self) -> None:
        self.history: deque[float] = deque(maxlen=_HISTORY)
        self.learnt: float | None = None
        self._since = 0

    def learn(self, ratio: float) -> None:
        self.history.append(ratio)
        self._since += 1
        if len(self.history) >= _MIN_HISTORY and (self.learnt is None or self._since >= _RELEARN):
            self.learnt = float(np.percentile(self.history, _PERCENTILE))
            self._since = 0


class NearEndDetector:
    """``update`` once per frame; True while the caller talks over the echo."""

    def __init__(self, *, hangover_frames: int = 5) -> None:
        self.hangover_frames = hangover_frames
        self._heard = 0.0
        self._residual = 0.0
        self._suppressed = 0.0
        self._floor: float | None = None
        self._filter = _Share()
        self._suppressor = _Share()
        self._hang = 0

    def update(self, heard: float, residual: float, suppressed: float) -> bool:
        """Energies of the frame heard, of the linear residual and of AEC3's output."""
        a = _SMOOTHING
        self._heard = (1 - a) * self._heard + a * heard
        self._residual = (1 - a) * self._residual + a * residual
        self._suppressed = (1 - a) * self._suppressed + a * suppressed
        # The noise floor: what the linear filter leaves at its quietest (a continuous bed
        # is mostly removed, unlike in what was heard; the noise is left, unlike in AEC3's).
        floor = max(residual, 1e-12)
        self._floor = floor if self._floor is None else min(floor, self._floor * _FLOOR_RISE)
        talking = False
        if self._heard > _AUDIBLE * self._floor:
            filter_share = self._residual / self._heard
            suppressor_share = self._suppressed / self._heard
            learnt_filter, learnt_suppressor = self._filter.learnt, self._suppressor.learnt
            # Learnt from loud echo only (near the noise floor every share is near 1), and not
            # while the caller talks (their voice would teach shares that hide it).
            if self._hang == 0 and self._heard > _LEARN_ABOVE * self._floor:
                self._filter.learn(filter_share)
                self._suppressor.learn(suppressor_share)
            if learnt_filter is not None and learnt_suppressor is not None:
                talking = (
                    self._suppressed > _AUDIBLE * self._floor
                    and suppressor_share > _LOUD
                    and suppressor_share > _SUPPRESSOR_MARGIN * learnt_suppressor
                    and filter_share > _FILTER_MARGIN * learnt_filter
                )
        self._hang = self.hangover_frames if talking else max(0, self._hang - 1)
        return self._hang > 0
