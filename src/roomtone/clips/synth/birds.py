"""Birdsong from frequency-modulated whistles: several invented species, none periodic.

A syllable is a sine (plus a weak second harmonic) whose pitch follows a short contour;
a song is a phrase of syllables drawn from the individual's own repertoire, and each bird
sings at random, gamma-distributed intervals, so the chorus never falls into a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from roomtone.clips.synth.circular import FloatArray, add_wrapped

__all__ = ["SPECIES", "Bird", "random_bird", "sing"]


@dataclass(frozen=True)
class Bird:
    """One individual: its species' song generator, where it perches and how chatty it is."""

    species: str
    position: float
    distance: float
    """Relative distance (1 = near); sets level and air absorption."""
    mean_gap_s: float
    pitch: float
    """Individual pitch offset (birds of one species differ)."""


def _syllable(
    sample_rate: int, contour_hz: FloatArray, duration_s: float, harmonic: float
) -> FloatArray:
    """A whistle whose pitch glides through ``contour_hz`` over ``duration_s`` seconds."""
    count = max(8, round(duration_s * sample_rate))
    u = np.linspace(0.0, 1.0, count)
    freq = np.interp(u, np.linspace(0.0, 1.0, contour_hz.shape[0]), contour_hz)
    phase = 2.0 * np.pi * np.cumsum(freq) / sample_rate
    env = np.sin(np.pi * u) ** 1.5
    return np.asarray(env * (np.sin(phase) + harmonic * np.sin(2.0 * phase)), dtype=np.float64)


def _phrase(parts: list[tuple[float, FloatArray]], sample_rate: int) -> FloatArray:
    """Concatenate (start time, syllable) pairs into one phrase."""
    end = max(round(t * sample_rate) + s.shape[0] for t, s in parts)
    out = np.zeros(end)
    for t, s in parts:
        i = round(t * sample_rate)
        out[i : i + s.shape[0]] += s
    return out


def _warbler(rng: np.random.Generator, pitch: float, sr: int) -> FloatArray:
    """Fast run of varied down-sweeps ending in a short trill."""
    parts: list[tuple[float, FloatArray]] = []
    t = 0.0
    for _ in range(int(rng.integers(5, 11))):
        hi = pitch * rng.uniform(4500.0, 6500.0)
        contour = np.array([hi, hi * rng.uniform(0.55, 0.8), hi * rng.uniform(0.5, 0.7)])
        dur = float(rng.uniform(0.04, 0.08))
        parts.append((t, _syllable(sr, contour, dur, 0.1)))
        t += dur + float(rng.uniform(0.015, 0.04))
    base = pitch * rng.uniform(3500.0, 4500.0)
    for _ in range(int(rng.integers(4, 9))):
        parts.append((t, _syllable(sr, np.array([base * 1.2, base]), 0.03, 0.05)))
        t += 0.045
    return _phrase(parts, sr)


def _whistler(rng: np.random.Generator, pitch: float, sr: int) -> FloatArray:
    """Thrush-like: a few clear, slowly gliding notes with a little vibrato."""
    parts: list[tuple[float, FloatArray]] = []
    t = 0.0
    for _ in range(int(rng.integers(2, 6))):
        f = pitch * rng.uniform(1800.0, 3400.0)
        contour = (
            f * (1.0 + rng.uniform(-0.15, 0.15, 4)) * (1.0 + 0.015 * np.sin(np.arange(4) * 2.0))
        )
        dur = float(rng.uniform(0.12, 0.35))
        parts.append((t, _syllable(sr, contour, dur, 0.15)))
        t += dur + float(rng.uniform(0.04, 0.12))
    return _phrase(parts, sr)


def _trill(rng: np.random.Generator, pitch: float, sr: int) -> FloatArray:
    """Wren-like rattle: one chirp repeated 12-22 times a second for a second or two."""
    rate = float(rng.uniform(12.0, 22.0))
    hi = pitch * rng.uniform(6000.0, 7500.0)
    contour = np.array([hi, hi * 0.75, hi * 0.7])
    count = int(rng.uniform(1.0, 2.2) * rate)
    grow = np.minimum(1.0, (np.arange(count) + 1) / 4.0)
    parts = [
        (k / rate, grow[k] * _syllable(sr, contour * rng.uniform(0.98, 1.02), 0.6 / rate, 0.05))
        for k in range(count)
    ]
    return _phrase(parts, sr)


def _chirper(rng: np.random.Generator, pitch: float, sr: int) -> FloatArray:
    """Sparrow-like calls: one to four 'cheep' notes, up-down contour."""
    parts: list[tuple[float, FloatArray]] = []
    t = 0.0
    for _ in range(int(rng.integers(1, 5))):
        f = pitch * rng.uniform(2800.0, 4200.0)
        parts.append(
            (
                t,
                _syllable(
                    sr, np.array([f * 0.8, f * 1.15, f]), float(rng.uniform(0.06, 0.11)), 0.3
                ),
            )
        )
        t += float(rng.uniform(0.15, 0.35))
    return _phrase(parts, sr)


def _cooer(rng: np.random.Generator, pitch: float, sr: int) -> FloatArray:
    """Dove-like: soft low hoots, the second one longest."""
    parts: list[tuple[float, FloatArray]] = []
    t = 0.0
    f = pitch * rng.uniform(450.0, 560.0)
    for k, dur in enumerate((0.25, 0.55, 0.3, 0.3)[: int(rng.integers(3, 5))]):
        contour = np.array([f * 0.95, f * (1.08 if k == 1 else 1.0), f * 0.92])
        parts.append((t, _syllable(sr, contour, dur, 0.25)))
        t += dur + 0.12
    return _phrase(parts, sr)


SPECIES: dict[str, Callable[[np.random.Generator, float, int], FloatArray]] = {
    "warbler": _warbler,
    "whistler": _whistler,
    "trill": _trill,
    "chirper": _chirper,
    "cooer": _cooer,
}


def random_bird(rng: np.random.Generator, species: str) -> Bird:
    return Bird(
        species=species,
        position=float(rng.uniform(-0.9, 0.9)),
        distance=float(rng.uniform(1.0, 4.0)),
        mean_gap_s=float(rng.uniform(3.0, 9.0)),
        pitch=float(rng.uniform(0.92, 1.08)),
    )


def sing(rng: np.random.Generator, bird: Bird, frames: int, sample_rate: int) -> FloatArray:
    """Mono loop of one bird's phrases at random (gamma) intervals, wrapping at the seam."""
    out = np.zeros(frames)
    first = t = float(rng.uniform(0.0, bird.mean_gap_s))
    loop_s = frames / sample_rate
    song = SPECIES[bird.species]
    while True:
        phrase = song(rng, bird.pitch, sample_rate) * float(rng.uniform(0.6, 1.0))
        if t + phrase.shape[0] / sample_rate > loop_s + first - 0.3:
            break  # would run into this bird's first phrase after the seam
        add_wrapped(out, phrase, round(t * sample_rate))
        t += phrase.shape[0] / sample_rate + float(rng.gamma(1.8, bird.mean_gap_s / 1.8))
    return out
