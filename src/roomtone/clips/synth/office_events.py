"""Occasional office sounds: a desk phone ringing, a door closing, someone typing far away."""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.circular import FloatArray, add_wrapped
from roomtone.clips.synth.envelopes import fade_in_out, time_axis
from roomtone.clips.synth.impacts import Modes, impact, jitter
from roomtone.clips.synth.keyboard import OFFICE_KEYBOARD, render_keystrokes
from roomtone.clips.synth.typing_rhythm import TypingStyle, typing_schedule

__all__ = ["door_close", "far_typing", "phone_ring"]

_DOOR_PANEL = Modes(
    freqs=(62.0, 105.0, 170.0, 260.0, 410.0, 900.0),
    decays=(0.12, 0.10, 0.07, 0.05, 0.03, 0.015),
    amps=(1.0, 0.8, 0.6, 0.4, 0.25, 0.15),
)
_LATCH = Modes(
    freqs=(1900.0, 3100.0, 4600.0, 6800.0),
    decays=(0.012, 0.008, 0.006, 0.004),
    amps=(0.6, 0.8, 0.6, 0.4),
)


def phone_ring(rng: np.random.Generator, sample_rate: int, rings: int = 2) -> FloatArray:
    """Electronic desk-phone trill: two tones alternating ~16 times a second, 1 s on, 2 s off."""
    f_low = float(rng.uniform(900.0, 1050.0))
    f_high = f_low * float(rng.uniform(1.2, 1.3))
    on_frames = round(1.0 * sample_rate)
    period = round(3.0 * sample_rate)
    out = np.zeros(period * (rings - 1) + on_frames)
    t = time_axis(on_frames, sample_rate)
    select = (np.floor(t * 16.0) % 2.0) > 0.5
    freq = np.where(select, f_high, f_low)
    phase = 2.0 * np.pi * np.cumsum(freq) / sample_rate
    # Soft square-ish tone: a few odd harmonics, as a small speaker renders it.
    tone = np.sin(phase) + 0.3 * np.sin(3.0 * phase) + 0.1 * np.sin(5.0 * phase)
    ring = tone * fade_in_out(on_frames, sample_rate, 0.01, 0.03)
    for k in range(rings):
        out[k * period : k * period + on_frames] += ring
    return out


def door_close(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """A door swung shut: latch click, then the panel's low thud a few ms later."""
    latch = impact(rng, jitter(rng, _LATCH, 0.05), sample_rate, contact_s=0.0002)
    thud = impact(rng, jitter(rng, _DOOR_PANEL, 0.08), sample_rate, contact_s=0.004, noise=0.5)
    out = np.zeros(thud.shape[0] + sample_rate // 10)
    out[: latch.shape[0]] += 0.4 * latch
    lag = round(rng.uniform(0.005, 0.02) * sample_rate)
    out[lag : lag + thud.shape[0]] += thud
    return out


def far_typing(
    rng: np.random.Generator,
    frames: int,
    sample_rate: int,
    bursts: int,
    burst_s: tuple[float, float] = (2.5, 6.0),
) -> FloatArray:
    """A few bursts of someone typing at another desk (mono, unit-ish peak per stroke)."""
    out = np.zeros(frames)
    style = TypingStyle(interval_s=0.16, pause_chance=0.1)
    for _ in range(bursts):
        length = float(rng.uniform(*burst_s))
        strokes = typing_schedule(rng, length, style)
        burst_frames = round(length * sample_rate) + sample_rate // 4
        burst = render_keystrokes(rng, OFFICE_KEYBOARD, strokes, burst_frames, sample_rate)
        burst *= fade_in_out(burst_frames, sample_rate, 0.05, 0.25)
        add_wrapped(out, burst, int(rng.integers(frames)))
    return out
