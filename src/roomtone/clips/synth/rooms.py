"""Synthetic room impulse responses: sparse early reflections plus a decaying diffuse tail.

The tail is noise whose decay rate rises with frequency (air and wall absorption), drawn
independently per channel so a mono source gains natural stereo width. Reverberation is
applied by circular convolution, so tails ring across the loop seam into the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomtone.clips.synth.circular import FloatArray, circular_convolve
from roomtone.clips.synth.spectral import frame_freqs, frame_times, stft_noise

__all__ = ["Room", "reverberate", "room_response"]

_HOP = 64


@dataclass(frozen=True)
class Room:
    """A room described by what one hears: reverberation time, brightness and reflections."""

    rt60_s: float
    """Reverberation time at low-mid frequencies."""
    hf_rt60_s: float
    """Reverberation time at 8 kHz (shorter: absorption grows with frequency)."""
    predelay_s: float = 0.01
    early_count: int = 12
    early_span_s: float = 0.05
    early_level: float = 0.5


def room_response(
    rng: np.random.Generator, room: Room, sample_rate: int, channels: int = 2
) -> FloatArray:
    """Impulse response (frames, channels) of unit energy per channel, without the direct path."""
    length = room.predelay_s + room.early_span_s + 1.2 * room.rt60_s
    frames = (round(length * sample_rate) // _HOP + 1) * _HOP
    freqs = frame_freqs(_HOP, sample_rate)
    times = frame_times(frames, _HOP, sample_rate) - room.predelay_s
    # Interpolate the decay time on a log-frequency axis between 500 Hz and 8 kHz.
    mix = np.clip(np.log2(np.maximum(freqs, 1.0) / 500.0) / 4.0, 0.0, 1.0)
    rt = room.rt60_s * (room.hf_rt60_s / room.rt60_s) ** mix
    decay = np.exp(-6.9078 * np.maximum(times, 0.0)[:, np.newaxis] / rt[np.newaxis, :])
    onset = np.clip(times / max(room.early_span_s, 1e-3), 0.0, 1.0)[:, np.newaxis]
    gains = decay * onset * (times >= 0.0)[:, np.newaxis]
    out = np.zeros((frames, channels))
    for ch in range(channels):
        tail = stft_noise(rng, gains, _HOP)
        early = np.zeros(frames)
        delays = room.predelay_s + rng.uniform(0.0, room.early_span_s, room.early_count)
        idx = np.minimum((delays * sample_rate).astype(int), frames - 1)
        amps = room.early_level * rng.choice([-1.0, 1.0], room.early_count)
        amps *= np.exp(-6.9078 * (delays - room.predelay_s) / room.rt60_s)
        np.add.at(early, idx, amps)
        tail /= np.sqrt(np.sum(tail * tail))
        response = tail + early
        out[:, ch] = response / np.sqrt(np.sum(response * response))
    return out


def reverberate(dry: FloatArray, response: FloatArray, wet_db: float) -> FloatArray:
    """Dry signal plus its reverberation ``wet_db`` relative to the dry level (stereo out).

    ``dry`` may be mono (n,) or stereo (n, 2). The room is excited by the mono sum, as a
    source anywhere in a room makes reverberation at both ears.
    """
    send = dry if dry.ndim == 1 else dry.sum(axis=1) / np.sqrt(dry.shape[1])
    wet = circular_convolve(send, response) * 10.0 ** (wet_db / 20.0)
    base = dry if dry.ndim == 2 else np.repeat(dry[:, np.newaxis], response.shape[1], axis=1)
    return np.asarray(base + wet, dtype=np.float64)
