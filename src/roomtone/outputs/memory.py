"""An output that keeps everything a listener would have heard, for tests and previews."""

from __future__ import annotations

import numpy as np

from roomtone.outputs.paced import PacedOutput
from roomtone.samples import FloatArray

__all__ = ["MemoryOutput"]


class MemoryOutput(PacedOutput):
    """Collects the real-time mix in memory; ``audio()`` returns it shaped (frames, channels)."""

    def __init__(
        self, sample_rate: int = 48000, num_channels: int = 1, frame_duration: float = 0.02
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        self._blocks: list[FloatArray] = []

    def consume(self, block: FloatArray) -> None:
        self._blocks.append(block.copy())

    def audio(self) -> FloatArray:
        """Everything delivered so far, float32 shaped (frames, channels)."""
        if not self._blocks:
            return np.zeros((0, self.format.num_channels), np.float32)
        return np.concatenate(self._blocks)
