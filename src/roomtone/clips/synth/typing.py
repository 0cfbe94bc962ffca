"""The two keyboard clips: an operator typing close to the microphone (mono)."""

from __future__ import annotations

import numpy as np
from scipy import signal

from roomtone.clips.synth.circular import FloatArray, circular_sosfilt
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.keyboard import LAPTOP, OFFICE_KEYBOARD, Keyboard, render_keystrokes
from roomtone.clips.synth.noise import rng_for, slope_shape, spectral_noise
from roomtone.clips.synth.rooms import Room, reverberate, room_response
from roomtone.clips.synth.typing_rhythm import TypingStyle, typing_schedule

__all__ = ["render_keyboard_typing", "render_keyboard_typing2"]

_DESK = Room(rt60_s=0.35, hf_rt60_s=0.15, predelay_s=0.002, early_count=8, early_span_s=0.012)


def _typing(
    seed: int,
    duration_s: float,
    sample_rate: int,
    keyboard: Keyboard,
    style: TypingStyle,
    *,
    wet_db: float = -14.0,
    floor_db: float = -20.0,
) -> FloatArray:
    frames = round(duration_s * sample_rate)
    strokes = typing_schedule(rng_for(seed, "rhythm"), duration_s, style)
    dry = render_keystrokes(rng_for(seed, "keys"), keyboard, strokes, frames, sample_rate)
    room = room_response(rng_for(seed, "room"), _DESK, sample_rate, channels=1)
    wet = reverberate(dry, room, wet_db=wet_db)[:, 0]
    # Desk microphone: low cut against table thumps, a quiet room underneath the keys.
    highpass = signal.butter(2, 60.0, "highpass", fs=sample_rate, output="sos")
    out = circular_sosfilt(highpass, wet, warmup=sample_rate // 2)
    rms = float(np.sqrt(np.mean(out * out)))
    floor = spectral_noise(
        rng_for(seed, "floor"), frames, sample_rate, slope_shape(-4.0, 40.0, 9000.0)
    )
    out = out + rms * db(floor_db) * floor
    return out[:, np.newaxis]


def render_keyboard_typing(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Full-size office keyboard, steady prose with word gaps and the odd pause (~10 s)."""
    style = TypingStyle(interval_s=0.145, pause_chance=0.15, pause_s=0.6)
    return _typing(seed, duration_s, sample_rate, OFFICE_KEYBOARD, style)


def render_keyboard_typing2(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Laptop keyboard, a quicker short burst (~3.5 s) for brief thinking moments."""
    style = TypingStyle(interval_s=0.13, pause_chance=0.2, pause_s=0.45, correction_chance=0.1)
    return _typing(seed, duration_s, sample_rate, LAPTOP, style)
