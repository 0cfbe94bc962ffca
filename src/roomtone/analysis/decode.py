"""Decode any audio file PyAV reads to float32 (frames, channels): for inspection and tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["decode_audio"]


def decode_audio(path: Path) -> tuple[npt.NDArray[np.float32], int]:
    """Decode ``path`` with PyAV to float32 (frames, channels) and its sample rate."""
    import av  # deferred: decoding is only needed when files are inspected

    chunks: list[npt.NDArray[np.float32]] = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = int(stream.codec_context.channels)
        rate = int(stream.codec_context.sample_rate)
        for frame in container.decode(stream):
            raw = frame.to_ndarray()
            data = np.asarray(raw, dtype=np.float32)
            if raw.dtype.kind in "iu":  # integer PCM (e.g. WAV): to full scale 1.0
                data /= np.float32(2 ** (8 * raw.dtype.itemsize - 1))
            chunks.append(data.T if frame.format.is_planar else data.reshape(-1, channels))
    if not chunks:
        return np.zeros((0, channels), dtype=np.float32), rate
    return np.ascontiguousarray(np.concatenate(chunks, axis=0)), rate
