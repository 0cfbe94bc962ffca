"""Gain that moves smoothly: linear ramps, and equal-power fades built on them.

A ramp advances one block at a time and returns either a plain float (when it is still, the
common and cheap case) or one gain per frame (while it moves), so nothing ever steps.
"""

from __future__ import annotations

import math

import numpy as np

from roomtone.samples import FloatArray

__all__ = ["EqualPowerFade", "Gain", "LinearRamp", "multiply_gains"]

Gain = float | FloatArray
"""A block's gain: one value for the whole block, or one per frame."""

_STEPS = np.arange(1, 1 << 16, dtype=np.float64)


class LinearRamp:
    """A value that moves in a straight line to a target over a given number of frames."""

    __slots__ = ("_step", "target", "value")

    def __init__(self, value: float) -> None:
        self.value = value
        self.target = value
        self._step = 0.0

    @property
    def moving(self) -> bool:
        return self._step != 0.0

    def set(self, target: float, frames: int) -> None:
        self.target = target
        if frames <= 0 or target == self.value:
            self.value = target
            self._step = 0.0
        else:
            self._step = (target - self.value) / frames

    def advance(self, n: int) -> Gain:
        """Gains for the next ``n`` frames (frame i gets the value after i+1 steps)."""
        if self._step == 0.0:
            return self.value
        values = self.value + self._step * _STEPS[:n]
        if self._step > 0:
            np.minimum(values, self.target, out=values)
        else:
            np.maximum(values, self.target, out=values)
        self.value = float(values[-1])
        if self.value == self.target:
            self._step = 0.0
        return values.astype(np.float32)


class EqualPowerFade:
    """Fade position p in [0, 1] moving linearly; the gain is sin(p * pi/2).

    Fading in and out along a quarter sine keeps the summed power of two crossfading
    uncorrelated sounds constant, and reversing mid-fade continues from the current gain.
    """

    __slots__ = ("_pos",)

    def __init__(self, start: float) -> None:
        self._pos = LinearRamp(start)

    @property
    def position(self) -> float:
        return self._pos.value

    @property
    def target(self) -> float:
        return self._pos.target

    @property
    def moving(self) -> bool:
        return self._pos.moving

    def to(self, target: float, frames: int) -> None:
        """Move to ``target`` (0 or 1) at a speed where a full fade takes ``frames`` frames."""
        distance = abs(target - self._pos.value)
        self._pos.set(target, max(1, round(frames * distance)) if distance else 0)

    def advance(self, n: int) -> Gain:
        p = self._pos.advance(n)
        if isinstance(p, float):
            return 1.0 if p >= 1.0 else math.sin(p * math.pi / 2)
        gains: FloatArray = np.sin(p * np.float32(math.pi / 2)).astype(np.float32)
        return gains


def multiply_gains(a: Gain, b: Gain) -> Gain:
    """Product of two block gains, staying a plain float when both are."""
    if isinstance(a, float) and isinstance(b, float):
        return a * b
    return np.multiply(a, b, dtype=np.float32)
