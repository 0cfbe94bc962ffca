"""Every non-WAV format through PyAV (FFmpeg): MP3, AAC, FLAC, Ogg Vorbis/Opus, WebM, MP4/M4A."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import av
import numpy as np

from roomtone.errors import DecodeError
from roomtone.samples import FloatArray
from roomtone.sources.convert import sanitize

__all__ = ["iter_ffmpeg_chunks", "probe_ffmpeg"]


def _fail(path: str, reason: str) -> DecodeError:
    return DecodeError(f"cannot decode '{path}': {reason}", source=path)


def _reason(exc: Exception) -> str:
    """FFmpeg's own words without the errno and the path the message already names."""
    if isinstance(exc, av.FFmpegError) and exc.strerror:
        return str(exc.strerror)
    return str(exc) or type(exc).__name__


def _open(path: str) -> Any:
    try:
        return av.open(path, mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(path, f"not a readable audio file ({_reason(exc)})") from exc


def probe_ffmpeg(path: str) -> tuple[int, float | None]:
    """Sample rate and duration (seconds, if the container says) of the first audio stream."""
    with closing(_open(path)) as container:
        if not container.streams.audio:
            raise _fail(path, "no audio stream")
        stream = container.streams.audio[0]
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        return int(stream.codec_context.sample_rate or stream.rate or 0), duration


def iter_ffmpeg_chunks(path: str) -> Iterator[tuple[FloatArray, int]]:
    """Yield (float32 chunk shaped (frames, channels), sample rate) as the file decodes."""
    with closing(_open(path)) as container:
        if not container.streams.audio:
            raise _fail(path, "no audio stream")
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        resampler: Any = None
        try:
            for frame in container.decode(stream):
                if resampler is None:
                    resampler = av.AudioResampler(format="fltp", layout=frame.layout)
                for converted in resampler.resample(frame):
                    planar = converted.to_ndarray()
                    chunk = sanitize(np.array(planar.T, dtype=np.float32, order="C"))
                    yield chunk, int(converted.sample_rate)
        except (av.FFmpegError, ValueError) as exc:
            raise _fail(path, f"corrupt audio data ({_reason(exc)})") from exc
