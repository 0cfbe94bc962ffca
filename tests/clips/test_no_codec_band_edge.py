"""No Opus band-edge line at 8 kHz: the encoder runs CELT-only, not SILK+CELT hybrid.

Hybrid mode codes up to 8 kHz with SILK and above with CELT, which leaves a dip and a step
at 8 kHz in every bed's spectrogram (issue 9). The check compares the decoded files with the
float render around 8 kHz, and shows on plain noise that it catches hybrid coding.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from roomtone.analysis.decode import decode_audio
from roomtone.clips import generate
from roomtone.clips.catalog import clip_names
from roomtone.clips.synth.noise import rng_for, slope_shape, spectral_noise
from signal_checks import band_edge_step_db

MAX_EDGE_DB = 1.0  # hybrid coding measures 1.4-4.4 dB here; CELT-only stays under 0.8


def codec_edge_db(fresh: np.ndarray, coded: np.ndarray) -> float:
    return float(np.max(np.abs(np.subtract(band_edge_step_db(coded), band_edge_step_db(fresh)))))


@pytest.mark.parametrize("name", clip_names())
def test_committed_files_have_no_8_khz_line(
    name: str, rendered: Callable[[str], np.ndarray], decoded: Callable[[str], np.ndarray]
) -> None:
    assert codec_edge_db(rendered(name), decoded(name)) < MAX_EDGE_DB


def test_the_check_catches_hybrid_coding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shape = slope_shape(-3.0, 30.0, 16000.0)
    rng = rng_for(1, "bed")
    noise = spectral_noise(rng, 10 * 48000, 48000, shape, channels=2, correlation=0.3)
    bed = (0.02 * noise).astype(np.float32)
    path = tmp_path / "bed.ogg"
    generate.encode_opus(bed, path, 64000)  # a stereo bed as the generator codes it
    assert codec_edge_db(bed, decode_audio(path)[0]) < MAX_EDGE_DB
    # libopus's own choice for general audio at 40 kb/s is the hybrid mode: caught.
    monkeypatch.setattr(generate, "_CODEC_OPTIONS", {"application": "audio"})
    generate.encode_opus(bed, path, 40000)
    assert codec_edge_db(bed, decode_audio(path)[0]) > 2.0 * MAX_EDGE_DB
