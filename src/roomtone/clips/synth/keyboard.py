"""Keystroke synthesis after the mechanics of a real key, not a set of ringing modes.

One keystroke is: the fingertip meeting the cap (a faint tick), the cap bottoming out (a
broadband plastic clack of a few ms, with a couple of micro-rebounds), the keyboard's board
and case answering with a heavily damped low "thock" (gone within tens of ms), and 60-150 ms
later the release (the cap hitting its top stop: lighter and brighter). Nothing rings: a
resonance that rings is what makes a keystroke sound like a wood block. Each key has its own
colour (where it sits on the board), each stroke its own force and jitter, and the large
keys (space, enter, backspace, shift) are heavier, lower and rattle on their stabiliser wire.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from roomtone.clips.synth.circular import FloatArray, add_wrapped
from roomtone.clips.synth.typing_rhythm import Keystroke

__all__ = ["LAPTOP", "OFFICE_KEYBOARD", "Keyboard", "render_keystrokes"]


@dataclass(frozen=True)
class Keyboard:
    """Acoustic character of one keyboard."""

    clack_hz: float
    """Centre of the broadband bottom-out clack (its brightness)."""
    clack_decay_s: float
    """Decay time constant of the clack (a few ms: plastic on plastic)."""
    thock_hz: float
    """Centre of the damped board/case response under a letter key."""
    thock_decay_s: float
    thock_level: float
    large_thock_hz: float
    """Same for the space bar and other stabilised keys: lower, longer, louder."""
    release_level: float
    """Release (top-out) relative to the press."""
    release_s: tuple[float, float]
    """Range of the time a key stays down before its release."""


OFFICE_KEYBOARD = Keyboard(
    clack_hz=3400.0,
    clack_decay_s=0.008,
    thock_hz=420.0,
    thock_decay_s=0.006,
    thock_level=0.03,
    large_thock_hz=330.0,
    release_level=0.4,
    release_s=(0.07, 0.14),
)

LAPTOP = Keyboard(
    clack_hz=3200.0,
    clack_decay_s=0.008,
    thock_hz=650.0,
    thock_decay_s=0.004,
    thock_level=0.05,
    large_thock_hz=420.0,
    release_level=0.3,
    release_s=(0.06, 0.11),
)

_LARGE = {"space": 1.0, "enter": 0.9, "backspace": 0.8, "shift": 0.7}
_KEY_COUNT = 48
_EVENT_S = 0.06


def _key_identities(rng: np.random.Generator) -> list[tuple[float, float, float]]:
    """Fixed (clack colour, thock colour, level) per letter key: its place on the board."""
    clack = np.exp(0.18 * rng.standard_normal(_KEY_COUNT))
    thock = np.exp(0.2 * rng.standard_normal(_KEY_COUNT))
    level = np.exp(0.18 * rng.standard_normal(_KEY_COUNT))
    return list(zip(clack.tolist(), thock.tolist(), level.tolist(), strict=True))


def _burst(
    rng: np.random.Generator,
    sample_rate: int,
    centre_hz: float,
    *,
    octaves: float,
    decay_s: float,
    attack_s: float = 0.0002,
) -> FloatArray:
    """Band-limited noise with a fast attack and exponential decay: a damped, pitchless hit."""
    frames = round(_EVENT_S * sample_rate)
    t = np.arange(frames) / sample_rate
    env = (1.0 - np.exp(-t / attack_s)) * np.exp(-t / decay_s)
    nyquist = sample_rate / 2.0
    lo = max(20.0, centre_hz * 2.0 ** (-octaves / 2.0))
    hi = min(0.95 * nyquist, centre_hz * 2.0 ** (octaves / 2.0))
    sos = signal.butter(2, [lo, hi], "bandpass", fs=sample_rate, output="sos")
    # Filter the noise before shaping it: the envelope, not the filter, sets the decay.
    noise = signal.sosfilt(sos, rng.standard_normal(frames + 256))[256:]
    noise /= np.sqrt(np.mean(noise**2)) + 1e-12
    return np.asarray(env * noise)


def _hit(
    rng: np.random.Generator,
    keyboard: Keyboard,
    sample_rate: int,
    *,
    clack_hz: float,
    thock_hz: float,
    thock_level: float,
    thock_decay_s: float,
    rebounds: int,
) -> FloatArray:
    """One plastic collision: clack, micro-rebounds, damped board response."""
    decay = keyboard.clack_decay_s * float(rng.uniform(0.75, 1.3))
    centre = clack_hz * float(rng.uniform(0.85, 1.15))
    out = _burst(rng, sample_rate, centre, octaves=3.0, decay_s=decay)
    for _ in range(rebounds):
        at = round(float(rng.uniform(0.0007, 0.0035)) * sample_rate)
        centre = clack_hz * float(rng.uniform(0.9, 1.6))
        part = _burst(rng, sample_rate, centre, octaves=2.5, decay_s=decay * 0.6)
        out[at:] += float(rng.uniform(0.2, 0.5)) * part[: out.shape[0] - at]
    board = _burst(
        rng,
        sample_rate,
        thock_hz * float(rng.uniform(0.85, 1.15)),
        octaves=1.6,
        decay_s=thock_decay_s * float(rng.uniform(0.8, 1.25)),
        attack_s=0.0008,
    )
    return out + thock_level * board


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
        size = _LARGE.get(stroke.key, 0.0)
        if size:
            clack_hz = keyboard.clack_hz * 0.8
            thock_hz = keyboard.large_thock_hz / (0.8 + 0.2 * size)
            thock_level = keyboard.thock_level * (1.6 + size)
            thock_decay = keyboard.thock_decay_s * 2.2
            level = 1.0 + 0.4 * size
        else:
            clack_colour, thock_colour, level = identities[hash_key(stroke.key) % _KEY_COUNT]
            clack_hz = keyboard.clack_hz * clack_colour
            thock_hz = keyboard.thock_hz * thock_colour
            thock_level = keyboard.thock_level
            thock_decay = keyboard.thock_decay_s
        force = stroke.force * level
        start = round(stroke.time_s * sample_rate)
        # The fingertip meets the cap a few ms before it bottoms out.
        lead = round(float(rng.uniform(0.006, 0.02)) * sample_rate)
        tick = _burst(rng, sample_rate, clack_hz * 1.4, octaves=2.0, decay_s=0.001)
        add_wrapped(out, 0.08 * force * tick, start - lead)
        press = _hit(
            rng,
            keyboard,
            sample_rate,
            clack_hz=clack_hz,
            thock_hz=thock_hz,
            thock_level=thock_level,
            thock_decay_s=thock_decay,
            rebounds=int(rng.integers(1, 3)),
        )
        add_wrapped(out, force * press, start)
        if size:
            # Stabiliser wire: the far end of the bar lands a few ms later and rattles.
            rattle_at = start + round(float(rng.uniform(0.004, 0.009)) * sample_rate)
            rattle = _burst(rng, sample_rate, clack_hz * 1.3, octaves=2.5, decay_s=0.003)
            add_wrapped(out, 0.35 * force * rattle, rattle_at)
        low, high = keyboard.release_s
        hold = float(rng.uniform(low, high)) * (1.2 if size else 1.0)
        release = _hit(
            rng,
            keyboard,
            sample_rate,
            clack_hz=clack_hz * 1.25,
            thock_hz=thock_hz * 1.2,
            thock_level=0.5 * thock_level,
            thock_decay_s=0.7 * thock_decay,
            rebounds=int(rng.integers(0, 2)),
        )
        gain = keyboard.release_level * force * float(rng.uniform(0.7, 1.3))
        add_wrapped(out, gain * release, start + round(hold * sample_rate))
    return out


def hash_key(key: str) -> int:
    """Stable small hash of a key name (Python's hash() is salted per process)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(key))
