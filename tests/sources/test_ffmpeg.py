"""Decoding through PyAV: every container/codec the issue names, checked by ear-free numbers.

Each case encodes a generated sine with PyAV into tmp_path, decodes it and checks the length
(within the codec's padding), the frequency (FFT peak) and the level (RMS in dB).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from roomtone.errors import DecodeError
from roomtone.format import AudioFormat
from roomtone.sources.cache import ClipCache
from roomtone.sources.ffmpeg import iter_ffmpeg_chunks, probe_ffmpeg
from roomtone.sources.loader import open_clip
from signals import rms_db

from .helpers import dominant_freq, encode, finished, middle, sine, sine_db

F0 = 1234.5  # not a divisor of any rate: a real test of the frequency
AMP = 0.25


# Level tolerances: lossless FLAC and transparent-at-this-rate AAC/Vorbis/Opus keep a pure tone's
# level to a few hundredths of a dB; allow 0.2 dB. libmp3lame scales its input by 0.95
# (-0.45 dB) at every level, bit rate and sample format (the same with FFmpeg's fixed- and
# float-point MP3 decoders, so it is the encoder), hence 0.6 dB for MP3.
# Length tolerances: encoders pad the last packet to a whole frame and not every container
# records how much to trim (MP3 with its LAME header, Ogg and WebM/Opus are exact; AAC in MP4
# keeps the padding), so allow one codec frame at the decoded rate.
@dataclass(frozen=True)
class Case:
    codec: str
    container: str | None
    suffix: str
    rate: int
    channels: int
    bit_rate: int | None
    frame: int  # samples per codec frame, at ``rate``
    level_tol: float  # dB


CODECS = [
    pytest.param(Case("libmp3lame", None, ".mp3", 44100, 1, None, 1152, 0.6), id="mp3-44.1k"),
    pytest.param(Case("libmp3lame", None, ".mp3", 8000, 1, 16000, 576, 0.6), id="mp3-8k-16kbps"),
    pytest.param(Case("aac", "mp4", ".m4a", 48000, 1, None, 1024, 0.2), id="aac-m4a"),
    pytest.param(Case("aac", "mp4", ".mp4", 44100, 2, None, 1024, 0.2), id="aac-mp4-stereo"),
    pytest.param(Case("flac", None, ".flac", 16000, 1, None, 0, 0.01), id="flac-16k"),
    pytest.param(Case("flac", None, ".flac", 96000, 2, None, 0, 0.01), id="flac-96k-stereo"),
    pytest.param(Case("vorbis", "ogg", ".ogg", 48000, 2, None, 2048, 0.2), id="vorbis-ogg"),
    pytest.param(Case("vorbis", "ogg", ".ogg", 22050, 2, None, 2048, 0.2), id="vorbis-22.05k"),
    pytest.param(Case("libopus", "ogg", ".opus", 48000, 1, None, 960, 0.2), id="opus-ogg"),
    pytest.param(Case("libopus", "ogg", ".opus", 16000, 1, 24000, 960, 0.2), id="opus-16k"),
    pytest.param(Case("libopus", "webm", ".webm", 48000, 2, None, 960, 0.2), id="opus-webm"),
]
# FFmpeg's native Vorbis encoder only takes stereo, so the Vorbis cases are stereo.


def _decode(path: str) -> tuple[np.ndarray, int]:
    parts = list(iter_ffmpeg_chunks(path))
    assert parts, "no audio decoded"
    rates = {rate for _, rate in parts}
    assert len(rates) == 1
    for chunk, _ in parts:
        assert chunk.dtype == np.float32
        assert chunk.flags.c_contiguous
    return np.concatenate([chunk for chunk, _ in parts]), rates.pop()


@pytest.mark.parametrize("case", CODECS)
def test_codec_round_trip(tmp_path: Path, case: Case) -> None:
    seconds = 1.0
    rate = case.rate
    path = encode(
        tmp_path / f"tone{case.suffix}",
        case.codec,
        sine(F0, seconds, rate, amp=AMP, channels=case.channels),
        rate,
        container=case.container,
        bit_rate=case.bit_rate,
    )
    out, out_rate = _decode(path)
    # Opus always decodes at 48 kHz; everything else at the file's own rate.
    assert out_rate == (48000 if case.codec == "libopus" else rate)
    assert out.shape[1] == case.channels
    expected = seconds * out_rate
    slack = case.frame * out_rate / rate
    assert expected - slack <= len(out) <= expected + slack, (len(out), expected)
    assert np.all(np.isfinite(out))

    body = middle(out, out_rate)
    assert abs(dominant_freq(body, out_rate) - F0) < 0.5
    assert abs(rms_db(body) - sine_db(AMP)) < case.level_tol
    probed_rate, probed_duration = probe_ffmpeg(path)
    assert probed_rate == out_rate
    assert probed_duration is not None
    assert abs(probed_duration - seconds) < 0.05


@pytest.mark.parametrize(
    ("codec", "container", "suffix"),
    [
        pytest.param("aac", "mp4", ".m4a", id="aac"),
        pytest.param("flac", None, ".flac", id="flac"),
        pytest.param("vorbis", "ogg", ".ogg", id="vorbis"),
        pytest.param("libopus", "webm", ".webm", id="opus-webm"),
        pytest.param("libmp3lame", None, ".mp3", id="mp3-joint-stereo"),
    ],
)
def test_stereo_channels_stay_apart(
    tmp_path: Path, codec: str, container: str | None, suffix: str
) -> None:
    """Left and right carry different tones: planar frames must not be interleaved wrongly."""
    rate = 48000
    x = np.concatenate([sine(500.0, 1.0, rate), sine(3000.0, 1.0, rate)], axis=1)
    out, out_rate = _decode(encode(tmp_path / f"lr{suffix}", codec, x, rate, container=container))
    assert out.shape[1] == 2
    body = middle(out, out_rate)
    assert abs(dominant_freq(body[:, :1], out_rate) - 500.0) < 1.0
    assert abs(dominant_freq(body[:, 1:], out_rate) - 3000.0) < 1.0


@pytest.mark.parametrize("out_fmt", [AudioFormat(48000, 1), AudioFormat(16000, 2)])
def test_open_clip_converts_compressed_files_to_the_output_format(
    tmp_path: Path, out_fmt: AudioFormat
) -> None:
    """An MP3 at 44.1 kHz stereo through open_clip: resampled and remixed once, level kept."""
    x = sine(F0, 1.0, 44100, amp=AMP, channels=2)
    path = encode(tmp_path / "tone.mp3", "libmp3lame", x, 44100)
    clip = finished(open_clip(path, out_fmt, cache=ClipCache()))
    assert clip.error is None
    data = clip.frames()
    assert data.shape[1] == out_fmt.num_channels
    assert abs(len(data) - out_fmt.sample_rate) <= out_fmt.sample_rate * 1152 / 44100
    body = middle(data, out_fmt.sample_rate)
    assert abs(dominant_freq(body, out_fmt.sample_rate) - F0) < 0.5
    assert abs(rms_db(body) - sine_db(AMP)) < 0.6  # libmp3lame's -0.45 dB, see CODECS


def test_no_audio_stream(tmp_path: Path) -> None:
    path = tmp_path / "subtitles.srt"  # FFmpeg opens this as a subtitle-only container
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n\n")
    with pytest.raises(DecodeError, match="no audio stream") as info:
        list(iter_ffmpeg_chunks(str(path)))
    assert str(path) in str(info.value)
    with pytest.raises(DecodeError, match="no audio stream"):
        probe_ffmpeg(str(path))


def test_unreadable_bytes_message_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(DecodeError) as info:
        list(iter_ffmpeg_chunks(str(path)))
    message = str(info.value)
    assert message.startswith(f"cannot decode '{path}': not a readable audio file (")
    assert message.count(str(path)) == 1  # FFmpeg's own text would repeat the path
    assert "Errno" not in message
