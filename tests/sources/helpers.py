"""Signals, measurements and file writers shared by the sources tests.

Everything is generated here (no fixture files): sines written as WAV by our own RIFF builder,
by the standard ``wave`` module, or encoded by PyAV into MP3/AAC/FLAC/Vorbis/Opus/WebM.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

# -- signals ------------------------------------------------------------------------------------


def sine(
    freq: float,
    seconds: float,
    rate: int,
    *,
    amp: float = 0.25,
    channels: int = 1,
    phase: float = 0.0,
) -> np.ndarray:
    """A float32 sine shaped (frames, channels), the same in every channel."""
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    mono = (amp * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)


def sine_db(amp: float) -> float:
    """The RMS level of a sine of peak ``amp``."""
    return float(20 * np.log10(amp / np.sqrt(2)))


def dominant_freq(x: np.ndarray, rate: int) -> float:
    """The strongest frequency, to a fraction of a bin (Hann window, parabolic peak fit)."""
    mono = np.asarray(x, dtype=np.float64)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    spec = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    k = int(np.argmax(spec[1:-1])) + 1
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-30)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return float((k + shift) * rate / len(mono))


def middle(x: np.ndarray, rate: int, margin: float = 0.1) -> np.ndarray:
    """``x`` without ``margin`` seconds at each end (codec priming, fades, filter ramps)."""
    m = round(margin * rate)
    return x[m : len(x) - m]


# -- WAV files ----------------------------------------------------------------------------------

PCM = 1
FLOAT = 3
EXTENSIBLE = 0xFFFE
# The first two bytes of the KSDATAFORMAT_SUBTYPE GUIDs are the plain format tag.
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def fmt_body(tag: int, channels: int, rate: int, bits: int, *, extensible: bool = False) -> bytes:
    """The body of a ``fmt `` chunk (16 bytes, or 40 for WAVE_FORMAT_EXTENSIBLE)."""
    align = channels * bits // 8
    head_tag = EXTENSIBLE if extensible else tag
    body = struct.pack("<HHIIHH", head_tag, channels, rate, rate * align, align, bits)
    if extensible:
        mask = (1 << channels) - 1
        body += struct.pack("<HHI", 22, bits, mask) + struct.pack("<H", tag) + _GUID_TAIL
    return body


def riff(chunks: list[tuple[bytes, bytes]], *, pad: bool = True) -> bytes:
    """A RIFF/WAVE file from (id, body) chunks in the given order, odd bodies padded."""
    out = b"WAVE"
    for cid, body in chunks:
        out += cid + struct.pack("<I", len(body)) + body
        if pad and len(body) % 2:
            out += b"\x00"
    return b"RIFF" + struct.pack("<I", len(out)) + out


def pcm_bytes(x: np.ndarray, bits: int, *, is_float: bool = False) -> bytes:
    """Little-endian sample bytes of float audio in [-1, 1] shaped (frames, channels)."""
    x = np.asarray(x, dtype=np.float64)
    if is_float:
        return x.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return np.clip(np.round(x * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    scale = float(2 ** (bits - 1))
    ints = np.clip(np.round(x * scale), -scale, scale - 1).astype(np.int64)
    if bits == 24:
        b = ints.reshape(-1).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
        return b.tobytes()
    return ints.astype("<i2" if bits == 16 else "<i4").tobytes()


def write_wav(
    path: Path,
    x: np.ndarray,
    rate: int,
    bits: int = 16,
    *,
    is_float: bool = False,
    extensible: bool = False,
) -> str:
    """A plain WAV (fmt then data) from float audio shaped (frames, channels)."""
    x = np.asarray(x)
    x = x[:, None] if x.ndim == 1 else x
    tag = FLOAT if is_float else PCM
    fmt = fmt_body(tag, x.shape[1], rate, bits, extensible=extensible)
    path.write_bytes(riff([(b"fmt ", fmt), (b"data", pcm_bytes(x, bits, is_float=is_float))]))
    return str(path)


# -- files written by PyAV -----------------------------------------------------------------------

_SAMPLE_DTYPES = {
    "u8": np.uint8,
    "s16": np.int16,
    "s32": np.int32,
    "flt": np.float32,
    "dbl": np.float64,
}


def require_encoder(codec: str) -> None:
    """Skip the test (with the reason) when the bundled FFmpeg cannot encode ``codec``."""
    try:
        av.codec.Codec(codec, "w")
    except Exception as exc:  # UnknownCodecError and friends
        pytest.skip(f"the bundled FFmpeg has no '{codec}' encoder ({exc})")


def _to_sample_format(part: np.ndarray, sample_fmt: str) -> np.ndarray:
    """Float audio to the encoder's sample type; integer input is taken as already in it."""
    base = sample_fmt.rstrip("p")
    dtype = _SAMPLE_DTYPES[base]
    if part.dtype.kind in "iu":
        return part.astype(dtype)
    part = np.clip(part, -1.0, 1.0)
    if base == "u8":
        return np.round(part * 127 + 128).astype(dtype)
    if base == "s16":
        return np.round(part * 32767).astype(dtype)
    if base == "s32":
        return np.round(part * 2147483647.0).astype(dtype)
    return part.astype(dtype)


def encode(
    path: Path,
    codec: str,
    x: np.ndarray,
    rate: int,
    *,
    container: str | None = None,
    bit_rate: int | None = None,
    block: int = 4096,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
) -> str:
    """Encode audio shaped (frames, channels) with PyAV; skips if the encoder is missing.

    Float input is converted to the encoder's sample format; integer input must already be
    in it (for sample-exact PCM tests).
    """
    require_encoder(codec)
    channels = x.shape[1]
    opts = dict(options or {})
    if codec == "vorbis":
        opts["strict"] = "experimental"  # FFmpeg's native Vorbis encoder is "experimental"
    with av.open(str(path), "w", format=container, options=container_options or {}) as out:
        stream: Any = out.add_stream(codec, rate=rate, options=opts)
        stream.layout = "mono" if channels == 1 else "stereo"
        if bit_rate is not None:
            stream.bit_rate = bit_rate
        sample_fmt = stream.codec_context.format.name
        pts = 0
        for start in range(0, len(x), block):
            part = _to_sample_format(x[start : start + block], sample_fmt)
            arr = part.T if sample_fmt.endswith("p") else part.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(arr), format=sample_fmt, layout=stream.layout.name
            )
            frame.sample_rate = rate
            frame.pts = pts
            pts += len(part)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return str(path)


# -- clips --------------------------------------------------------------------------------------


def finished(clip: Any, timeout: float = 30.0) -> Any:
    """Wait for a clip to finish decoding (bounded, so a hung decoder fails instead of hanging)."""
    assert clip.wait(2**62, timeout=timeout), f"{clip.name} did not finish within {timeout} s"
    assert clip.complete
    return clip
