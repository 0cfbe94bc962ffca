"""Soft instruments for hold music: FM electric piano, vibraphone, warm pad and round bass.

Each voice renders one note as an array (so notes can wrap across the loop seam); all are
gentle in attack and dark in timbre because the music must sit under a conversation for
minutes without tiring the ear.
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.circular import FloatArray
from roomtone.clips.synth.envelopes import time_axis

__all__ = ["bass", "electric_piano", "midi_hz", "pad", "vibraphone"]


def midi_hz(note: float) -> float:
    """Equal-tempered frequency of a MIDI note number (A4 = 69 = 440 Hz)."""
    return float(440.0 * 2.0 ** ((note - 69.0) / 12.0))


# One cycle of the pad's waveform (six soft partials), read by phase: cheap for long notes.
_PAD_GRID = np.linspace(0.0, 1.0, 2048, endpoint=False)
_PAD_TABLE = sum(np.sin(2.0 * np.pi * k * _PAD_GRID + 0.7 * k) / k**2.2 for k in range(1, 7))


def _release(t: FloatArray, held_s: float, release_s: float) -> FloatArray:
    """1 while the key is down, then a smooth fall to 0 over ``release_s``."""
    u = np.clip((t - held_s) / release_s, 0.0, 1.0)
    return np.asarray(0.5 + 0.5 * np.cos(np.pi * u), dtype=np.float64)


def electric_piano(note: float, held_s: float, velocity: float, sample_rate: int) -> FloatArray:
    """Two-operator FM 'tine' piano: the modulation index decays, so the tone mellows."""
    f = midi_hz(note)
    length = round((held_s + 0.6) * sample_rate)
    t = time_axis(length, sample_rate)
    index = (0.4 + 1.4 * velocity) * np.exp(-t / 0.35)
    modulator = np.sin(2.0 * np.pi * f * t)
    tone = np.sin(2.0 * np.pi * f * t + index * modulator)
    bell = 0.06 * velocity * np.sin(2.0 * np.pi * 7.0 * f * t) * np.exp(-t / 0.08)
    attack = np.clip(t / 0.004, 0.0, 1.0)
    env = attack * np.exp(-t / (1.6 * (261.6 / f) ** 0.3)) * _release(t, held_s, 0.35)
    return np.asarray(velocity * env * (tone + bell), dtype=np.float64)


def vibraphone(note: float, held_s: float, velocity: float, sample_rate: int) -> FloatArray:
    """Struck bar: partials at 1, 4 and 10 times the fundamental, with a slow tremolo."""
    f = midi_hz(note)
    length = round((held_s + 1.2) * sample_rate)
    t = time_axis(length, sample_rate)
    tone = (
        np.sin(2.0 * np.pi * f * t) * np.exp(-t / 2.2)
        + 0.22 * np.sin(2.0 * np.pi * 4.0 * f * t) * np.exp(-t / 0.45)
        + 0.05 * np.sin(2.0 * np.pi * 10.0 * f * t) * np.exp(-t / 0.12)
    )
    tremolo = 1.0 - 0.18 * (0.5 - 0.5 * np.cos(2.0 * np.pi * 4.5 * t))
    attack = np.clip(t / 0.003, 0.0, 1.0)
    env = attack * tremolo * _release(t, held_s, 0.9)
    return np.asarray(velocity * env * tone, dtype=np.float64)


def pad(note: float, held_s: float, detune_cents: float, sample_rate: int) -> FloatArray:
    """Slow-swelling additive pad; ``detune_cents`` differs per channel for width."""
    f = midi_hz(note) * 2.0 ** (detune_cents / 1200.0)
    length = round((held_s + 1.2) * sample_rate)
    t = time_axis(length, sample_rate)
    tone = np.interp((f * t) % 1.0, _PAD_GRID, _PAD_TABLE, period=1.0)
    swell = 0.5 - 0.5 * np.cos(np.pi * np.clip(t / 0.9, 0.0, 1.0))
    env = swell * _release(t, held_s, 1.1)
    return np.asarray(env * tone, dtype=np.float64)


def bass(note: float, held_s: float, velocity: float, sample_rate: int) -> FloatArray:
    """Round upright-ish bass: fundamental and a little second harmonic, soft pluck."""
    f = midi_hz(note)
    length = round((held_s + 0.3) * sample_rate)
    t = time_axis(length, sample_rate)
    tone = np.sin(2.0 * np.pi * f * t) + 0.25 * np.sin(4.0 * np.pi * f * t) * np.exp(-t / 0.3)
    attack = np.clip(t / 0.015, 0.0, 1.0)
    env = attack * np.exp(-t / 1.8) * _release(t, held_s, 0.2)
    return np.asarray(velocity * env * tone, dtype=np.float64)
