"""WebRTC AEC3 through the ``livekit`` SDK, one 10 ms frame pair at a time.

``rtc.AudioProcessingModule(echo_cancellation=True)`` wraps the echo canceller of WebRTC's
audio processing module (AEC3: an adaptive linear filter, its own fine delay search and a
residual echo suppressor). It takes exactly 10 ms of int16 PCM per call and accepts any rate
and channel count (measured here with the livekit SDK 1.1: 8, 16, 24, 32, 44.1 and 48 kHz,
mono and stereo); it resamples internally. The SDK is imported on first use, so
``import roomtone`` never needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from roomtone.errors import MissingExtraError

__all__ = ["Aec3", "to_int16"]

Int16Array = npt.NDArray[np.int16]


def to_int16(samples: npt.NDArray[np.float32]) -> Int16Array:
    """Float samples in [-1, 1] to int16 PCM, clipped rather than wrapped."""
    scaled = np.clip(samples, -1.0, 32767.0 / 32768.0) * 32768.0
    out: Int16Array = np.rint(scaled).astype(np.int16)
    return out


def _load_rtc() -> Any:
    try:
        from livekit import rtc
    except ImportError as exc:
        raise MissingExtraError("Echo cancellation (WebRTC AEC3)", "echo") from exc
    return rtc


class Aec3:
    """One AEC3 instance: feed what was played, then clean what was captured, per 10 ms.

    ``render`` is the reference (mono, any rate); ``capture`` is interleaved, shaped
    (frames, channels). Both must be exactly 10 ms long at their rates.
    """

    def __init__(self, *, capture_rate: int, capture_channels: int, render_rate: int) -> None:
        self._rtc = _load_rtc()
        self._apm = self._rtc.AudioProcessingModule(echo_cancellation=True)
        self.capture_rate = capture_rate
        self.capture_channels = capture_channels
        self.render_rate = render_rate
        self._capture_frame = capture_rate // 100
        self._render_frame = render_rate // 100
        self._delay_ms: int | None = None

    def analyze_render(self, render: Int16Array) -> None:
        """Tell AEC3 what the far end (the loudspeaker) is about to play."""
        if render.shape[0] != self._render_frame:
            raise ValueError(
                f"AEC3 takes 10 ms render frames ({self._render_frame} samples at "
                f"{self.render_rate} Hz), got {render.shape[0]}"
            )
        frame = self._rtc.AudioFrame(
            bytearray(render.tobytes()), self.render_rate, 1, self._render_frame
        )
        self._apm.process_reverse_stream(frame)

    def process_capture(self, capture: Int16Array, delay_ms: int) -> Int16Array:
        """Return ``capture`` with the echo of the analysed render removed."""
        if capture.shape != (self._capture_frame, self.capture_channels):
            raise ValueError(
                f"AEC3 takes 10 ms capture frames shaped ({self._capture_frame}, "
                f"{self.capture_channels}), got {capture.shape}"
            )
        frame = self._rtc.AudioFrame(
            bytearray(capture.tobytes()),
            self.capture_rate,
            self.capture_channels,
            self._capture_frame,
        )
        delay_ms = int(min(max(delay_ms, 0), 500))
        if delay_ms != self._delay_ms:  # one FFI round trip fewer per frame
            self._apm.set_stream_delay_ms(delay_ms)
            self._delay_ms = delay_ms
        self._apm.process_stream(frame)
        pcm: Int16Array = np.frombuffer(frame.data, dtype=np.int16)
        cleaned: Int16Array = pcm.reshape(self._capture_frame, self.capture_channels).copy()
        return cleaned
