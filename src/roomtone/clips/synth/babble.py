"""Many talkers at once: crowd, café and office murmur as a stereo bus.

Each talker is synthesised at a speech sample rate (16 or 24 kHz), placed in the stereo
image with a distance gain, and the bus is resampled to the output rate by a band-limited
FFT resampler, which is exact for a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomtone.clips.synth.circular import FloatArray, fft_filter, fft_resample, rfft_freqs
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.voices import random_speaker, speak

__all__ = ["Crowd", "babble"]


@dataclass(frozen=True)
class Crowd:
    """Who is talking and how far away they are."""

    talkers: int
    distance_m: tuple[float, float] = (1.5, 8.0)
    talk_fraction: float = 0.6
    spurt_s: float = 2.5
    width: float = 0.9
    """Stereo spread of talker positions (0 = all centre, 1 = full left to right)."""
    lowpass_hz: float = 6000.0
    """Upper limit of the murmur; lower for distant or muffled talk."""

    @property
    def voice_rate(self) -> int:
        """Lowest speech sample rate that still covers ``lowpass_hz`` (cheaper synthesis)."""
        return next(r for r in (8000, 12000, 16000, 24000, 48000) if r >= 2.4 * self.lowpass_hz)


def babble(rng: np.random.Generator, crowd: Crowd, frames: int, sample_rate: int) -> FloatArray:
    """Stereo (frames, 2) mix of ``crowd.talkers`` talkers; the nearest sits at about RMS 1."""
    voice_frames = frames * crowd.voice_rate // sample_rate
    bus = np.zeros((voice_frames, 2))
    near = crowd.distance_m[0]
    for _ in range(crowd.talkers):
        speaker = random_speaker(rng, crowd.talk_fraction, crowd.spurt_s)
        voice = speak(rng, speaker, voice_frames, crowd.voice_rate)
        # Distances uniform over the floor area: more far talkers than near ones.
        lo, hi = crowd.distance_m
        distance = float(np.sqrt(rng.uniform(lo * lo, hi * hi)))
        bus += pan(voice * near / distance, float(rng.uniform(-crowd.width, crowd.width)))
    f = rfft_freqs(voice_frames, crowd.voice_rate)
    gain = 1.0 / np.sqrt(1.0 + (f / crowd.lowpass_hz) ** 4)
    bus = fft_filter(bus, gain)
    return fft_resample(bus, frames)
