"""Pictures of a render: waveform level, spectrogram, and the agent states as coloured bands."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from roomtone.cli.scenario import Band
from roomtone.errors import MissingExtraError
from roomtone.samples import FloatArray

__all__ = ["can_plot", "plot_render", "require_plotting"]

_COLOURS = {
    "listening": "#4c78a8",
    "thinking": "#f58518",
    "tool": "#e45756",
    "speaking": "#54a24b",
    "idle": "#bab0ac",
    "initializing": "#bab0ac",
    "user": "#72b7b2",
    "filler": "#54a24b",
    "hold": "#b279a2",
    "closing": "#9d755d",
}


def can_plot() -> bool:
    """True if matplotlib (the ``plot`` extra) is installed."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def require_plotting(flag: str) -> None:
    """Fail before any work if a picture was asked for and matplotlib is missing."""
    if not can_plot():
        raise MissingExtraError(f"{flag} (plotting)", "plot")


def plot_render(
    audio: FloatArray,
    sample_rate: int,
    bands: Sequence[Band],
    path: str | os.PathLike[str],
    title: str = "roomtone render",
) -> None:
    """Write a PNG: short-term level in dBFS over the states, and a spectrogram."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtraError("plotting", "plot") from None
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    hop = max(1, sample_rate // 50)
    frames = len(mono) // hop
    rms = np.sqrt(np.mean(mono[: frames * hop].reshape(frames, hop) ** 2, axis=1) + 1e-12)
    times = (np.arange(frames) + 0.5) * hop / sample_rate
    fig, (ax_level, ax_spec) = plt.subplots(
        2, 1, figsize=(10, 5.5), sharex=True, gridspec_kw={"height_ratios": [1, 1.4]}
    )
    for band in bands:
        colour = _COLOURS.get(band.state, "#cccccc")
        for ax in (ax_level, ax_spec):
            ax.axvspan(band.start, band.end, color=colour, alpha=0.18, lw=0)
        if band.end - band.start >= 0.08 * (bands[-1].end - bands[0].start):  # room for a label
            ax_level.text(
                (band.start + band.end) / 2, -6, band.label or band.state, ha="center", fontsize=8
            )
    ax_level.plot(times, 20 * np.log10(rms), color="black", lw=0.8)
    ax_level.set_ylim(-80, 0)
    ax_level.set_ylabel("level (dBFS, 20 ms)")
    ax_level.set_title(title)
    ax_level.grid(alpha=0.3)
    # A -180 dB dither: digital silence (a bed paused under speech) has no log of zero.
    floor = np.random.default_rng(0).normal(0.0, 1e-9, len(mono))
    ax_spec.specgram(mono + floor, NFFT=1024, Fs=sample_rate, noverlap=512, cmap="magma", vmin=-140)
    ax_spec.set_ylabel("frequency (Hz)")
    ax_spec.set_xlabel("time (s)")
    ax_spec.set_ylim(0, min(sample_rate / 2, 12000))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
