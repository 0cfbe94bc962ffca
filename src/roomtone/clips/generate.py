"""Regenerate the built-in clips: ``python -m roomtone.clips.generate [--only NAME] [--out DIR]``.

Renders each recipe in :mod:`roomtone.clips.catalog` from its seed, normalises it to its
loudness target with a true-peak ceiling, and writes 48 kHz Ogg Opus with PyAV's libopus
encoder in CELT-only mode. What reproduces, and how exactly, is said in
``docs/builtin-sounds.md`` ("Reproducibility") and tested against the committed files.
"""

from __future__ import annotations

import argparse
import struct
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from roomtone.analysis.decode import decode_audio
from roomtone.analysis.loudness import gain_to_target, integrated_loudness, true_peak_dbfs
from roomtone.clips import data_dir
from roomtone.clips.catalog import (
    CLIPS,
    SAMPLE_RATE,
    TRUE_PEAK_CEILING_DBFS,
    ClipSpec,
    clip_names,
    clip_path,
    get_spec,
)
from roomtone.clips.synth.mixing import limit_peaks, to_channels

__all__ = ["encode_opus", "main", "normalise", "render_clip"]

# Opus coding moves peaks by a few tenths of a dB: leave that much below the ceiling.
_ENCODE_MARGIN_DB = 1.0
_OPUS_FRAME = 960  # 20 ms at 48 kHz
# The encoder hears this much of the loop's end before the loop proper, so at the start it
# is in the state it will be in when the loop comes round again; the file keeps only the
# last few of those packets, for the decoder to settle on.
_ENCODER_WARMUP_PACKETS = 150  # 3 s
_DECODER_PRIME_PACKETS = 10  # 200 ms, skipped via the Ogg pre-skip
# CELT only ("restricted low delay"): at our bitrates libopus would otherwise pick its hybrid
# mode, SILK below 8 kHz and CELT above, which leaves a level step at 8 kHz in every bed.
_CODEC_OPTIONS = {"application": "lowdelay"}


def normalise(
    samples: npt.NDArray[np.float64],
    sample_rate: int,
    target_lufs: float,
    ceiling_dbfs: float = TRUE_PEAK_CEILING_DBFS - _ENCODE_MARGIN_DB,
) -> npt.NDArray[np.float64]:
    """Scale to ``target_lufs``; if that pushes the true peak over the ceiling, limit and repeat."""
    x = samples * gain_to_target(samples, sample_rate, target_lufs)
    for _ in range(6):
        peak = true_peak_dbfs(x, sample_rate)
        if peak <= ceiling_dbfs:
            break
        x = limit_peaks(x, 10.0 ** ((ceiling_dbfs - 0.3) / 20.0), sample_rate)
        x = x * gain_to_target(x, sample_rate, target_lufs)
    return x


def render_clip(spec: ClipSpec, sample_rate: int = SAMPLE_RATE) -> npt.NDArray[np.float32]:
    """The clip as float32 (frames, channels), normalised: what gets encoded."""
    raw = spec.render(spec.seed, spec.duration_s, sample_rate)
    shaped = to_channels(raw, spec.channels)
    return normalise(shaped, sample_rate, spec.target_lufs).astype(np.float32)


def _ogg_crc(data: bytes) -> int:
    """CRC-32 of an Ogg page (polynomial 0x04C11DB7, no reflection, zero init)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return table


_CRC_TABLE = _crc_table()


def _ogg_page(packets: list[bytes], granule: int, serial: int, sequence: int, flags: int) -> bytes:
    """One Ogg page holding whole ``packets`` (lacing values per RFC 3533)."""
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    if len(lacing) > 255:
        raise ValueError("too many packets for one Ogg page")
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing))
    page = bytearray(header + lacing + b"".join(packets))
    struct.pack_into("<I", page, 22, _ogg_crc(bytes(page)))
    return bytes(page)


def _opus_tags(title: str) -> bytes:
    vendor = b"roomtone"
    comments = [f"title={title}".encode(), b"comment=synthesised by roomtone.clips.generate"]
    body = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    for comment in comments:
        body += struct.pack("<I", len(comment)) + comment
    return b"OpusTags" + body


def encode_opus(
    samples: npt.NDArray[np.float32],
    path: Path,
    bitrate: int,
    title: str = "",
    *,
    sample_rate: int = SAMPLE_RATE,
    complexity: int = 10,
) -> None:
    """Write a loop (frames, channels) of float32 at 48 kHz as Ogg Opus, seamless at the seam.

    libopus (through PyAV) encodes the loop with 3 s of its own tail in front and its head
    behind, so at both ends the encoder is in the state of the running loop and the coding
    error continues across the seam instead of restarting. The file keeps 200 ms of the
    warm-up packets for the decoder; the Ogg pre-skip and the final granule position trim
    exactly the extra samples, so any decoder returns the loop sample-exact in length. The
    pages are written here (not by FFmpeg's muxer), which cannot set such a pre-skip.
    """
    import av  # deferred: only the generator and tests encode

    frames, channels = samples.shape
    layout = "mono" if channels == 1 else "stereo"
    warmup = _ENCODER_WARMUP_PACKETS * _OPUS_FRAME
    trail = 2 * _OPUS_FRAME + (-frames) % _OPUS_FRAME
    ahead = np.resize(samples[::-1], (warmup, channels))[::-1]  # the loop's last `warmup` frames
    looped = np.concatenate([ahead, samples, np.resize(samples, (trail, channels))])
    data = np.ascontiguousarray(looped, dtype=np.float32)

    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = sample_rate
    codec.layout = layout
    codec.format = "flt"
    codec.bit_rate = bitrate
    codec.options = {**_CODEC_OPTIONS, "compression_level": str(complexity)}
    codec.open()
    packets: list[bytes] = []
    for start in range(0, data.shape[0], _OPUS_FRAME):
        frame = av.AudioFrame.from_ndarray(
            data[start : start + _OPUS_FRAME].reshape(1, -1), format="flt", layout=layout
        )
        frame.sample_rate = sample_rate
        frame.pts = start
        packets += [bytes(p) for p in codec.encode(frame)]
    packets += [bytes(p) for p in codec.encode(None)]

    packets = packets[_ENCODER_WARMUP_PACKETS - _DECODER_PRIME_PACKETS :]
    if codec.extradata is None:
        raise RuntimeError("libopus produced no OpusHead")
    head = bytearray(bytes(codec.extradata))  # OpusHead as libopus made it
    pre_skip = struct.unpack_from("<H", head, 10)[0] + _DECODER_PRIME_PACKETS * _OPUS_FRAME
    struct.pack_into("<H", head, 10, pre_skip)
    serial = zlib.crc32(title.encode()) & 0x7FFFFFFF
    pages = [
        _ogg_page([bytes(head)], 0, serial, 0, 0x02),
        _ogg_page([_opus_tags(title)], 0, serial, 1, 0x00),
    ]
    # ~1 s per page; the last page keeps enough packets to cover the end trim.
    per_page = 50
    groups = [packets[i : i + per_page] for i in range(0, len(packets), per_page)]
    if len(groups) > 1 and len(groups[-1]) < 8:
        groups[-2:] = [groups[-2][:-8], groups[-2][-8:] + groups[-1]]
    done = 0
    for index, group in enumerate(groups):
        done += len(group) * _OPUS_FRAME
        last = index == len(groups) - 1
        granule = pre_skip + frames if last else done
        pages.append(_ogg_page(group, granule, serial, index + 2, 0x04 if last else 0x00))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(pages))


def generate(names: Sequence[str], out_dir: Path, log: bool = True) -> list[Path]:
    """Render and encode the named clips into ``out_dir``; returns the written paths."""
    written = []
    for name in names:
        spec = get_spec(name)
        started = time.perf_counter()
        samples = render_clip(spec)
        path = clip_path(spec.name, out_dir)
        encode_opus(samples, path, spec.bitrate, title=spec.name)
        # Opus drops some energy at low bitrates (mostly highs): measure the decoded file and
        # re-encode once with the difference made up, so the file itself meets its target.
        decoded, rate = decode_audio(path)
        shortfall = spec.target_lufs - integrated_loudness(decoded, rate)
        if abs(shortfall) > 0.05:
            samples = (samples * 10.0 ** (shortfall / 20.0)).astype(np.float32)
            encode_opus(samples, path, spec.bitrate, title=spec.name)
        written.append(path)
        if log:
            seconds = time.perf_counter() - started
            print(
                f"{spec.name:18s} {spec.duration_s:5.1f} s  {path.stat().st_size / 1024:6.1f} KiB"
                f"  rendered in {seconds:4.1f} s -> {path}"
            )
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m roomtone.clips.generate",
        description="Synthesise the built-in clips and write them as Ogg Opus.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=clip_names(),
        metavar="NAME",
        help="render only this clip (repeatable); default: all",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output folder (default: the package data folder, {data_dir()})",
    )
    args = parser.parse_args(argv)
    names = args.only or [spec.name for spec in CLIPS]
    generate(names, args.out if args.out is not None else data_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main())
