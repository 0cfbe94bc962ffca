"""The generator still makes the committed files, and makes them deterministically.

Opus is lossy, so the comparison is by level, spectral balance and the time course of
events (tolerances below), not sample by sample. Float synthesis must be bit-exact for
the same seed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from roomtone.analysis.decode import decode_audio
from roomtone.analysis.loudness import integrated_loudness
from roomtone.clips.catalog import clip_names, get_spec
from roomtone.clips.generate import encode_opus, generate, render_clip
from roomtone.clips.synth.noise import rng_for, smooth_random, spectral_noise
from signal_checks import band_envelope, band_levels_db, lowpassed

OCTAVES = (63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0)
LOUDNESS_TOLERANCE_LU = 0.3
BAND_TOLERANCE_DB = 2.0
ENVELOPE_MIN_CORRELATION = 0.7
LOW_BAND_MIN_CORRELATION = 0.8


@pytest.mark.parametrize("name", clip_names())
def test_regenerated_clip_matches_committed_file(
    name: str,
    rendered: Callable[[str], np.ndarray],
    decoded: Callable[[str], np.ndarray],
) -> None:
    fresh = rendered(name)
    committed = decoded(name)
    assert fresh.shape == committed.shape
    lufs_fresh = integrated_loudness(fresh, 48000)
    assert lufs_fresh == pytest.approx(
        integrated_loudness(committed, 48000), abs=LOUDNESS_TOLERANCE_LU
    )
    fresh_bands = band_levels_db(fresh, OCTAVES)
    committed_bands = band_levels_db(committed, OCTAVES)
    loud = fresh_bands > fresh_bands.max() - 40.0  # ignore bands with next to no energy
    assert np.max(np.abs(fresh_bands - committed_bands)[loud]) < BAND_TOLERANCE_DB
    # Same events at the same moments: a different seed would fail this even with equal spectra.
    env_fresh = band_envelope(fresh, 300.0, 3000.0)
    env_committed = band_envelope(committed, 300.0, 3000.0)
    assert np.corrcoef(env_fresh, env_committed)[0, 1] > ENVELOPE_MIN_CORRELATION
    # Opus keeps the waveform below ~1.5 kHz closely; a different rendering would not match.
    assert np.corrcoef(lowpassed(fresh), lowpassed(committed))[0, 1] > LOW_BAND_MIN_CORRELATION


@pytest.mark.parametrize("name", ["keyboard_typing2", "keyboard_typing", "room_tone"])
def test_float_synthesis_is_bit_exact_for_a_seed(
    name: str, rendered: Callable[[str], np.ndarray]
) -> None:
    spec = get_spec(name)
    again = spec.render(spec.seed, spec.duration_s, 48000)
    first = spec.render(spec.seed, spec.duration_s, 48000)
    np.testing.assert_array_equal(first, again)
    other = spec.render(spec.seed + 1, spec.duration_s, 48000)
    assert not np.allclose(first, other)
    assert rendered(name).dtype == np.float32


def test_building_blocks_are_deterministic() -> None:
    a = spectral_noise(rng_for(7, "x"), 48000, 48000, channels=2, correlation=0.5)
    b = spectral_noise(rng_for(7, "x"), 48000, 48000, channels=2, correlation=0.5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        smooth_random(rng_for(7, "m"), 48000, 48000, 2.0),
        smooth_random(rng_for(7, "m"), 48000, 48000, 2.0),
    )
    assert not np.array_equal(a, spectral_noise(rng_for(7, "y"), 48000, 48000, channels=2))


def test_generate_command_writes_a_clip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from roomtone.clips.generate import main

    assert main(["--only", "keyboard_typing2", "--out", str(tmp_path)]) == 0
    written = tmp_path / "keyboard_typing2.ogg"
    assert written.exists()
    assert "keyboard_typing2" in capsys.readouterr().out
    audio, rate = decode_audio(written)
    assert rate == 48000 and audio.shape == (168000, 1)
    # Bit-exact muxing: regenerating an unchanged recipe reproduces the same bytes.
    again = generate(["keyboard_typing2"], tmp_path / "again", log=False)[0]
    assert again.read_bytes() == written.read_bytes()


def test_encoder_keeps_exact_length_for_any_size(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    for frames in (960, 12345, 48000 * 2 + 7):
        loop = (0.1 * rng.standard_normal((frames, 2))).astype(np.float32)
        path = tmp_path / f"{frames}.ogg"
        encode_opus(loop, path, 40000, title="t")
        audio, _ = decode_audio(path)
        assert audio.shape == loop.shape


def test_render_clip_is_normalised() -> None:
    clip = render_clip(get_spec("keyboard_typing2"))
    assert integrated_loudness(clip, 48000) == pytest.approx(
        get_spec("keyboard_typing2").target_lufs, abs=0.05
    )
