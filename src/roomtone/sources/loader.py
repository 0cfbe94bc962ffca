"""Open a file or built-in as a :class:`Clip`: check it at once, decode it in the background.

Decoding runs on a small thread pool and fills the clip progressively, so the first seconds of
a long file play while the rest decodes, and the event loop never waits on FFmpeg.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from roomtone.config import BuiltinAudioClip
from roomtone.errors import AudioFileNotFoundError, DecodeError, SourceError
from roomtone.format import AudioFormat
from roomtone.samples import FloatArray
from roomtone.sources.cache import ClipCache, ClipKey, default_cache
from roomtone.sources.clip import Clip
from roomtone.sources.convert import FormatConverter
from roomtone.sources.ffmpeg import iter_ffmpeg_chunks
from roomtone.sources.wav import iter_wav_chunks, read_wav_info

__all__ = ["file_path_of", "open_clip"]

_decoders = ThreadPoolExecutor(max_workers=4, thread_name_prefix="roomtone-decode")
_WAV_CHUNK_SECONDS = 1.0
_LOUDNESS_WINDOW_SECONDS = 30.0


def file_path_of(source: str | os.PathLike[str] | BuiltinAudioClip) -> str:
    """The path behind a source, for messages and cache keys."""
    if isinstance(source, BuiltinAudioClip):
        return source.path()
    return os.fspath(source)


def _check_file(path: str) -> os.stat_result:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise AudioFileNotFoundError(
            f"audio file '{path}' does not exist; check the path, or name a built-in sound: "
            f"{BuiltinAudioClip.names()}",
            source=path,
        ) from None
    except OSError as exc:
        raise AudioFileNotFoundError(
            f"audio file '{path}' cannot be read: {exc.strerror}", source=path
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioFileNotFoundError(
            f"audio file '{path}' is a directory; pass a file inside it", source=path
        )
    if not stat.S_ISREG(st.st_mode):
        # A FIFO or device would block a decoder thread forever (or never end).
        raise AudioFileNotFoundError(
            f"audio file '{path}' is not a regular file (a pipe, socket or device)", source=path
        )
    if not os.access(path, os.R_OK):
        raise AudioFileNotFoundError(
            f"audio file '{path}' is not readable; check its permissions", source=path
        )
    return st


def _is_wav(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(12)
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _source_chunks(path: str) -> Iterator[tuple[FloatArray, int]]:
    if _is_wav(path):
        with open(path, "rb") as f:
            try:
                info = read_wav_info(f, path)
            except DecodeError as wav_error:
                # mu-law, A-law, ADPCM (telephony WAVs): FFmpeg knows them; if it does not
                # either, our reader's reason is the clearer one.
                try:
                    yield from iter_ffmpeg_chunks(path)
                except DecodeError:
                    raise wav_error from None
                return
            chunk = max(1, int(info.sample_rate * _WAV_CHUNK_SECONDS))
            for samples in iter_wav_chunks(f, info, chunk):
                yield samples, info.sample_rate
    else:
        yield from iter_ffmpeg_chunks(path)


def _converted(path: str, fmt: AudioFormat) -> Iterator[FloatArray]:
    converter: FormatConverter | None = None
    for samples, rate in _source_chunks(path):
        if converter is None:
            converter = FormatConverter(rate, fmt)
        elif rate != converter.in_rate:
            raise DecodeError(
                f"cannot decode '{path}': sample rate changes mid-file ({converter.in_rate} "
                f"to {rate} Hz)",
                source=path,
            )
        yield converter.convert(samples)
    if converter is not None:
        yield converter.flush()


def _normalised(
    chunks: Iterator[FloatArray], fmt: AudioFormat, target: float
) -> Iterator[FloatArray]:
    """Measure the first 30 s, then yield everything scaled to the target loudness."""
    from roomtone.analysis.loudness import integrated_loudness

    head: list[FloatArray] = []
    frames = 0
    window = int(_LOUDNESS_WINDOW_SECONDS * fmt.sample_rate)
    for chunk in chunks:
        head.append(chunk)
        frames += len(chunk)
        if frames >= window:
            break
    if not head:
        return
    measured = integrated_loudness(np.concatenate(head), fmt.sample_rate)
    gain = np.float32(10 ** ((target - measured) / 20) if np.isfinite(measured) else 1.0)
    for chunk in head:
        yield chunk * gain
    for chunk in chunks:
        yield chunk * gain


def _decode_into(
    clip: Clip, path: str, target_lufs: float | None, settled: Callable[[], None] | None = None
) -> None:
    """Fill ``clip`` on a decoder thread. Whatever goes wrong ends the clip with a DecodeError:
    an exception escaping here would be swallowed by the pool and leave the clip unfinished,
    so waiters would block and voices play silence forever."""
    try:
        if os.path.getsize(path) == 0:  # say so, rather than "not a readable audio file"
            raise DecodeError(
                f"cannot decode '{path}': the file is empty (0 bytes); was it fully written?",
                source=path,
            )
        chunks = _converted(path, clip.format)
        if target_lufs is not None:
            chunks = _normalised(chunks, clip.format, target_lufs)
        for chunk in chunks:
            clip.append(chunk)
    except SourceError as exc:
        clip.finish(exc)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        clip.finish(DecodeError(f"cannot decode '{path}': {reason}", source=path))
    except Exception as exc:
        clip.finish(
            DecodeError(f"cannot decode '{path}': {type(exc).__name__}: {exc}", source=path)
        )
    except BaseException as exc:  # the decoder thread itself is dying: fail the clip, then go
        clip.finish(
            DecodeError(
                f"cannot decode '{path}': the decoder thread died ({type(exc).__name__}: {exc})",
                source=path,
            )
        )
        if settled is not None:
            settled()
        raise
    else:
        clip.finish()
    if settled is not None:
        settled()


_resolved: dict[tuple[str, str], str] = {}


def _identity(path: str) -> tuple[str, int, int]:
    """(real path, size, mtime) of a checked file.

    The stat runs every time (an edited file must decode again), but the path resolution,
    several system calls, is remembered: hundreds of sessions start the same thinking sound.
    """
    st = _check_file(path)
    cwd = "" if os.path.isabs(path) else os.getcwd()
    real = _resolved.get((cwd, path))
    if real is None:
        if len(_resolved) > 4096:
            _resolved.clear()
        real = _resolved[(cwd, path)] = str(Path(path).resolve())
    return real, st.st_size, st.st_mtime_ns


def open_clip(
    source: str | os.PathLike[str] | BuiltinAudioClip,
    fmt: AudioFormat,
    *,
    target_lufs: float | None = None,
    cache: ClipCache | None = None,
) -> Clip:
    """Return the (possibly still decoding) clip for a file; raises at once if it is missing."""
    path = file_path_of(source)
    real, size, mtime_ns = _identity(path)
    key = ClipKey(real, size, mtime_ns, fmt, target_lufs)
    owner = default_cache if cache is None else cache

    def create() -> Clip:
        clip = Clip(fmt, path)
        _decoders.submit(_decode_into, clip, path, target_lufs, lambda: owner.settle(key, clip))
        return clip

    return owner.get_or_create(key, create)
