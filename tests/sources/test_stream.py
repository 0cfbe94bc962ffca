"""Async-iterator sources: frame conversion (roomtone, LiveKit, PyAV), the FIFO and its feeder."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from roomtone.errors import SourceError, StreamError
from roomtone.format import AudioFormat
from roomtone.sources.convert import MAX_SAMPLE
from roomtone.sources.frames import AudioFrame, frame_to_array
from roomtone.sources.stream import StreamBuffer, feed_stream
from signals import rms_db

from .helpers import dominant_freq, middle, sine, sine_db

try:  # LiveKit frames are read by the livekit extra's adapter: tested only where it is installed
    from livekit import rtc
except ImportError:  # pragma: no cover - the extra is not installed
    rtc = None
needs_livekit = pytest.mark.skipif(rtc is None, reason="the livekit extra is not installed")

MONO = AudioFormat(48000, 1)
STEREO = AudioFormat(48000, 2)
NAME = "async iterator async_generator"


# -- frame makers: one signal, three frame types ---------------------------------------------------


def roomtone_frame(x: np.ndarray, rate: int, dtype: str = "float32") -> AudioFrame:
    if dtype == "int16":
        return AudioFrame(np.round(x * 32767).astype(np.int16), rate)
    if dtype == "int32":
        return AudioFrame(np.round(x * 2147483647.0).astype(np.int32), rate)
    if dtype == "uint8":
        return AudioFrame(np.round(x * 128 + 128).astype(np.uint8), rate)
    return AudioFrame(x.astype(dtype), rate)


def livekit_frame(x: np.ndarray, rate: int) -> Any:
    pcm = np.round(x * 32767).astype(np.int16)
    return rtc.AudioFrame(pcm.tobytes(), rate, x.shape[1], len(x))


def pyav_frame(x: np.ndarray, rate: int, fmt: str = "s16") -> av.AudioFrame:
    dtype = {"s16": np.int16, "s32": np.int32, "flt": np.float32, "dbl": np.float64, "u8": np.uint8}
    base = fmt.rstrip("p")
    if base == "s16":
        arr = np.round(x * 32767)
    elif base == "s32":
        arr = np.round(x * 2147483647.0)
    elif base == "u8":
        arr = np.round(x * 128 + 128)
    else:
        arr = x
    arr = arr.astype(dtype[base])
    layout = "mono" if x.shape[1] == 1 else "stereo"
    data = arr.T if fmt.endswith("p") else arr.reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout=layout)
    frame.sample_rate = rate
    return frame


def frames_of(x: np.ndarray, rate: int, make: Callable[[np.ndarray, int], Any]) -> list[Any]:
    """``x`` cut into 10 ms frames."""
    step = rate // 100
    return [make(x[i : i + step], rate) for i in range(0, len(x), step)]


async def agen(items: Iterable[Any], fail: BaseException | None = None) -> AsyncIterator[Any]:
    for item in items:
        yield item
    if fail is not None:
        raise fail


def drain(buffer: StreamBuffer) -> np.ndarray:
    out = np.zeros((buffer.buffered, buffer.format.num_channels), np.float32)
    n = buffer.read_into(out)
    assert n == len(out)
    return out


async def feed_all(items: Iterable[Any], fmt: AudioFormat, **kw: Any) -> StreamBuffer:
    buffer = StreamBuffer(fmt, NAME)
    await asyncio.wait_for(feed_stream(agen(items, **kw), buffer), timeout=30)
    assert buffer.ended
    return buffer


# -- conversion of every frame type ---------------------------------------------------------------

MAKERS = {
    "roomtone-float32": roomtone_frame,
    "roomtone-float64": lambda x, r: roomtone_frame(x, r, "float64"),
    "roomtone-int16": lambda x, r: roomtone_frame(x, r, "int16"),
    "roomtone-int32": lambda x, r: roomtone_frame(x, r, "int32"),
    "roomtone-uint8": lambda x, r: roomtone_frame(x, r, "uint8"),
    **({"livekit": livekit_frame} if rtc is not None else {}),
    "pyav-s16": lambda x, r: pyav_frame(x, r, "s16"),
    "pyav-fltp": lambda x, r: pyav_frame(x, r, "fltp"),
    "pyav-s32p": lambda x, r: pyav_frame(x, r, "s32p"),
    "pyav-dbl": lambda x, r: pyav_frame(x, r, "dbl"),
    "pyav-u8p": lambda x, r: pyav_frame(x, r, "u8p"),
}


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (16000, 2), (24000, 1), (44100, 2)])
@pytest.mark.parametrize("fmt", [MONO, STEREO], ids=["mono", "stereo"])
async def test_any_frame_type_rate_and_layout_reaches_the_output_format(
    kind: str, rate: int, channels: int, fmt: AudioFormat
) -> None:
    x = sine(1234.5, 0.5, rate, channels=channels)
    buffer = await feed_all(frames_of(x, rate, MAKERS[kind]), fmt)
    assert buffer.error is None
    out = drain(buffer)
    assert out.shape == (24000, fmt.num_channels)  # 0.5 s at 48 kHz, to the frame
    body = middle(out, 48000)
    assert abs(dominant_freq(body, 48000) - 1234.5) < 0.1
    # Even 8-bit frames (quantisation noise near -50 dBFS) keep the level within 0.05 dB.
    assert abs(rms_db(body) - sine_db(0.25)) < 0.05


def test_frame_to_array_exact_values() -> None:
    pcm = np.array([[-32768, 32767], [0, 16384]], np.int16)
    expected = pcm / 32768.0
    for frame in (
        AudioFrame(pcm, 16000),
        *([rtc.AudioFrame(pcm.tobytes(), 16000, 2, 2)] if rtc is not None else []),
        pyav_frame(pcm / 32767.0, 16000, "s16"),
    ):
        samples, rate = frame_to_array(frame, NAME)
        assert rate == 16000
        assert samples.dtype == np.float32
        np.testing.assert_allclose(samples, expected, atol=1 / 32768)


def test_planar_pyav_frames_keep_channels_apart() -> None:
    x = np.stack([np.linspace(-1, 0, 100), np.linspace(0, 1, 100)], axis=1).astype(np.float32)
    for fmt in ("flt", "fltp", "s16", "s16p"):
        samples, _ = frame_to_array(pyav_frame(x, 48000, fmt), NAME)
        np.testing.assert_allclose(samples, x, atol=1 / 16384)


def test_audio_frame_validation() -> None:
    assert AudioFrame(np.zeros(10, np.float32), 8000).num_channels == 1
    assert AudioFrame([[0.0, 0.1]], 8000).data.shape == (1, 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="frames, channels"):
        AudioFrame(np.zeros((2, 2, 2), np.float32), 8000)
    with pytest.raises(ValueError, match="sample_rate must be positive"):
        AudioFrame(np.zeros((2, 1), np.float32), 0)


async def test_a_rate_change_mid_stream_is_followed() -> None:
    a = sine(500.0, 0.25, 16000)
    b = sine(500.0, 0.25, 44100)
    frames = frames_of(a, 16000, roomtone_frame) + frames_of(b, 44100, roomtone_frame)
    out = drain(await feed_all(frames, MONO))
    assert abs(len(out) - 24000) <= 2
    assert abs(dominant_freq(middle(out, 48000), 48000) - 500.0) < 0.5


# -- NaN and inf never reach the buffer -----------------------------------------------------------


def test_nan_inf_and_huge_values_are_made_safe() -> None:
    bad = np.array([np.nan, np.inf, -np.inf, 3e38, -3e38, 1e300, 0.5], np.float64)[:, None]

    async def run() -> np.ndarray:
        frames = [AudioFrame(bad, 16000), AudioFrame(bad.astype(np.float32), 16000)]
        frames.append(pyav_frame(bad, 16000, "dbl"))
        return drain(await feed_all(frames * 20, MONO))

    with np.errstate(over="ignore"):  # building the float32 copy overflows 1e300 on purpose
        out = asyncio.run(run())
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out)) <= 2 * MAX_SAMPLE  # the resampler may overshoot a little


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    frames=st.lists(
        st.tuples(
            hnp.arrays(
                st.sampled_from([np.float32, np.float64]),
                st.tuples(st.integers(0, 300), st.integers(1, 3)),
                elements=st.floats(allow_nan=True, allow_infinity=True, width=32),
            ),
            st.sampled_from([8000, 11025, 16000, 44100, 48000, 96000]),
        ),
        min_size=1,
        max_size=6,
    ),
    fmt=st.sampled_from([MONO, STEREO, AudioFormat(8000, 1)]),
)
def test_property_buffer_is_always_finite(
    frames: list[tuple[np.ndarray, int]], fmt: AudioFormat
) -> None:
    items = [AudioFrame(data, rate) for data, rate in frames]
    buffer = asyncio.run(feed_all(items, fmt))
    assert buffer.error is None
    out = drain(buffer)
    assert out.shape[1] == fmt.num_channels
    assert np.all(np.isfinite(out))


# -- failing and garbage iterators -----------------------------------------------------------------


async def test_an_iterator_that_raises_ends_the_buffer_with_its_error() -> None:
    good = frames_of(sine(440.0, 0.1, 48000), 48000, roomtone_frame)
    buffer = await feed_all(good, MONO, fail=ConnectionResetError("tts socket closed"))
    assert isinstance(buffer.error, StreamError)
    assert isinstance(buffer.error, SourceError)
    assert buffer.error.source == NAME
    message = str(buffer.error)
    assert NAME in message
    assert "ConnectionResetError: tts socket closed" in message
    assert len(drain(buffer)) == 4800  # what came before the failure still plays


GARBAGE = [
    pytest.param("a string", "yielded str", id="str"),
    pytest.param(None, "yielded NoneType", id="None"),
    pytest.param(b"\x00\x01", "yielded bytes", id="bytes"),
    pytest.param(np.zeros((10, 1), np.float32), "yielded ndarray", id="bare-ndarray"),
    pytest.param({"data": [0.0]}, "yielded dict", id="dict"),
    pytest.param(AudioFrame(np.zeros((10, 0), np.float32), 16000), "0 channels", id="0-ch"),
    pytest.param(AudioFrame(np.zeros((4, 1), np.complex64), 16000), "dtype complex64", id="cplx"),
    pytest.param(AudioFrame(np.zeros((4, 1), np.bool_), 16000), "dtype bool", id="bool"),
    pytest.param(AudioFrame(np.array([["x"]], object), 16000), "dtype object", id="object"),
    *(
        [
            pytest.param(
                rtc.AudioFrame(b"\x00" * 6, 16000, 2, 1), "unreadable AudioFrame", id="lk-odd"
            )
        ]
        if rtc is not None
        else []
    ),
]


@pytest.mark.parametrize(("garbage", "says"), GARBAGE)
async def test_garbage_ends_the_buffer_with_a_stream_error(garbage: object, says: str) -> None:
    good = frames_of(sine(440.0, 0.05, 48000), 48000, roomtone_frame)
    buffer = await feed_all([*good, garbage, *good], MONO)
    assert isinstance(buffer.error, StreamError)
    assert NAME in str(buffer.error)
    assert says in str(buffer.error)
    assert len(drain(buffer)) == 2400  # the frames before the garbage, none after


async def test_not_an_async_iterator_at_all() -> None:
    buffer = StreamBuffer(MONO, "async iterator list")
    await feed_stream([AudioFrame(np.zeros((10, 1)), 8000)], buffer)  # type: ignore[arg-type]
    assert isinstance(buffer.error, StreamError)
    assert "async iterator list" in str(buffer.error)


async def test_cancelling_the_feeder_ends_the_buffer_cleanly() -> None:
    started = asyncio.Event()

    async def endless() -> AsyncIterator[AudioFrame]:
        while True:
            started.set()
            yield AudioFrame(np.zeros((160, 1), np.float32), 16000)
            await asyncio.sleep(0)

    buffer = StreamBuffer(MONO, NAME)
    task = asyncio.create_task(feed_stream(endless(), buffer))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert buffer.ended
    assert buffer.error is None


# -- the FIFO and back-pressure ------------------------------------------------------------------


def test_read_into_spans_chunks_and_counts() -> None:
    buffer = StreamBuffer(MONO, NAME)
    buffer.push(np.arange(5, dtype=np.float32)[:, None])
    buffer.push(np.zeros((0, 1), np.float32))  # ignored
    buffer.push(np.arange(5, 12, dtype=np.float32)[:, None])
    assert buffer.buffered == 12
    out = np.full((4, 1), -1.0, np.float32)
    assert buffer.read_into(out) == 4
    np.testing.assert_array_equal(out[:, 0], [0, 1, 2, 3])
    assert buffer.read_into(out) == 4
    np.testing.assert_array_equal(out[:, 0], [4, 5, 6, 7])
    big = np.full((10, 1), -1.0, np.float32)
    assert buffer.read_into(big) == 4
    np.testing.assert_array_equal(big[:4, 0], [8, 9, 10, 11])
    assert buffer.buffered == 0
    assert buffer.read_into(big) == 0
    assert not buffer.ended
    buffer.finish()
    assert buffer.ended


async def test_the_feeder_waits_for_the_reader_and_loses_nothing() -> None:
    """Five seconds through a FIFO that holds about one: the feeder pauses (without polling)
    until a reader on another thread makes room, and every frame arrives in order."""
    rate = 16000
    x = np.arange(5 * rate, dtype=np.float32)[:, None] / (5 * rate)  # a ramp: order is visible
    frames = frames_of(x, rate, roomtone_frame)
    buffer = StreamBuffer(AudioFormat(16000, 1), NAME)
    task = asyncio.create_task(feed_stream(agen(frames), buffer))
    for _ in range(1000):  # let the feeder run until it blocks on a full buffer
        await asyncio.sleep(0)
    assert not task.done()
    assert rate <= buffer.buffered <= rate + rate // 100  # one second plus one frame

    received: list[np.ndarray] = []
    done = threading.Event()

    def reader() -> None:  # the render thread
        out = np.zeros((320, 1), np.float32)
        while not (buffer.ended and buffer.buffered == 0):
            n = buffer.read_into(out)
            received.append(out[:n].copy())
            if n == 0:
                done.wait(0.001)  # nothing buffered yet: wait a moment for the feeder

    thread = threading.Thread(target=reader)
    thread.start()
    await asyncio.wait_for(task, timeout=30)
    await asyncio.to_thread(thread.join, 30)
    done.set()
    out = np.concatenate(received)
    np.testing.assert_array_equal(out, x)
