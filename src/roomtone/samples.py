"""Sample arrays and the one conversion between float and 16-bit PCM.

Inside roomtone audio is float32 shaped (frames, channels), full scale at +-1.0. Transports
(LiveKit, Pipecat, the console, WAV files) carry int16; this module is the only place that
crosses between the two, with one scale (32768) both ways, so that int16 in, float, and int16
out is bit-exact, and +1.0 maps to the largest int16 (32767) rather than wrapping.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

try:  # C routines over raw int16 bytes; in the standard library to 3.12, audioop-lts after
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
except ImportError:  # pragma: no cover - Python 3.13+ without audioop-lts
    audioop = None  # type: ignore[assignment]

__all__ = [
    "PCM16_SCALE",
    "FloatArray",
    "Int16Array",
    "from_pcm16",
    "pcm16_rms_and_peak",
    "pcm16_values",
    "to_pcm16",
]

FloatArray = npt.NDArray[np.float32]
"""float32 samples shaped (frames, channels)."""

Int16Array = npt.NDArray[np.int16]
"""16-bit PCM samples shaped (frames, channels)."""

PCM16_SCALE = 32768.0


def to_pcm16(
    block: FloatArray, out: np.ndarray[Any, Any], scratch: FloatArray | None = None
) -> None:
    """Write ``block`` into the int16 array ``out`` (same shape): scaled, rounded, clipped.

    ``scratch`` (at least as long as ``block``) avoids an allocation on the hot path; it is
    left holding the int16 values as float32 (see :func:`pcm16_values`).
    """
    n = len(block)
    tmp = pcm16_values(block, np.empty_like(block) if scratch is None else scratch[:n])
    np.copyto(out[:n], tmp, casting="unsafe")


def pcm16_values(block: FloatArray, out: FloatArray) -> FloatArray:
    """The int16 samples ``block`` converts to, as float32 (exact) in ``out``; returns ``out``.

    Whole numbers in float32 add exactly: int16 audio summed to these (the agent's voice on
    the speech bus) lands where it would have in int16, with no second rounding.
    """
    np.multiply(block, np.float32(PCM16_SCALE), out=out)
    np.rint(out, out=out)
    np.clip(out, -PCM16_SCALE, PCM16_SCALE - 1.0, out=out)
    return out


def from_pcm16(pcm: np.ndarray[Any, Any], out: FloatArray | None = None) -> FloatArray:
    """int16 samples as float32 in [-1, 1); into ``out`` when given."""
    if out is None:
        out = np.empty(pcm.shape, np.float32)
    np.multiply(pcm, np.float32(1.0 / PCM16_SCALE), out=out, casting="unsafe")
    return out


def pcm16_rms_and_peak(pcm: np.ndarray[Any, Any], *, exact: bool = False) -> tuple[int, int]:
    """RMS (rounded down) and peak of int16 samples, in int16 steps (-32768 peaks at 32768).

    ``audioop.rms`` and ``audioop.max`` when present (Pipecat depends on them, so they are
    there wherever its transports call roomtone): run on the raw bytes they cost a few
    microseconds, where numpy's reductions cost tens on the cold caches of a paced 20 ms
    ``mix()``. ``exact=True`` (or no audioop) computes the same two numbers with numpy.
    """
    if audioop is not None and not exact and pcm.flags.c_contiguous:
        raw = pcm.data
        return audioop.rms(raw, 2), audioop.max(raw, 2)
    flat = pcm.reshape(-1).astype(np.float64)  # squares of int16 sum exactly in float64
    if not flat.size:
        return 0, 0
    rms = int(math.sqrt(float(flat @ flat) / flat.size))
    return rms, int(max(flat.max(), -flat.min()))
