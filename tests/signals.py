"""Test signals and measurements: generated tones, levels in dB, band energy, seam jumps."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from roomtone.outputs import AudioOutput, write_wav


def tone(freq: float, seconds: float, rate: int = 48000, amp: float = 0.25, channels: int = 1):
    t = np.arange(round(seconds * rate)) / rate
    mono = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)


def tone_wav(
    path: Path,
    freq: float,
    seconds: float,
    rate: int = 48000,
    *,
    amp: float = 0.25,
    channels: int = 1,
) -> str:
    write_wav(path, tone(freq, seconds, rate, amp, channels), rate, "float32")
    return str(path)


def rms_db(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(10 * np.log10(np.mean(x**2) + 1e-20))


def band_db(x: np.ndarray, rate: int, freq: float, width: float = 30.0) -> float:
    """Level (dB re full-scale sine RMS) of the energy within ``width`` Hz of ``freq``."""
    mono = np.asarray(x, dtype=np.float64)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    if len(mono) == 0:
        return -200.0
    window = np.hanning(len(mono))
    spec = np.fft.rfft(mono * window)
    f = np.fft.rfftfreq(len(mono), 1 / rate)
    sel = np.abs(f - freq) <= width
    power = np.sum(np.abs(spec[sel]) ** 2) * 2 / (np.sum(window**2) * len(mono))
    return float(10 * np.log10(power + 1e-20))


def segment(x: np.ndarray, rate: int, start: float, end: float) -> np.ndarray:
    return x[round(start * rate) : round(end * rate)]


def max_jump(x: np.ndarray) -> float:
    """Largest sample-to-sample difference in any channel."""
    return float(np.max(np.abs(np.diff(x, axis=0)))) if len(x) > 1 else 0.0


async def assert_keeps_playing(
    out: AudioOutput, seconds: float = 0.3, patience: float = 10.0
) -> None:
    """A real-time output's audio goes on: ``seconds`` more of it arrive.

    A silenced clock never delivers again, so this fails after ``patience``; a machine that is
    only slow (shared CI cores) delivers late, and that passes. No wall-clock rate is asserted.
    """
    before = out.delivered_frames()
    want = out.format.frames(seconds)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while out.delivered_frames() - before < want:
        if loop.time() > deadline:
            gained = (out.delivered_frames() - before) / out.format.sample_rate
            raise AssertionError(f"only {gained:.3f} s of audio in {patience:.0f} s")
        await asyncio.sleep(0.02)
