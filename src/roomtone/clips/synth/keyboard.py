"""Keystroke synthesis: each key press is a bottom-out impact, each release a lighter top-out.

A keyboard is a set of modal resonances (keycap, plate, case, desk). Every key gets its
own fixed detuning (key identity), large keys (space, enter, backspace) get lower, longer
modes plus a stabiliser rattle, and every strike varies in force and timbre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomtone.clips.synth.circular import FloatArray, add_wrapped
from roomtone.clips.synth.impacts import Modes, impact, jitter
from roomtone.clips.synth.typing_rhythm import Keystroke

__all__ = ["LAPTOP", "OFFICE_KEYBOARD", "Keyboard", "render_keystrokes"]


@dataclass(frozen=True)
class Keyboard:
    """Acoustic character of one keyboard."""

    press: Modes
    """Modes excited when a letter key bottoms out."""
    large_key: Modes
    """Modes of the space bar / enter (bigger cap, stabiliser wire)."""
    release_pitch: float
    """Top-out clicks are smaller and higher than bottom-outs."""
    release_level: float
    contact_s: float
    """Duration of the bottom-out contact (shorter = clickier keyboard)."""
    click_level: float
    """Level of the broadband click at the instant of contact."""
    dwell_s: float
    """Typical time a key stays down."""


OFFICE_KEYBOARD = Keyboard(
    press=Modes(
        freqs=(310.0, 720.0, 1450.0, 2600.0, 3900.0, 5600.0, 7800.0),
        decays=(0.018, 0.012, 0.008, 0.006, 0.004, 0.003, 0.002),
        amps=(0.2, 0.25, 0.45, 0.8, 0.75, 0.5, 0.35),
    ),
    large_key=Modes(
        freqs=(140.0, 260.0, 560.0, 1100.0, 2300.0, 3700.0, 5200.0),
        decays=(0.035, 0.028, 0.018, 0.011, 0.007, 0.005, 0.003),
        amps=(0.35, 0.35, 0.4, 0.5, 0.6, 0.5, 0.3),
    ),
    release_pitch=1.25,
    release_level=0.35,
    contact_s=0.0002,
    click_level=0.3,
    dwell_s=0.095,
)

LAPTOP = Keyboard(
    press=Modes(
        freqs=(520.0, 1200.0, 2300.0, 3500.0, 4800.0, 6900.0),
        decays=(0.010, 0.007, 0.005, 0.004, 0.003, 0.002),
        amps=(0.25, 0.4, 0.7, 0.8, 0.55, 0.35),
    ),
    large_key=Modes(
        freqs=(230.0, 480.0, 950.0, 1900.0, 3100.0, 4700.0),
        decays=(0.025, 0.018, 0.012, 0.007, 0.005, 0.003),
        amps=(0.3, 0.35, 0.45, 0.6, 0.55, 0.35),
    ),
    release_pitch=1.15,
    release_level=0.25,
    contact_s=0.00015,
    click_level=0.22,
    dwell_s=0.08,
)

_LARGE = {"space": 1.0, "enter": 1.15, "backspace": 0.9, "shift": 0.75}
_KEY_COUNT = 48


def _key_identities(rng: np.random.Generator) -> list[tuple[float, float]]:
    """Fixed (pitch, level) per letter key: each key sounds a bit different, repeatably."""
    pitch = 1.0 + 0.06 * rng.standard_normal(_KEY_COUNT)
    level = np.exp(0.15 * rng.standard_normal(_KEY_COUNT))
    return list(zip(pitch.tolist(), level.tolist(), strict=True))


def _click(rng: np.random.Generator, sample_rate: int, level: float) -> FloatArray:
    """Broadband plastic clack at the moment of contact (a few ms of decaying bright noise)."""
    frames = max(8, round(0.008 * sample_rate))
    env = np.exp(-np.arange(frames) / (0.0012 * sample_rate))
    noise = rng.standard_normal(frames)
    noise = np.diff(noise, prepend=0.0)  # tilt up: the click is bright
    return np.asarray(level * env * noise / 2.0, dtype=np.float64)


def _strike(
    rng: np.random.Generator,
    modes: Modes,
    keyboard: Keyboard,
    sample_rate: int,
    *,
    force: float,
    click: float,
) -> FloatArray:
    body = impact(rng, jitter(rng, modes, 0.05), sample_rate, contact_s=keyboard.contact_s)
    head = _click(rng, sample_rate, click)
    body[: head.shape[0]] += head
    return force * body


def render_keystrokes(
    rng: np.random.Generator,
    keyboard: Keyboard,
    strokes: list[Keystroke],
    frames: int,
    sample_rate: int,
) -> FloatArray:
    """Mono loop of ``frames`` samples with every keystroke's press and release (wrapping)."""
    out = np.zeros(frames)
    identities = _key_identities(rng)
    for stroke in strokes:
        if stroke.key in _LARGE:
            size = _LARGE[stroke.key]
            modes = keyboard.large_key.scaled(pitch=1.0 / (0.85 + 0.15 * size))
            level = 1.1 * size
            dwell = keyboard.dwell_s * 1.25
        else:
            pitch, level = identities[hash_key(stroke.key) % _KEY_COUNT]
            modes = keyboard.press.scaled(pitch=pitch)
            dwell = keyboard.dwell_s
        force = stroke.force * level
        start = round(stroke.time_s * sample_rate)
        # Fingertip touching the cap a few ms before it bottoms out: a faint tick.
        lead = round(rng.uniform(0.004, 0.012) * sample_rate)
        tick = _click(rng, sample_rate, 0.05 * force)
        add_wrapped(out, tick, start - lead)
        press = _strike(rng, modes, keyboard, sample_rate, force=force, click=keyboard.click_level)
        add_wrapped(out, press, start)
        if stroke.key in _LARGE:
            # Stabiliser wire: the far end of the bar lands a few ms later.
            rattle_at = start + round(rng.uniform(0.003, 0.007) * sample_rate)
            rattle = _strike(
                rng, modes.scaled(pitch=1.3), keyboard, sample_rate, force=0.35 * force, click=0.1
            )
            add_wrapped(out, rattle, rattle_at)
        hold = dwell * float(np.exp(0.25 * rng.standard_normal()))
        release_at = start + round(hold * sample_rate)
        release = _strike(
            rng,
            modes.scaled(pitch=keyboard.release_pitch, decay=0.7),
            keyboard,
            sample_rate,
            force=keyboard.release_level * force * float(rng.uniform(0.7, 1.3)),
            click=0.6 * keyboard.click_level,
        )
        add_wrapped(out, release, release_at)
    return out


def hash_key(key: str) -> int:
    """Stable small hash of a key name (Python's hash() is salted per process)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(key))
