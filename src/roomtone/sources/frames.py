"""roomtone's own frame type, and conversion of LiveKit and PyAV frames to float32 arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from roomtone.errors import StreamError
from roomtone.sources.clip import FloatArray

__all__ = ["AudioFrame", "frame_to_array"]


@dataclass(frozen=True)
class AudioFrame:
    """A block of audio: ``data`` shaped (frames, channels), float32 in [-1, 1] or int16."""

    data: np.ndarray[Any, Any]
    sample_rate: int

    def __post_init__(self) -> None:
        if self.data.ndim == 1:
            object.__setattr__(self, "data", self.data.reshape(-1, 1))
        if self.data.ndim != 2:
            raise ValueError(f"AudioFrame data must be (frames, channels), got {self.data.shape}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate}")

    @property
    def num_channels(self) -> int:
        return int(self.data.shape[1])


def _as_float(data: np.ndarray[Any, Any]) -> FloatArray:
    if data.dtype == np.int16:
        return data.astype(np.float32) / 32768.0
    if data.dtype == np.int32:
        return data.astype(np.float32) / 2147483648.0
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    out = data.astype(np.float32)
    np.nan_to_num(out, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    return out


def _from_pyav(frame: Any) -> tuple[FloatArray, int]:
    channels = int(frame.layout.nb_channels)
    raw = frame.to_ndarray()
    data = raw.T if frame.format.is_planar else raw.reshape(-1, channels)
    return np.ascontiguousarray(_as_float(data)), int(frame.sample_rate)


def frame_to_array(frame: object, origin: str) -> tuple[FloatArray, int]:
    """Return (float32 samples shaped (frames, channels), sample rate) for a supported frame.

    Accepts roomtone :class:`AudioFrame`, LiveKit ``rtc.AudioFrame`` (int16 interleaved) and
    PyAV ``av.AudioFrame``. Anything else is a :class:`StreamError` naming what was received.
    """
    if isinstance(frame, AudioFrame):
        return np.ascontiguousarray(_as_float(frame.data)), frame.sample_rate
    module = type(frame).__module__
    try:
        if module.startswith("av."):
            return _from_pyav(frame)
        if module.startswith("livekit."):
            lk: Any = frame
            channels = int(lk.num_channels)
            pcm = np.frombuffer(lk.data, dtype=np.int16).reshape(-1, channels)
            return pcm.astype(np.float32) / 32768.0, int(lk.sample_rate)
    except (AttributeError, ValueError, TypeError) as exc:
        raise StreamError(
            f"{origin} yielded an unreadable {type(frame).__name__}: {exc}", source=origin
        ) from exc
    raise StreamError(
        f"{origin} yielded {type(frame).__name__}; expected rtc.AudioFrame, av.AudioFrame "
        "or roomtone.AudioFrame",
        source=origin,
    )
