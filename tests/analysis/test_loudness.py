"""The BS.1770-4 meter: published coefficients, reference tones, and pyloudnorm agreement."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest

from roomtone.analysis.loudness import (
    gain_to_target,
    integrated_loudness,
    k_weighting_sos,
    true_peak_dbfs,
)

SR = 48000


def _noise(seed: int, seconds: float, channels: int, sr: int = SR) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((round(seconds * sr), channels)) * 0.05
    # Quiet and loud stretches exercise both the absolute and the relative gate.
    x[: round(seconds * sr) // 4] *= 0.02
    x[round(seconds * sr) // 2 :] *= 2.0
    return x.astype(np.float32)


def test_k_weighting_matches_bs1770_table_at_48k() -> None:
    sos = k_weighting_sos(48000)
    shelf_b = [1.53512485958697, -2.69169618940638, 1.19839281085285]
    shelf_a = [1.0, -1.69065929318241, 0.73248077421585]
    hp_a = [1.0, -1.99004745483398, 0.99007225036621]
    np.testing.assert_allclose(sos[0, :3], shelf_b, atol=1e-8)
    np.testing.assert_allclose(sos[0, 3:], shelf_a, atol=1e-8)
    np.testing.assert_allclose(sos[1, :3], [1.0, -2.0, 1.0])
    np.testing.assert_allclose(sos[1, 3:], hp_a, atol=1e-8)


def test_full_scale_1k_sine_in_one_channel_reads_minus_3() -> None:
    t = np.arange(SR * 5) / SR
    sine = np.sin(2 * np.pi * 997.0 * t)
    assert integrated_loudness(sine[:, None], SR) == pytest.approx(-3.01, abs=0.05)
    stereo = np.stack([sine, sine], axis=1) * 0.1
    assert integrated_loudness(stereo, SR) == pytest.approx(-20.0, abs=0.05)


@pytest.mark.parametrize("sr", [48000, 44100, 16000])
@pytest.mark.parametrize("channels", [1, 2])
def test_agrees_with_pyloudnorm(sr: int, channels: int) -> None:
    x = _noise(sr + channels, 12.0, channels, sr).astype(np.float64)
    ours = integrated_loudness(x, sr)
    # Same filter design as ours: agreement to rounding.
    exact = pyloudnorm.Meter(sr, filter_class="DeMan").integrated_loudness(x)
    assert ours == pytest.approx(exact, abs=1e-6)
    if sr == 48000:
        # pyloudnorm's default filter approximates K-weighting: within 0.1 LU.
        assert abs(ours - pyloudnorm.Meter(sr).integrated_loudness(x)) < 0.1


def test_silence_and_short_signals() -> None:
    assert integrated_loudness(np.zeros((SR, 2)), SR) == -math.inf
    assert integrated_loudness(np.zeros((0, 1)), SR) == -math.inf
    short = _noise(3, 0.2, 1)
    assert math.isfinite(integrated_loudness(short, SR))
    assert gain_to_target(np.zeros((SR, 1)), SR, -23.0) == 1.0


def test_gain_to_target_reaches_target() -> None:
    x = _noise(5, 6.0, 2)
    gain = gain_to_target(x, SR, -32.0)
    assert integrated_loudness(x * gain, SR) == pytest.approx(-32.0, abs=0.01)


def test_true_peak_sees_intersample_peaks() -> None:
    # A quarter-rate sine sampled 45 degrees off its crest: samples reach only 0.707.
    n = np.arange(SR)
    x = 0.5 * np.sin(2 * np.pi * n / 4 + np.pi / 4)
    sample_peak = 20 * np.log10(np.max(np.abs(x)))
    assert sample_peak == pytest.approx(20 * np.log10(0.5 * math.sqrt(0.5)), abs=0.01)
    assert true_peak_dbfs(x, SR) == pytest.approx(20 * np.log10(0.5), abs=0.2)
    assert true_peak_dbfs(np.zeros(100), SR) == -math.inf


def test_mono_vector_is_accepted() -> None:
    x = _noise(9, 3.0, 1)
    assert integrated_loudness(x[:, 0], SR) == integrated_loudness(x, SR)
    with pytest.raises(ValueError):
        integrated_loudness(np.zeros((2, 2, 2)), SR)
