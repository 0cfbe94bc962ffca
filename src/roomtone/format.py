"""The output audio format: sample rate and channel count, validated once."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SUPPORTED_CHANNELS", "SUPPORTED_SAMPLE_RATES", "AudioFormat"]

SUPPORTED_SAMPLE_RATES = (8000, 16000, 24000, 32000, 44100, 48000)
SUPPORTED_CHANNELS = (1, 2)


@dataclass(frozen=True)
class AudioFormat:
    """Sample rate and channels of what the engine produces (always float32 internally)."""

    sample_rate: int = 48000
    num_channels: int = 1

    def __post_init__(self) -> None:
        if self.sample_rate not in SUPPORTED_SAMPLE_RATES:
            raise ValueError(
                f"sample_rate must be one of {SUPPORTED_SAMPLE_RATES}, got {self.sample_rate!r}"
            )
        if self.num_channels not in SUPPORTED_CHANNELS:
            raise ValueError(f"num_channels must be 1 or 2, got {self.num_channels!r}")

    def frames(self, seconds: float) -> int:
        """Whole frames in ``seconds`` (rounded to the nearest frame)."""
        return round(seconds * self.sample_rate)


def validate_frame_duration(frame_duration: float) -> float:
    """Frame durations from 10 to 100 ms keep latency and per-call cost sensible."""
    if not 0.01 <= frame_duration <= 0.1:
        raise ValueError(
            f"frame_duration must be between 0.01 and 0.1 seconds, got {frame_duration!r}"
        )
    return frame_duration
