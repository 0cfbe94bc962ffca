"""An output that records the real-time mix to a WAV file."""

from __future__ import annotations

import asyncio
import os

from roomtone.outputs.paced import PacedOutput
from roomtone.outputs.wav_writer import WavSampleFormat, WavWriter
from roomtone.samples import FloatArray

__all__ = ["WavFileOutput"]


class WavFileOutput(PacedOutput):
    """Writes what a listener hears, in real time, to ``path`` (16-bit PCM by default)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        sample_rate: int = 48000,
        num_channels: int = 1,
        frame_duration: float = 0.02,
        sample_format: WavSampleFormat = "pcm16",
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        self.path = os.fspath(path)
        self._writer = WavWriter(self.path, sample_rate, num_channels, sample_format)

    def describe(self) -> str:
        return f"WavFileOutput({self.path!r})"

    def consume(self, block: FloatArray) -> None:
        self._writer.write(block)

    async def finalize(self) -> None:
        await asyncio.to_thread(self._writer.close)
