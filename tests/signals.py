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


def assert_fades_to_silence(x: np.ndarray, rate: int, ramp_seconds: float = 0.005) -> None:
    """The end of ``x`` falls from full level to silence over a ``ramp_seconds`` ramp, no click.

    Sound at full level until the ramp, its peak falling through the ramp's quarters (within
    the straight line's bounds, so neither a cut nor a slower fade passes), then only silence;
    no step at the end larger than the steady sound's own largest step plus the ramp's slope.
    """
    mono = np.asarray(x, np.float64)
    mono = mono[:, 0] if mono.ndim == 2 else mono
    quiet = 2 / 32768  # the rounding of 16-bit PCM
    loud = np.flatnonzero(np.abs(mono) > quiet)
    assert loud.size, "no sound at all"
    end = int(loud[-1]) + 1
    ramp = round(ramp_seconds * rate)
    steady = mono[end - ramp - round(0.05 * rate) : end - ramp]
    peak = float(np.abs(steady).max())
    assert peak > 0.05, f"not at full level before the ramp (peak {peak:.3f})"
    bound = max_jump(steady) + peak / ramp + quiet
    tail = mono[end - ramp - 1 : end + 1]
    assert max_jump(tail) <= bound, f"a step of {max_jump(tail):.4f} > {bound:.4f}: a click"
    q = ramp // 4
    for j in range(4):
        window = np.abs(mono[end - ramp + j * q : end - ramp + (j + 1) * q])
        assert window.max() <= peak * (1 - j / 4) + 0.01, f"quarter {j} not falling"
        assert window.max() >= peak * (1 - (j + 1) / 4) * 0.9 - 0.01, f"quarter {j} fell early"
    assert np.abs(mono[end:]).max(initial=0.0) <= quiet
