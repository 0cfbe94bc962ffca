"""open_clip: immediate checks, background progressive decoding, errors, normalisation."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from roomtone.analysis.loudness import integrated_loudness
from roomtone.config import BuiltinAudioClip
from roomtone.errors import AudioFileNotFoundError, DecodeError, SourceError
from roomtone.format import AudioFormat
from roomtone.sources import loader
from roomtone.sources.cache import ClipCache
from roomtone.sources.loader import file_path_of, open_clip
from signals import rms_db

from .helpers import (
    dominant_freq,
    encode,
    finished,
    middle,
    require_encoder,
    sine,
    sine_db,
    write_wav,
)

MONO = AudioFormat(48000, 1)
STEREO = AudioFormat(48000, 2)
LOW = AudioFormat(8000, 1)


def failed(path: str | Path, fmt: AudioFormat = MONO) -> DecodeError:
    """Open ``path`` (which must pass the immediate checks) and return the decode error."""
    clip = finished(open_clip(path, fmt, cache=ClipCache()))
    assert isinstance(clip.error, DecodeError), f"{path} decoded to {clip.available} frames"
    assert str(path) in str(clip.error)
    assert clip.error.source == str(path)
    return clip.error


# -- checked at once -------------------------------------------------------------------------------


def test_a_missing_file_raises_at_once(tmp_path: Path, cache: ClipCache) -> None:
    path = tmp_path / "nope.mp3"
    with pytest.raises(AudioFileNotFoundError) as info:
        open_clip(path, MONO, cache=cache)
    assert str(path) in str(info.value)
    assert "does not exist" in str(info.value)
    assert info.value.source == str(path)
    assert isinstance(info.value, FileNotFoundError)  # catchable as the built-in too
    assert isinstance(info.value, SourceError)
    assert len(cache) == 0


def test_a_directory_raises_at_once(tmp_path: Path, cache: ClipCache) -> None:
    with pytest.raises(AudioFileNotFoundError, match="is a directory") as info:
        open_clip(tmp_path, MONO, cache=cache)
    assert str(tmp_path) in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_a_pipe_raises_at_once_instead_of_blocking_a_decoder(
    tmp_path: Path, cache: ClipCache
) -> None:
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    with pytest.raises(AudioFileNotFoundError, match="not a regular file") as info:
        open_clip(fifo, MONO, cache=cache)
    assert str(fifo) in str(info.value)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="running as root: file permissions are not enforced, chmod 000 stays readable",
)
def test_an_unreadable_file_raises_at_once(tmp_path: Path, cache: ClipCache) -> None:
    path = Path(write_wav(tmp_path / "locked.wav", sine(440, 0.1, 8000), 8000))
    path.chmod(0)
    try:
        with pytest.raises(AudioFileNotFoundError, match="not readable") as info:
            open_clip(path, MONO, cache=cache)
        assert str(path) in str(info.value)
    finally:
        path.chmod(0o644)


def test_file_path_of() -> None:
    assert file_path_of("a/b.wav") == "a/b.wav"
    assert file_path_of(Path("a/b.wav")) == os.path.join("a", "b.wav")
    path = file_path_of(BuiltinAudioClip.OFFICE_AMBIENCE)
    assert path.endswith(os.path.join("clips", "data", "office_ambience.ogg"))


# -- found while decoding: clip.error -------------------------------------------------------------


def test_a_text_file_has_no_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not audio\n" * 50)
    assert "no audio stream" in str(failed(path))


def test_a_subtitle_only_container_has_no_audio(tmp_path: Path) -> None:
    path = tmp_path / "captions.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n\n")
    assert "no audio stream" in str(failed(path))


def test_a_video_only_container_has_no_audio(tmp_path: Path) -> None:
    require_encoder("mpeg4")
    path = tmp_path / "silent_film.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    assert "no audio stream" in str(failed(path))


@pytest.mark.parametrize("name", ["noise.mp3", "noise.ogg", "noise.wav", "noise", "empty.m4a"])
def test_random_bytes_are_a_decode_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    size = 0 if name.startswith("empty") else 20_000
    path.write_bytes(np.random.default_rng(7).bytes(size))
    message = str(failed(path))
    assert "cannot decode" in message
    if not size:
        assert "empty (0 bytes)" in message


def test_a_wav_header_with_garbage_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x00\x01\x00\x00WAVE" + np.random.default_rng(3).bytes(500))
    message = str(failed(path))
    assert "cannot decode WAV file" in message


@pytest.mark.parametrize(
    ("codec", "container", "suffix", "channels"),
    [
        pytest.param("libmp3lame", None, ".mp3", 1, id="mp3"),
        pytest.param("vorbis", "ogg", ".ogg", 2, id="ogg-vorbis"),
        pytest.param("libopus", "ogg", ".opus", 1, id="ogg-opus"),
        pytest.param("flac", None, ".flac", 1, id="flac"),
    ],
)
def test_truncated_compressed_files(
    tmp_path: Path, codec: str, container: str | None, suffix: str, channels: int
) -> None:
    """Cut short: what is there decodes (like a truncated WAV) and matches the full file.
    Cut to its first 60 bytes (not even the headers): a DecodeError naming the file."""
    x = sine(440.0, 6.0, 48000, channels=channels)
    full_path = encode(tmp_path / f"full{suffix}", codec, x, 48000, container=container)
    data = Path(full_path).read_bytes()
    full = finished(open_clip(full_path, MONO, cache=ClipCache()))

    # Ogg Vorbis spends its first ~8 KB on codebooks; 60 % of the file leaves seconds of audio.
    cut_path = tmp_path / f"cut{suffix}"
    cut_path.write_bytes(data[: len(data) * 6 // 10])
    cut = finished(open_clip(cut_path, MONO, cache=ClipCache()))
    assert cut.error is None
    assert 1.0 < cut.duration < 5.0
    n = cut.available - 48000 // 10  # the last packet may be cut: compare what precedes it
    np.testing.assert_allclose(cut.frames()[:n], full.frames()[:n], atol=1e-4)

    stub = tmp_path / f"stub{suffix}"
    stub.write_bytes(data[:60])
    clip = finished(open_clip(stub, MONO, cache=ClipCache()))
    if clip.error is None:  # FFmpeg found a header's worth: then nothing may come of it
        assert clip.available == 0
    else:
        assert isinstance(clip.error, DecodeError)
        assert str(stub) in str(clip.error)


def test_an_m4a_cut_before_its_index_is_a_decode_error(tmp_path: Path) -> None:
    """AAC in MP4 keeps its index (moov) at the end: without it nothing can be found."""
    path = encode(tmp_path / "full.m4a", "aac", sine(440.0, 2.0, 48000), 48000, container="mp4")
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(Path(path).read_bytes()[:-2000])
    assert "not a readable audio file" in str(failed(cut))


def test_an_unexpected_exception_while_decoding_ends_the_clip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the fix, anything but SourceError/OSError escaped into the thread pool, which
    swallowed it: the clip never completed, so waiters hung and voices played silence forever."""
    path = write_wav(tmp_path / "a.wav", sine(440, 0.5, 16000), 16000)

    def explode(*_: object) -> Iterator[np.ndarray]:
        yield np.zeros((100, 1), np.float32)
        raise RuntimeError("soxr ran out of something")

    monkeypatch.setattr(loader, "iter_wav_chunks", explode)
    clip = finished(open_clip(path, MONO, cache=ClipCache()), timeout=10)
    assert isinstance(clip.error, DecodeError)
    assert path in str(clip.error)
    assert "RuntimeError: soxr ran out of something" in str(clip.error)


def test_a_sample_rate_change_mid_file_is_a_decode_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_wav(tmp_path / "a.wav", sine(440, 0.1, 16000), 16000)

    def changing(_: str) -> Iterator[tuple[np.ndarray, int]]:
        yield np.zeros((100, 1), np.float32), 16000
        yield np.zeros((100, 1), np.float32), 22050

    monkeypatch.setattr(loader, "_source_chunks", changing)
    message = str(failed(path))
    assert "sample rate changes mid-file (16000 to 22050 Hz)" in message


# -- valid files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "fmt", "expected"),
    [(48000, MONO, 0), (16000, MONO, 0), (8000, STEREO, 0)],
)
def test_an_empty_wav_decodes_to_nothing(
    tmp_path: Path, rate: int, fmt: AudioFormat, expected: int
) -> None:
    path = write_wav(tmp_path / "empty.wav", np.zeros((0, 1), np.float32), rate)
    clip = finished(open_clip(path, fmt, cache=ClipCache()))
    assert clip.error is None
    assert clip.available == expected
    assert clip.frames().shape == (0, fmt.num_channels)


@pytest.mark.parametrize(("rate", "expected"), [(48000, 1), (16000, 3), (8000, 6)])
def test_a_one_frame_wav_decodes_to_what_it_has(tmp_path: Path, rate: int, expected: int) -> None:
    path = write_wav(tmp_path / "one.wav", np.full((1, 1), 0.5, np.float32), rate)
    clip = finished(open_clip(path, MONO, cache=ClipCache()))
    assert clip.error is None
    assert clip.available == expected  # one frame's worth of time at 48 kHz
    if rate == 48000:
        assert clip.frames()[0, 0] == pytest.approx(0.5, abs=1 / 32768)


@pytest.mark.parametrize("in_rate", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("fmt", [MONO, STEREO, LOW], ids=["48k-mono", "48k-stereo", "8k-mono"])
def test_wav_files_arrive_in_the_output_format(
    tmp_path: Path, in_rate: int, fmt: AudioFormat
) -> None:
    x = sine(1234.5 if fmt.sample_rate > 8000 else 700.0, 1.0, in_rate, channels=2)
    path = write_wav(tmp_path / "t.wav", x, in_rate, 24, extensible=True)
    clip = finished(open_clip(path, fmt, cache=ClipCache()))
    data = clip.frames()
    assert data.shape == (fmt.sample_rate, fmt.num_channels)  # exactly 1 s after resampling
    body = middle(data, fmt.sample_rate)
    freq = 1234.5 if fmt.sample_rate > 8000 else 700.0
    if in_rate > 8000 or freq < 4000:
        assert abs(dominant_freq(body, fmt.sample_rate) - freq) < 0.05
        assert abs(rms_db(body) - sine_db(0.25)) < 0.02


def test_a_six_channel_float_wav_is_mixed_down(tmp_path: Path) -> None:
    x = np.concatenate([sine(440, 0.5, 48000)] * 6, axis=1) * np.float32(0.5)
    path = write_wav(tmp_path / "surround.wav", x, 48000, 32, is_float=True, extensible=True)
    clip = finished(open_clip(path, STEREO, cache=ClipCache()))
    np.testing.assert_allclose(clip.frames(), np.repeat(x[:, :1], 2, axis=1), atol=1e-7)


def test_resampling_happens_once_per_clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One streaming converter per decode, fed every chunk; not one per chunk or per frame."""
    made: list[object] = []
    real = loader.FormatConverter

    def counting(*args: object) -> object:
        conv = real(*args)  # type: ignore[arg-type]
        made.append(conv)
        return conv

    monkeypatch.setattr(loader, "FormatConverter", counting)
    monkeypatch.setattr(loader, "_WAV_CHUNK_SECONDS", 0.01)  # 100 chunks
    x = sine(1000.0, 1.0, 22050)
    clip = finished(open_clip(write_wav(tmp_path / "a.wav", x, 22050), MONO, cache=ClipCache()))
    assert len(made) == 1
    data = clip.frames()
    assert len(data) == 48000
    # no seams between the 100 chunks: every step is a step of the sine itself
    ideal_step = 2 * np.pi * 1000.0 * 0.25 / 48000
    assert np.max(np.abs(np.diff(middle(data, 48000, 0.01), axis=0))) < ideal_step * 1.01


# -- progressive and off the event loop ------------------------------------------------------------


@pytest.fixture(scope="module")
def ten_minutes_mp3(tmp_path_factory: pytest.TempPathFactory) -> str:
    """About 10 minutes of 8 kHz MP3 at 8 kbit/s (600 KB): one 10 s encode repeated 60 times
    (no Xing/ID3 header, so the copies simply follow each other as one stream)."""
    folder = tmp_path_factory.mktemp("long")
    segment = encode(
        folder / "segment.mp3",
        "libmp3lame",
        sine(440.0, 10.0, 8000),
        8000,
        bit_rate=8000,
        container_options={"write_xing": "0", "id3v2_version": "0"},
    )
    path = folder / "ten_minutes.mp3"
    path.write_bytes(Path(segment).read_bytes() * 60)
    return str(path)


def test_a_long_file_plays_before_it_has_decoded(ten_minutes_mp3: str) -> None:
    clip = open_clip(ten_minutes_mp3, LOW, cache=ClipCache())
    assert clip.wait(LOW.sample_rate, timeout=30)  # the first second
    assert clip.available > 0
    assert not clip.complete  # ~0.6 s of decoding remain at this point
    assert abs(dominant_freq(clip.frames()[:4000], 8000) - 440.0) < 1.0
    finished(clip)
    assert clip.error is None
    assert 595 < clip.duration < 615  # 600 s plus each copy's encoder delay and padding


def test_decoding_is_progressive_chunk_by_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic version: the decoder is held after its first chunk; that chunk is
    already readable, on a decoder thread, while the clip is still incomplete."""
    release = threading.Event()
    threads: list[str] = []
    real = loader.iter_wav_chunks

    def held(*args: object) -> Iterator[np.ndarray]:
        threads.append(threading.current_thread().name)
        for i, chunk in enumerate(real(*args)):  # type: ignore[arg-type]
            yield chunk
            if i == 0:
                assert release.wait(timeout=30)

    monkeypatch.setattr(loader, "iter_wav_chunks", held)
    path = write_wav(tmp_path / "long.wav", sine(440.0, 5.0, 48000), 48000)
    clip = open_clip(path, MONO, cache=ClipCache())
    assert clip.wait(48000, timeout=30)  # _WAV_CHUNK_SECONDS of audio
    assert clip.available == 48000
    assert not clip.complete
    release.set()
    assert finished(clip).available == 5 * 48000
    assert threads[0].startswith("roomtone-decode")


@pytest.mark.realtime
async def test_open_clip_never_blocks_the_event_loop(ten_minutes_mp3: str) -> None:
    """open_clip returns while the file decodes, and the loop keeps serving other tasks
    (a ticker every 2 ms) all through the ~0.6 s decode."""
    clip = open_clip(ten_minutes_mp3, LOW, cache=ClipCache())
    assert not clip.complete
    turns = 0

    async def ticker() -> None:
        nonlocal turns
        while not clip.complete:
            turns += 1
            await asyncio.sleep(0.002)

    await asyncio.wait_for(asyncio.gather(ticker(), asyncio.to_thread(finished, clip)), 30)
    assert clip.error is None
    assert turns >= 10


# -- loudness normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize("target", [-30.0, -16.0])
def test_target_lufs_normalises_the_clip(tmp_path: Path, target: float) -> None:
    x = sine(1000.0, 3.0, 16000, amp=0.1, channels=2)
    path = write_wav(tmp_path / "t.wav", x, 16000)
    plain = finished(open_clip(path, STEREO, cache=ClipCache()))
    clip = finished(open_clip(path, STEREO, target_lufs=target, cache=ClipCache()))
    assert clip.error is None
    assert integrated_loudness(clip.frames(), 48000) == pytest.approx(target, abs=0.1)
    # a pure gain: the shape is the un-normalised clip's
    gain = float(np.max(np.abs(clip.frames())) / np.max(np.abs(plain.frames())))
    np.testing.assert_allclose(clip.frames(), plain.frames() * gain, atol=1e-5)


def test_loudness_gain_is_measured_on_the_first_30_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured: list[int] = []

    def fake_loudness(samples: np.ndarray, rate: int) -> float:
        measured.append(len(samples))
        return -20.0

    from roomtone.analysis import loudness

    monkeypatch.setattr(loudness, "integrated_loudness", fake_loudness)
    path = write_wav(tmp_path / "long.wav", sine(440.0, 35.0, 8000), 8000)
    clip = finished(open_clip(path, LOW, target_lufs=-26.0, cache=ClipCache()))
    assert measured == [30 * 8000]  # 30 one-second WAV chunks, measured once
    plain = finished(open_clip(path, LOW, cache=ClipCache()))
    np.testing.assert_allclose(clip.frames(), plain.frames() * 10 ** (-6 / 20), atol=1e-6)


def test_normalising_silence_leaves_it_silent(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "silence.wav", np.zeros((16000, 1), np.float32), 16000)
    clip = finished(open_clip(path, MONO, target_lufs=-23.0, cache=ClipCache()))
    assert clip.error is None
    assert np.all(clip.frames() == 0.0)


def test_normalising_an_empty_file(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "empty.wav", np.zeros((0, 1), np.float32), 16000)
    clip = finished(open_clip(path, MONO, target_lufs=-23.0, cache=ClipCache()))
    assert clip.error is None
    assert clip.available == 0


def test_mulaw_wav_falls_back_to_ffmpeg(tmp_path: Path) -> None:
    """Telephony WAVs (G.711 mu-law) are not ours to parse; FFmpeg decodes them."""
    path = tmp_path / "ulaw.wav"
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_mulaw", rate=8000, layout="mono")
        t = np.arange(8000) / 8000
        data = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(data, format="fltp", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    clip = open_clip(str(path), AudioFormat(8000, 1), cache=ClipCache())
    assert clip.wait(8000, timeout=10)
    assert clip.error is None
    assert abs(len(clip.frames()) - 8000) < 100
    assert abs(float(np.sqrt(np.mean(clip.frames() ** 2))) - 0.3 / np.sqrt(2)) < 0.01


def test_bad_cache_size_variable_warns_and_uses_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from roomtone.sources import cache as cache_module

    monkeypatch.setenv("ROOMTONE_CACHE_MB", "lots")
    with pytest.warns(RuntimeWarning, match="lots"):
        assert cache_module._default_size() == cache_module.DEFAULT_CACHE_BYTES
    monkeypatch.setenv("ROOMTONE_CACHE_MB", "64")
    assert cache_module._default_size() == 64 * 2**20
