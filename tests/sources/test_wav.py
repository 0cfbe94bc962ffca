"""Our own WAV reader: exact against files written by PyAV, `wave` and by hand; fuzzed headers.

Property: for any bytes at all, the reader either decodes (float32, right shape, finite) or
raises DecodeError naming the file and the reason; never anything else.
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roomtone.errors import DecodeError, SourceError
from roomtone.sources.convert import MAX_SAMPLE
from roomtone.sources.wav import WavInfo, iter_wav_chunks, read_wav_info

from .helpers import EXTENSIBLE, FLOAT, PCM, encode, fmt_body, riff

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples every run: the suite stays deterministic
    database=None,  # and writes nothing outside tmp_path
    suppress_health_check=[HealthCheck.too_slow],
)


def decode(data: bytes, path: str = "mem.wav", chunk: int = 4096) -> tuple[WavInfo, np.ndarray]:
    f = io.BytesIO(data)
    info = read_wav_info(f, path)
    parts = list(iter_wav_chunks(f, info, chunk))
    for part in parts:
        assert part.dtype == np.float32
        assert part.ndim == 2
        assert part.shape[1] == info.num_channels
    out = np.concatenate(parts) if parts else np.zeros((0, info.num_channels), np.float32)
    return info, out


def decode_file(path: str, chunk: int = 4096) -> tuple[WavInfo, np.ndarray]:
    return decode(Path(path).read_bytes(), path, chunk)


def random_samples(
    bits: int, is_float: bool, frames: int, channels: int, seed: int = 0
) -> tuple[bytes, np.ndarray]:
    """Raw little-endian sample bytes covering the full range, and the exact expected floats."""
    rng = np.random.default_rng(seed)
    shape = (frames, channels)
    if is_float:
        values = rng.uniform(-1.0, 1.0, shape)
        values.flat[:2] = (-1.0, 1.0)[: values.size]
        raw = values.astype("<f4" if bits == 32 else "<f8").tobytes()
        return raw, values.astype(np.float32).astype(np.float64)
    if bits == 8:
        u = rng.integers(0, 256, shape)
        u.flat[:2] = (0, 255)[: u.size]
        return u.astype(np.uint8).tobytes(), (u - 128) / 128.0
    full = 2 ** (bits - 1)
    ints = rng.integers(-full, full, shape)
    ints.flat[:2] = (-full, full - 1)[: ints.size]
    if bits == 24:
        raw = ints.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        raw = ints.astype("<i2" if bits == 16 else "<i4").tobytes()
    return raw, ints / float(full)


FORMATS = [
    pytest.param(8, False, id="pcm8"),
    pytest.param(16, False, id="pcm16"),
    pytest.param(24, False, id="pcm24"),
    pytest.param(32, False, id="pcm32"),
    pytest.param(32, True, id="float32"),
    pytest.param(64, True, id="float64"),
]


# -- exact decoding --------------------------------------------------------------------------


@pytest.mark.parametrize(("bits", "is_float"), FORMATS)
@pytest.mark.parametrize("extensible", [False, True], ids=["plain", "extensible"])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_every_sample_format_decodes_exactly(
    bits: int, is_float: bool, extensible: bool, channels: int
) -> None:
    raw, expected = random_samples(bits, is_float, 1001, channels)
    tag = FLOAT if is_float else PCM
    data = riff(
        [(b"fmt ", fmt_body(tag, channels, 22050, bits, extensible=extensible)), (b"data", raw)]
    )
    info, out = decode(data, chunk=333)
    assert (info.sample_rate, info.num_channels, info.bits, info.is_float) == (
        22050,
        channels,
        bits,
        is_float,
    )
    assert out.shape == (1001, channels)
    # 8/16/24-bit and float32 values are exact in float32; 32-bit PCM and float64 round once.
    atol = 2.0**-24 if bits in (32, 64) and not (is_float and bits == 32) else 0.0
    np.testing.assert_allclose(out, expected, rtol=0, atol=atol)
    assert out.min() >= -1.0
    assert out.max() <= 1.0


@pytest.mark.parametrize("sampwidth", [1, 2, 3, 4])
@pytest.mark.parametrize(("channels", "rate"), [(1, 8000), (2, 44100), (1, 96000)])
def test_sample_exact_against_the_wave_module(
    tmp_path: Path, sampwidth: int, channels: int, rate: int
) -> None:
    bits = 8 * sampwidth
    raw, expected = random_samples(bits, False, 777, channels, seed=sampwidth)
    path = tmp_path / "wave_module.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sampwidth)
        w.setframerate(rate)
        w.writeframes(raw)
    info, out = decode_file(str(path), chunk=100)
    assert (info.sample_rate, info.num_channels, info.num_frames) == (rate, channels, 777)
    np.testing.assert_allclose(out, expected, rtol=0, atol=2.0**-24 if bits == 32 else 0.0)


PYAV_PCM = [
    # codec, container bits, float?, how FFmpeg lays it out (checked below)
    pytest.param("pcm_u8", 8, False, id="u8"),
    pytest.param("pcm_s16le", 16, False, id="s16"),
    pytest.param("pcm_s24le", 24, False, id="s24-extensible"),
    pytest.param("pcm_s32le", 32, False, id="s32-extensible"),
    pytest.param("pcm_f32le", 32, True, id="f32-fact-chunk"),
    pytest.param("pcm_f64le", 64, True, id="f64-fact-chunk"),
]


@pytest.mark.parametrize(("codec", "bits", "is_float"), PYAV_PCM)
@pytest.mark.parametrize("channels", [1, 2])
def test_sample_exact_against_pyav(
    tmp_path: Path, codec: str, bits: int, is_float: bool, channels: int
) -> None:
    """FFmpeg writes a LIST chunk, `fact` chunks and WAVE_FORMAT_EXTENSIBLE above 16 bits."""
    rng = np.random.default_rng(bits)
    n = 5000
    if is_float:
        x = rng.uniform(-1, 1, (n, channels))
        expected = x.astype(np.float32).astype(np.float64)
        given_samples = x.astype(np.float32 if bits == 32 else np.float64)
    elif bits == 8:
        given_samples = rng.integers(0, 256, (n, channels)).astype(np.uint8)
        expected = (given_samples.astype(np.float64) - 128) / 128
    else:
        full = 2 ** (bits - 1)
        ints = rng.integers(-full, full, (n, channels))
        expected = ints / full
        # pcm_s24le and pcm_s32le take s32 input; s24 keeps the top 24 bits.
        given_samples = (
            (ints << (32 - bits)).astype(np.int32) if bits > 16 else ints.astype(np.int16)
        )
    path = encode(tmp_path / f"{codec}.wav", codec, given_samples, 32000, block=1000)
    data = Path(path).read_bytes()
    tag = struct.unpack_from("<H", data, 20)[0]
    if bits > 16 and not is_float:
        assert tag == EXTENSIBLE  # the reader really sees WAVE_FORMAT_EXTENSIBLE here
    info, out = decode(data, path, chunk=4096)
    assert (info.sample_rate, info.num_channels, info.bits, info.is_float) == (
        32000,
        channels,
        bits,
        is_float,
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=2.0**-24 if bits >= 32 else 0.0)


# -- structure: chunk order, odd sizes, truncation, tiny files --------------------------------


def _stereo16(frames: int) -> tuple[bytes, bytes, np.ndarray]:
    raw, expected = random_samples(16, False, frames, 2, seed=frames)
    return fmt_body(PCM, 2, 16000, 16), raw, expected


@pytest.mark.parametrize(
    "order",
    [
        ["fmt ", "data"],
        ["data", "fmt "],  # data before fmt
        ["JUNK", "fmt ", "odd ", "LIST", "data", "LIST"],
        ["odd ", "data", "odd ", "fmt "],
        ["bext", "odd ", "fmt ", "fact", "data", "id3 "],
    ],
    ids=lambda order: "-".join(c.strip() for c in order),
)
def test_any_chunk_order_and_odd_sized_chunks(order: list[str]) -> None:
    fmt, raw, expected = _stereo16(513)
    bodies = {
        "fmt ": fmt,
        "data": raw,
        "JUNK": b"\x00" * 28,
        "odd ": b"abc",  # odd-sized: followed by a pad byte
        "LIST": b"INFOISFT\x05\x00\x00\x00test\x00\x00",
        "bext": b"x" * 602,
        "fact": struct.pack("<I", 513),
        "id3 ": b"ID3\x04" + b"\x00" * 9,
    }
    data = riff([(name.encode(), bodies[name]) for name in order])
    _, out = decode(data)
    np.testing.assert_array_equal(out, expected)


def test_odd_sized_data_chunk_then_more_chunks() -> None:
    """An 8-bit mono data chunk of odd length, padded, with a chunk after it."""
    raw, expected = random_samples(8, False, 101, 1)
    data = riff([(b"fmt ", fmt_body(PCM, 1, 8000, 8)), (b"data", raw), (b"LIST", b"INFO")])
    assert len(raw) % 2 == 1
    info, out = decode(data)
    assert info.num_frames == 101
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("keep_bytes", [0, 1, 3, 4, 401, 1000, 2051])
def test_truncated_data_chunk_decodes_the_whole_frames_there(keep_bytes: int) -> None:
    """The header promises 513 stereo frames; the file ends early, even mid-frame."""
    fmt, raw, expected = _stereo16(513)
    full = riff([(b"fmt ", fmt), (b"data", raw)])
    cut = full[: len(full) - len(raw) + keep_bytes]
    info, out = decode(cut)
    assert info.num_frames == keep_bytes // 4
    np.testing.assert_array_equal(out, expected[: keep_bytes // 4])


def test_streaming_writer_size_fields() -> None:
    """Writers that cannot seek leave 0xFFFFFFFF (or 0) in the RIFF and data size fields."""
    fmt, raw, expected = _stereo16(300)
    head = b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
    body = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", 0xFFFFFFFF) + raw
    _, out = decode(head + body)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("frames", [0, 1])
def test_files_with_no_or_one_frame(frames: int) -> None:
    fmt, raw, expected = _stereo16(frames)
    info, out = decode(riff([(b"fmt ", fmt), (b"data", raw)]))
    assert info.num_frames == frames
    assert out.shape == (frames, 2)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("chunk", [1, 7, 512, 10_000])
def test_chunking_does_not_change_the_samples(chunk: int) -> None:
    raw, expected = random_samples(24, False, 999, 2)
    data = riff([(b"fmt ", fmt_body(PCM, 2, 8000, 24)), (b"data", raw)])
    _, out = decode(data, chunk=chunk)
    np.testing.assert_array_equal(out, expected)


def test_float_nan_inf_and_huge_values_become_finite_and_bounded() -> None:
    values = np.array([np.nan, np.inf, -np.inf, 1e300, -1e300, 0.5, 2.0, -3.0])
    for bits, dtype in ((32, "<f4"), (64, "<f8")):
        raw = values.astype(dtype).tobytes() if bits == 64 else _f32_bytes(values)
        data = riff([(b"fmt ", fmt_body(FLOAT, 1, 8000, bits)), (b"data", raw)])
        _, out = decode(data)
        assert np.all(np.isfinite(out))
        # 1e300 is inf once stored as float32 (-> 0, like NaN and inf: issue 11); as float64 it
        # is clamped to +-MAX_SAMPLE.
        huge = MAX_SAMPLE if bits == 64 else 0.0
        np.testing.assert_array_equal(out[:, 0], [0.0, 0.0, 0.0, huge, -huge, 0.5, 2.0, -3.0])


def _f32_bytes(values: np.ndarray) -> bytes:
    with np.errstate(over="ignore"):  # 1e300 overflows to inf in float32, on purpose
        return values.astype("<f4").tobytes()


# -- errors ------------------------------------------------------------------------------------

_FMT16 = fmt_body(PCM, 1, 8000, 16)


def _fmt(tag: int, channels: int, rate: int, bits: int, align: int | None = None) -> bytes:
    block = channels * bits // 8 if align is None else align
    return struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)


BAD_FILES = [
    pytest.param(b"", "not a RIFF/WAVE file", id="empty"),
    pytest.param(b"RIFF\x04\x00\x00\x00WAV", "not a RIFF/WAVE file", id="short-header"),
    pytest.param(b"RIFX" + riff([])[4:], "not a RIFF/WAVE file", id="big-endian-RIFX"),
    pytest.param(b"RIFF\x04\x00\x00\x00AVI ", "not a RIFF/WAVE file", id="avi"),
    pytest.param(riff([(b"data", b"\x00" * 8)]), "no fmt chunk", id="no-fmt"),
    pytest.param(riff([(b"fmt ", _FMT16)]), "no data chunk", id="no-data"),
    pytest.param(riff([(b"fmt ", _FMT16[:14]), (b"data", b"")]), "at least 16", id="short-fmt"),
    pytest.param(
        riff([(b"fmt ", _fmt(0x55, 1, 8000, 0, 1)), (b"data", b"")]),
        "format tag 0x55",
        id="mp3-in-wav",
    ),
    pytest.param(
        riff([(b"fmt ", _fmt(2, 1, 8000, 4, 256)), (b"data", b"")]),
        "format tag 0x2",
        id="adpcm",
    ),
    pytest.param(
        riff([(b"fmt ", _fmt(PCM, 1, 8000, 12, 2)), (b"data", b"")]),
        "12-bit PCM",
        id="12-bit",
    ),
    pytest.param(
        riff([(b"fmt ", _fmt(FLOAT, 1, 8000, 16)), (b"data", b"")]),
        "16-bit float",
        id="16-bit-float",
    ),
    pytest.param(
        riff([(b"fmt ", _fmt(PCM, 0, 8000, 16, 0)), (b"data", b"")]),
        "channel count 0",
        id="0-channels",
    ),
    pytest.param(
        riff([(b"fmt ", _fmt(PCM, 1, 0, 16)), (b"data", b"")]),
        "sample rate 0",
        id="0-rate",
    ),
    pytest.param(
        riff([(b"fmt ", _fmt(PCM, 2, 8000, 16, 3)), (b"data", b"")]),
        "block align 3",
        id="bad-block-align",
    ),
    pytest.param(
        riff([(b"fmt ", fmt_body(PCM, 1, 8000, 16, extensible=True)[:30]), (b"data", b"")]),
        "EXTENSIBLE",
        id="short-extensible",
    ),
]


@pytest.mark.parametrize(("data", "reason"), BAD_FILES)
def test_malformed_files_raise_decode_error_naming_path_and_reason(
    data: bytes, reason: str
) -> None:
    path = "/music/bad file.wav"
    with pytest.raises(DecodeError) as info:
        decode(data, path)
    message = str(info.value)
    assert path in message
    assert reason in message
    assert info.value.source == path
    assert isinstance(info.value, SourceError)
    assert isinstance(info.value, ValueError)


# -- property-based: malformed bytes never raise anything but DecodeError ---------------------


def _check_decodes_or_decode_error(data: bytes) -> None:
    try:
        info, out = decode(data, "fuzz.wav", chunk=97)
    except DecodeError as exc:
        assert "fuzz.wav" in str(exc)
        return
    assert out.shape == (info.num_frames, info.num_channels)
    assert np.all(np.isfinite(out))
    bound = MAX_SAMPLE if info.is_float else 1.0
    assert np.all(np.abs(out) <= bound)


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    _check_decodes_or_decode_error(data)


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_arbitrary_bytes_after_a_riff_header(body: bytes) -> None:
    _check_decodes_or_decode_error(b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body)


_chunk_ids = st.sampled_from([b"fmt ", b"data", b"LIST", b"fact", b"JUNK", b"\x00\x00\x00\x00"])
_fmt_fields = st.tuples(
    st.sampled_from([PCM, FLOAT, EXTENSIBLE, 0, 2, 7, 0xFFFF]),
    st.integers(0, 70),  # channels
    st.sampled_from([0, 1, 8000, 44100, 768000, 768001, 0xFFFFFFFF]),  # rate
    st.integers(0, 0xFFFF),  # block align
    st.sampled_from([0, 1, 8, 12, 16, 24, 32, 64, 0xFFFF]),  # bits
    st.binary(max_size=40),  # extension (cbSize, valid bits, mask, subformat, junk)
)


@st.composite
def wav_like(draw: st.DrawFn) -> bytes:
    """Plausible RIFF files: real chunk structure, random fields, sizes that may lie."""
    tag, channels, rate, align, bits, ext = draw(_fmt_fields)
    if draw(st.booleans()):
        align = (channels * bits // 8) & 0xFFFF  # consistent more often than chance would
    fmt = struct.pack("<HHIIHH", tag, channels, rate & 0xFFFFFFFF, 0, align, bits) + ext
    bodies = {b"fmt ": fmt, b"data": draw(st.binary(max_size=200))}
    ids = draw(st.lists(_chunk_ids, min_size=0, max_size=5))
    out = b"WAVE"
    for cid in ids:
        body = bodies.get(cid, draw(st.binary(max_size=20)))
        size = len(body)
        if draw(st.integers(0, 9)) == 0:  # sometimes the size field lies
            size = draw(st.sampled_from([0, 1, size + 1, size + 1000, 0xFFFFFFFF]))
        out += cid + struct.pack("<I", size) + body + (b"\x00" if len(body) % 2 else b"")
    data = b"RIFF" + struct.pack("<I", len(out)) + out
    return data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


@FUZZ
@given(wav_like())
def test_fuzz_structured_headers(data: bytes) -> None:
    _check_decodes_or_decode_error(data)


_VALID = riff(
    [
        (b"fmt ", fmt_body(PCM, 2, 16000, 24, extensible=True)),
        (b"LIST", b"INFOabc"),
        (b"data", random_samples(24, False, 40, 2)[0]),
    ]
)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)), max_size=6),
    st.integers(0, len(_VALID)),
)
def test_fuzz_mutated_valid_file(flips: list[tuple[int, int]], keep: int) -> None:
    data = bytearray(_VALID)
    for pos, value in flips:
        data[pos] = value
    _check_decodes_or_decode_error(bytes(data[:keep]))
