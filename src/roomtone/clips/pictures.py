"""Spectrogram pictures of the committed clips, small enough for the docs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from roomtone.analysis.decode import decode_audio
from roomtone.clips.catalog import clip_path, select

__all__ = ["plot_spectrograms"]


def _coarse_spectrogram(
    mono: npt.NDArray[np.float32], rate: int, columns: int, rows: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Power in dB on a coarse grid (columns in time x rows log-spaced from 40 Hz to Nyquist).

    Averaging into coarse cells shows the balance and events without the noise speckle that
    makes fine spectrogram images large.
    """
    from scipy import signal

    freqs, _, power = signal.spectrogram(mono, rate, nperseg=2048, noverlap=1024)
    edges = np.geomspace(40.0, rate / 2.0, rows + 1)
    band = np.clip(np.searchsorted(edges, freqs) - 1, 0, rows - 1)
    valid = (freqs >= 40.0)[:, np.newaxis]
    sums = np.zeros((rows, power.shape[1]))
    counts = np.zeros((rows, 1))
    np.add.at(sums, band, power * valid)
    np.add.at(counts, band, valid.astype(np.float64))
    filled = counts[:, 0] > 0
    banded = sums[filled] / counts[filled]
    # Low bands narrower than an FFT bin hold no bin: interpolate them from their neighbours.
    centres = np.arange(rows)
    banded = np.stack(
        [np.interp(centres, centres[filled], banded[:, t]) for t in range(banded.shape[1])], axis=1
    )
    cols = np.array_split(np.arange(power.shape[1]), min(columns, power.shape[1]))
    grid = np.stack([banded[:, c].mean(axis=1) for c in cols], axis=1)
    return 10.0 * np.log10(grid + 1e-14), edges


def plot_spectrograms(
    directory: Path,
    source: Path | None = None,
    width_px: int = 800,
    height_px: int = 300,
    names: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``<name>.png`` spectrograms (log frequency, dB) of every clip into ``directory``.

    Images are coarse, 16-colour palette PNGs so they stay small enough for the docs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    dpi = 100
    for spec in select(names):
        samples, rate = decode_audio(clip_path(spec.name, source))
        level, edges = _coarse_spectrogram(samples.mean(axis=1), rate, columns=240, rows=90)
        top = float(level.max())
        fig, ax = plt.subplots(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        ax.imshow(
            level,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            cmap="magma",
            vmin=top - 60.0,
            vmax=top,
            extent=(0.0, samples.shape[0] / rate, 0.0, float(len(edges) - 1)),
        )
        ticks = [100.0, 300.0, 1000.0, 3000.0, 10000.0]
        ax.set_yticks(
            [float(np.interp(np.log(t), np.log(edges), np.arange(len(edges)))) for t in ticks]
        )
        ax.set_yticklabels(["100", "300", "1k", "3k", "10k"])
        ax.set_xlabel("time (s)", fontsize=8)
        ax.set_ylabel("Hz", fontsize=8)
        ax.set_title(f"{spec.name}  ({spec.target_lufs:g} LUFS target)", fontsize=9)
        ax.tick_params(labelsize=7)
        fig.tight_layout(pad=0.3)
        out = directory / f"{spec.name}.png"
        fig.savefig(out, dpi=dpi)
        plt.close(fig)
        with Image.open(out) as image:
            image.convert("RGB").quantize(colors=16).save(out, optimize=True)
        written.append(out)
    return written
