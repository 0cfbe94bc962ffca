"""Our own WAV reader: numpy only, no FFmpeg, tolerant of what real files do.

Handles PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE, chunks in any order,
odd-sized chunks (with their pad byte) and a data chunk cut short (decodes what is there).
Anything else raises :class:`~roomtone.errors.DecodeError`; it never raises anything else.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from roomtone.errors import DecodeError
from roomtone.samples import FloatArray, from_pcm16
from roomtone.sources.convert import sanitize

__all__ = ["WavInfo", "iter_wav_chunks", "read_wav_info"]

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE
_MAX_CHANNELS = 64
_MAX_RATE = 768_000


@dataclass(frozen=True)
class WavInfo:
    """What the header says, checked for consistency."""

    sample_rate: int
    num_channels: int
    bits: int
    is_float: bool
    data_offset: int
    data_bytes: int  # clamped to what the file really holds

    @property
    def block_align(self) -> int:
        return self.num_channels * self.bits // 8

    @property
    def num_frames(self) -> int:
        return self.data_bytes // self.block_align


def _fail(path: str, reason: str) -> DecodeError:
    return DecodeError(f"cannot decode WAV file '{path}': {reason}", source=path)


def _parse_fmt(body: bytes, path: str) -> tuple[int, int, int, bool]:
    if len(body) < 16:
        raise _fail(path, f"fmt chunk is {len(body)} bytes, needs at least 16")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE:
        if len(body) < 40:
            raise _fail(path, "WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes")
        tag = struct.unpack_from("<H", body, 24)[0]
    if tag not in (_PCM, _FLOAT):
        raise _fail(path, f"format tag {tag:#x} is not PCM or IEEE float; convert it to PCM")
    is_float = tag == _FLOAT
    allowed = (32, 64) if is_float else (8, 16, 24, 32)
    if bits not in allowed:
        kind = "float" if is_float else "PCM"
        raise _fail(path, f"{bits}-bit {kind} is not supported (allowed: {allowed})")
    if not 1 <= channels <= _MAX_CHANNELS:
        raise _fail(path, f"channel count {channels} is out of range 1..{_MAX_CHANNELS}")
    if not 1 <= rate <= _MAX_RATE:
        raise _fail(path, f"sample rate {rate} is out of range 1..{_MAX_RATE}")
    if block_align != channels * bits // 8:
        raise _fail(path, f"block align {block_align} does not match {channels}x{bits}-bit")
    return rate, channels, bits, is_float


def read_wav_info(f: BinaryIO, path: str) -> WavInfo:
    """Walk the RIFF chunks of an open file and return the checked header."""
    f.seek(0, 2)
    file_size = f.tell()
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise _fail(path, "not a RIFF/WAVE file")
    fmt: tuple[int, int, int, bool] | None = None
    data: tuple[int, int] | None = None
    pos = 12
    while pos + 8 <= file_size and (fmt is None or data is None):
        f.seek(pos)
        chunk_id, size = struct.unpack("<4sI", f.read(8))
        body_start = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(f.read(min(size, 1024)), path)
        elif chunk_id == b"data":
            data = (body_start, min(size, file_size - body_start))
        pos = body_start + size + (size & 1)
    if fmt is None:
        raise _fail(path, "no fmt chunk")
    if data is None:
        raise _fail(path, "no data chunk")
    rate, channels, bits, is_float = fmt
    return WavInfo(rate, channels, bits, is_float, data[0], data[1])


def _to_float(raw: bytes, info: WavInfo) -> FloatArray:
    """Convert whole frames of raw little-endian samples to float32 in [-1, 1]."""
    out: FloatArray
    if info.is_float:
        out = sanitize(np.frombuffer(raw, dtype="<f4" if info.bits == 32 else "<f8"))
    elif info.bits == 8:
        out = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif info.bits == 16:
        out = from_pcm16(np.frombuffer(raw, "<i2"))
    elif info.bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = (v << 8) >> 8  # sign-extend the 24-bit value
        out = v.astype(np.float32) / 8388608.0
    else:
        out = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648.0
    return out.reshape(-1, info.num_channels)


def iter_wav_chunks(f: BinaryIO, info: WavInfo, chunk_frames: int) -> Iterator[FloatArray]:
    """Yield float32 chunks shaped (frames, channels) at the file's own rate."""
    remaining = info.num_frames
    f.seek(info.data_offset)
    while remaining > 0:
        n = min(chunk_frames, remaining)
        raw = f.read(n * info.block_align)
        whole = len(raw) // info.block_align
        if whole == 0:
            return
        yield _to_float(raw[: whole * info.block_align], info)
        remaining -= whole
