"""Ramps and equal-power fades."""

from __future__ import annotations

import numpy as np
import pytest

from roomtone.engine.ramp import EqualPowerFade, LinearRamp


def test_ramps() -> None:
    ramp = LinearRamp(0.0)
    ramp.set(1.0, 100)
    values = ramp.advance(150)
    assert isinstance(values, np.ndarray)
    assert values[99] == pytest.approx(1.0) and values[-1] == 1.0 and not ramp.moving
    fade = EqualPowerFade(0.0)
    fade.to(1.0, 1000)
    gains = fade.advance(1000)
    assert isinstance(gains, np.ndarray)
    assert gains[499] == pytest.approx(np.sin(np.pi / 4), abs=1e-3)
