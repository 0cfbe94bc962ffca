"""roomtone's own frame type, and conversion of PyAV frames (and, through the registry, a
framework's frames) to float32 arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from roomtone.errors import StreamError
from roomtone.registry import adapt_frame
from roomtone.samples import FloatArray
from roomtone.sources.convert import sanitize

__all__ = ["AudioFrame", "frame_to_array"]


@dataclass(frozen=True)
class AudioFrame:
    """A block of audio: ``data`` shaped (frames, channels), float32 in [-1, 1] or int16."""

    data: np.ndarray[Any, Any]
    sample_rate: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", np.asarray(self.data))
        if self.data.ndim == 1:
            object.__setattr__(self, "data", self.data.reshape(-1, 1))
        if self.data.ndim != 2:
            raise ValueError(f"AudioFrame data must be (frames, channels), got {self.data.shape}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate}")

    @property
    def num_channels(self) -> int:
        return int(self.data.shape[1])


def _as_float(data: np.ndarray[Any, Any], origin: str) -> FloatArray:
    """Integer PCM scaled to [-1, 1), floats made finite and bounded; anything else refused."""
    kind = data.dtype.kind
    out: FloatArray
    if kind == "i":
        scale = float(2 ** (8 * data.dtype.itemsize - 1))
        out = np.ascontiguousarray(data, dtype=np.float32) / np.float32(scale)
        return out
    if kind == "u":
        half = float(2 ** (8 * data.dtype.itemsize - 1))
        out = (data.astype(np.float32) - np.float32(half)) / np.float32(half)
        return out
    if kind == "f":
        return sanitize(np.array(data, dtype=data.dtype))  # our own copy, made finite
    raise StreamError(
        f"{origin} yielded audio of dtype {data.dtype}; expected float or integer PCM samples",
        source=origin,
    )


def _checked(samples: FloatArray, rate: int, origin: str) -> tuple[FloatArray, int]:
    if samples.ndim != 2 or samples.shape[1] < 1 or rate <= 0:
        raise StreamError(
            f"{origin} yielded a frame with {samples.shape[-1] if samples.ndim else 0} channels "
            f"at {rate} Hz; expected at least one channel and a positive sample rate",
            source=origin,
        )
    return samples, rate


def _from_pyav(frame: Any, origin: str) -> tuple[FloatArray, int]:
    channels = int(frame.layout.nb_channels)
    raw = frame.to_ndarray()
    data = raw.T if frame.format.is_planar else raw.reshape(-1, channels)
    return np.ascontiguousarray(_as_float(data, origin)), int(frame.sample_rate)


def frame_to_array(frame: object, origin: str) -> tuple[FloatArray, int]:
    """Return (float32 samples shaped (frames, channels), sample rate) for a supported frame.

    Accepts roomtone :class:`AudioFrame`, PyAV ``av.AudioFrame`` and what a registered frame
    adapter reads (LiveKit's ``rtc.AudioFrame``). Anything else is a :class:`StreamError`
    naming what was received.
    """
    if isinstance(frame, AudioFrame):
        samples = np.ascontiguousarray(_as_float(frame.data, origin))
        return _checked(samples, frame.sample_rate, origin)
    module = type(frame).__module__
    try:
        if module.startswith("av."):
            return _checked(*_from_pyav(frame, origin), origin)
        adapted = adapt_frame(frame)
        if adapted is not None:
            data, rate = adapted
            return _checked(np.ascontiguousarray(_as_float(data, origin)), rate, origin)
    except (AttributeError, ValueError, TypeError, ZeroDivisionError) as exc:
        raise StreamError(
            f"{origin} yielded an unreadable {type(frame).__name__}: {exc}", source=origin
        ) from exc
    raise StreamError(
        f"{origin} yielded {type(frame).__name__}; expected rtc.AudioFrame, av.AudioFrame "
        "or roomtone.AudioFrame",
        source=origin,
    )
