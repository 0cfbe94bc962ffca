"""The output protocol: where the mix goes, and who sets the pace.

An output pulls blocks from a :class:`Renderer`. Outputs that have no clock of their own
(memory, file, null) are paced by the shared real-time clock; outputs with backpressure (a
LiveKit ``AudioSource``, a Pipecat transport's ``mix()``, a sound-card callback) pull at the
speed the transport asks for.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Protocol

from roomtone.format import AudioFormat, validate_frame_duration
from roomtone.sources.clip import FloatArray

__all__ = ["AudioOutput", "Renderer"]


class Renderer(Protocol):
    """What an output pulls from: the player's mixer."""

    def render(self, n: int) -> FloatArray:
        """The next ``n`` frames, float32 shaped (n, channels); valid until the next call."""
        ...


class AudioOutput(ABC):
    """A destination for the mix, at its own sample rate and channel count."""

    def __init__(self, sample_rate: int, num_channels: int, frame_duration: float) -> None:
        self.format = AudioFormat(sample_rate, num_channels)
        self.frame_duration = validate_frame_duration(frame_duration)
        self._on_stop: Callable[[Exception], None] | None = None

    def on_stop(self, callback: Callable[[Exception], None] | None) -> None:
        """Have ``callback(reason)`` called once if the output stops by itself for good (its
        room disconnected, its transport failed), never after ``aclose()``. It may be called
        on the render thread; ``None`` removes it."""
        self._on_stop = callback

    def _stopped(self, reason: Exception) -> None:
        """Subclasses call this when they stop by themselves: tells the ``on_stop`` callback."""
        callback, self._on_stop = self._on_stop, None
        if callback is not None:
            callback(reason)

    @property
    def frame_size(self) -> int:
        """Frames per block."""
        return max(1, round(self.format.sample_rate * self.frame_duration))

    @abstractmethod
    async def start(self, renderer: Renderer) -> None:
        """Begin pulling from ``renderer``; return once running."""

    @abstractmethod
    def delivered_frames(self) -> int:
        """Frames the listener has really received (for ``PlayHandle`` completion)."""

    @abstractmethod
    async def aclose(self) -> None:
        """Stop pulling and release resources; idempotent, returns promptly."""
