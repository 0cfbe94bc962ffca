"""Remixing and streaming soxr resampling to the output format."""

from __future__ import annotations

import numpy as np
import pytest

from roomtone.format import AudioFormat
from roomtone.sources.convert import MAX_SAMPLE, FormatConverter, remix, sanitize
from signals import rms_db

from .helpers import dominant_freq, middle, sine, sine_db


def convert_all(x: np.ndarray, in_rate: int, out: AudioFormat, sizes: list[int] | None = None):
    """Run ``x`` through one converter in chunks of ``sizes`` (all at once if None), flushed."""
    conv = FormatConverter(in_rate, out)
    parts = []
    if sizes is None:
        parts.append(conv.convert(x))
    else:
        start = 0
        for size in sizes:
            parts.append(conv.convert(x[start : start + size]))
            start += size
        assert start >= len(x)
    parts.append(conv.flush())
    for part in parts:
        assert part.dtype == np.float32
        assert part.ndim == 2
        assert part.shape[1] == out.num_channels
    return np.concatenate(parts)


# -- remix ---------------------------------------------------------------------------------------


def test_remix_mono_to_stereo_copies() -> None:
    x = sine(440, 0.01, 8000)
    out = remix(x, 2)
    assert out.shape == (len(x), 2)
    np.testing.assert_array_equal(out[:, 0], x[:, 0])
    np.testing.assert_array_equal(out[:, 1], x[:, 0])


def test_remix_stereo_to_mono_averages() -> None:
    x = np.array([[1.0, 0.0], [0.5, -0.5], [0.25, 0.75]], np.float32)
    np.testing.assert_array_equal(remix(x, 1), [[0.5], [0.0], [0.5]])


def test_remix_many_channels_to_stereo_goes_through_mono() -> None:
    x = np.tile(np.arange(6, dtype=np.float32), (4, 1))  # 6 channels: 0..5, mean 2.5
    np.testing.assert_array_equal(remix(x, 2), np.full((4, 2), 2.5, np.float32))


def test_remix_same_channels_is_untouched() -> None:
    x = sine(440, 0.01, 8000, channels=2)
    assert remix(x, 2) is x


# -- resampling ------------------------------------------------------------------------------------

# soxr "HQ" is a 20-bit-precision linear-phase filter with a passband flat to far better than
# 0.01 dB and the time alignment compensated, so a tone in the passband comes out with the same
# frequency, the same level (0.02 dB allowed) and in phase with the same tone generated at the
# new rate (2e-3 of a 0.25 amplitude allowed, away from the ends where the filter ramps up).
RATE_PAIRS = [
    (8000, 48000),
    (16000, 48000),
    (22050, 48000),
    (44100, 48000),
    (48000, 8000),
    (44100, 16000),
]


@pytest.mark.parametrize(("in_rate", "out_rate"), RATE_PAIRS)
@pytest.mark.parametrize("freq", [440.0, 1234.5, 3100.0])
def test_resampling_keeps_frequency_level_and_timing(
    in_rate: int, out_rate: int, freq: float
) -> None:
    x = sine(freq, 1.0, in_rate, amp=0.25)
    out = convert_all(x, in_rate, AudioFormat(out_rate, 1))
    assert len(out) == out_rate  # one second in, one second out, to the frame
    body = middle(out, out_rate)
    assert abs(dominant_freq(body, out_rate) - freq) < 0.05
    assert abs(rms_db(body) - sine_db(0.25)) < 0.02
    ideal = middle(sine(freq, 1.0, out_rate, amp=0.25), out_rate)
    assert np.max(np.abs(body - ideal)) < 2e-3


def test_downsampling_removes_what_the_new_rate_cannot_hold() -> None:
    """A 6 kHz tone cannot exist at 8 kHz: it must vanish, not alias down to 2 kHz."""
    out = convert_all(sine(6000.0, 1.0, 48000, amp=0.5), 48000, AudioFormat(8000, 1))
    assert rms_db(middle(out, 8000)) < -100.0


@pytest.mark.parametrize(("in_rate", "out_rate"), RATE_PAIRS)
def test_chunked_conversion_equals_one_shot(in_rate: int, out_rate: int) -> None:
    """The resampler keeps its state across chunks: any chunking gives the same samples."""
    x = sine(1000.0, 0.5, in_rate, channels=2) * np.array([1.0, -0.5], np.float32)
    fmt = AudioFormat(out_rate, 2)
    whole = convert_all(x, in_rate, fmt)
    rng = np.random.default_rng(in_rate + out_rate)
    sizes = [int(s) for s in rng.integers(0, 900, 200)]  # includes empty and 1-frame chunks
    sizes += [1] * 50 + [len(x)]
    chunked = convert_all(x, in_rate, fmt, sizes)
    assert chunked.shape == whole.shape
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-6)


def test_stereo_resampling_keeps_channels_apart() -> None:
    x = np.concatenate([sine(500.0, 1.0, 44100), sine(1500.0, 1.0, 44100)], axis=1)
    out = convert_all(x, 44100, AudioFormat(48000, 2))
    body = middle(out, 48000)
    assert abs(dominant_freq(body[:, :1], 48000) - 500.0) < 0.05
    assert abs(dominant_freq(body[:, 1:], 48000) - 1500.0) < 0.05


def test_same_rate_is_a_copy_with_remix_only() -> None:
    x = sine(440, 0.1, 16000, channels=2)
    conv = FormatConverter(16000, AudioFormat(16000, 1))
    np.testing.assert_array_equal(conv.convert(x), remix(x, 1))
    assert conv.flush().shape == (0, 1)


def test_resampling_and_remix_together() -> None:
    """Stereo 22.05 kHz to mono 48 kHz: both channels averaged, then resampled."""
    x = sine(700.0, 1.0, 22050, channels=2) * np.array([1.0, 0.0], np.float32)
    out = convert_all(x, 22050, AudioFormat(48000, 1))
    assert abs(rms_db(middle(out, 48000)) - sine_db(0.125)) < 0.02


# -- sanitize ------------------------------------------------------------------------------------


def test_sanitize_makes_samples_finite_and_bounded_in_place() -> None:
    x = np.array([[np.nan], [np.inf], [-np.inf], [3e38], [-3e38], [0.5], [1.5]], np.float32)
    out = sanitize(x)
    assert out is x
    # Infinity is silenced like NaN (issue 11): as +-1 it made the limiter duck the whole mix.
    np.testing.assert_array_equal(out[:, 0], [0.0, 0.0, 0.0, MAX_SAMPLE, -MAX_SAMPLE, 0.5, 1.5])


def test_huge_but_finite_input_cannot_overflow_the_resampler() -> None:
    """Before sanitising, 3e38 in a float frame came out of soxr as inf/NaN."""
    x = np.full((1000, 1), 3e38, np.float32)
    x[::2] *= -1
    out = convert_all(sanitize(x), 16000, AudioFormat(48000, 1))
    assert np.all(np.isfinite(out))
