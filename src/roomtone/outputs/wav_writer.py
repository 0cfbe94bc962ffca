"""A streaming WAV writer (16-bit PCM or 32-bit float) that patches sizes when closed."""

from __future__ import annotations

import os
import struct
from typing import BinaryIO, Literal

import numpy as np

from roomtone.samples import FloatArray, to_pcm16

__all__ = ["WavSampleFormat", "WavWriter", "write_wav"]

WavSampleFormat = Literal["pcm16", "float32"]


class WavWriter:
    """Appends float blocks to a WAV file; ``close()`` fixes the RIFF and data sizes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        sample_rate: int,
        num_channels: int,
        sample_format: WavSampleFormat = "pcm16",
    ) -> None:
        if sample_format not in ("pcm16", "float32"):
            raise ValueError(f"sample_format must be 'pcm16' or 'float32', got {sample_format!r}")
        self.path = os.fspath(path)
        self.sample_format = sample_format
        self.num_channels = num_channels
        self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._data_bytes = 0
        bits, tag = (16, 1) if sample_format == "pcm16" else (32, 3)
        align = num_channels * bits // 8
        self._file.write(b"RIFF\0\0\0\0WAVE")
        self._file.write(
            struct.pack(
                "<4sIHHIIHH",
                b"fmt ",
                16,
                tag,
                num_channels,
                sample_rate,
                sample_rate * align,
                align,
                bits,
            )
        )
        self._file.write(b"data\0\0\0\0")

    def write(self, block: FloatArray) -> None:
        if self._file is None:
            raise ValueError(f"WAV file '{self.path}' is already closed")
        if self.sample_format == "pcm16":
            pcm = np.empty(block.shape, "<i2")
            to_pcm16(block, pcm)
            data = pcm.tobytes()
        else:
            data = np.ascontiguousarray(block, dtype="<f4").tobytes()
        self._file.write(data)
        self._data_bytes += len(data)

    def close(self) -> None:
        f = self._file
        if f is None:
            return
        self._file = None
        try:
            f.seek(4)
            f.write(struct.pack("<I", 36 + self._data_bytes))
            f.seek(40)
            f.write(struct.pack("<I", self._data_bytes))
        finally:
            f.close()


def write_wav(
    path: str | os.PathLike[str],
    audio: FloatArray,
    sample_rate: int,
    sample_format: WavSampleFormat = "pcm16",
) -> None:
    """Write a whole (frames, channels) array to a WAV file."""
    writer = WavWriter(path, sample_rate, audio.shape[1], sample_format)
    try:
        writer.write(audio)
    finally:
        writer.close()
