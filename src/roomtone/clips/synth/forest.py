"""forest_ambience: wind in the leaves in gusts, a low wind bed, and a varied bird chorus."""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.beds import stereo_noise
from roomtone.clips.synth.birds import random_bird, sing
from roomtone.clips.synth.circular import FloatArray, fft_filter, rfft_freqs
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for, slope_shape, smooth_random
from roomtone.clips.synth.rooms import Room, reverberate, room_response

__all__ = ["forest_stems", "render_forest_ambience", "wind_in_leaves"]

FOREST = Room(
    rt60_s=0.9, hf_rt60_s=0.35, predelay_s=0.02, early_count=6, early_span_s=0.08, early_level=0.3
)
# Birds over the wind: louder and the wind reads as "environmental noise", softer and the
# forest turns to water at high playback levels.
_BIRDS_DB = 18.0
_WIND_BED = 0.3  # the low roar of wind in the canopy, under the leaves
_CHORUS = ("warbler", "whistler", "whistler", "trill", "chirper", "chirper", "cooer")


def wind_in_leaves(rng: np.random.Generator, frames: int, sample_rate: int) -> FloatArray:
    """Leaf rustle: bright noise whose level and flutter follow slow gusts, per side of the path.

    The gusts share a common part (the same wind) and a local part (different trees), so
    the stereo image breathes without being either mono or unrelated.
    """
    leaves = stereo_noise(rng, frames, sample_rate, slope_shape(-3.5, 400.0, 10000.0), 0.2)
    gust = 0.45 * smooth_random(rng, frames, sample_rate, 0.06)[:, np.newaxis]
    gust = gust + 0.3 * smooth_random(rng, frames, sample_rate, 0.12, channels=2)
    flutter = smooth_random(rng, frames, sample_rate, 9.0, channels=2)
    level = np.exp(0.9 * gust)
    rustle = leaves * level * (1.0 + 0.35 * np.tanh(level * flutter))
    bed = stereo_noise(rng, frames, sample_rate, slope_shape(-6.0, 25.0, 400.0), 0.6)
    return np.asarray(rustle + _WIND_BED * bed * np.exp(0.5 * gust), dtype=np.float64)


def forest_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """Wind and birds at their mix levels."""
    frames = round(duration_s * sample_rate)
    wind = wind_in_leaves(rng_for(seed, "wind"), frames, sample_rate)
    birds_rng = rng_for(seed, "birds")
    chorus = np.zeros((frames, 2))
    f = rfft_freqs(frames, sample_rate)
    for species in _CHORUS:
        bird = random_bird(birds_rng, species)
        song = sing(birds_rng, bird, frames, sample_rate) / bird.distance
        # Air and foliage absorb a far bird's highs.
        song = fft_filter(song, np.exp(-((f / 12000.0) ** 2) * bird.distance))
        chorus += pan(song, bird.position)
    chorus = reverberate(chorus, room_response(rng_for(seed, "room"), FOREST, sample_rate), -6.0)
    return {"wind": db(0.0) * wind, "birds": db(_BIRDS_DB) * chorus}


def render_forest_ambience(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Sum of :func:`forest_stems`."""
    return np.asarray(sum(forest_stems(seed, duration_s, sample_rate).values()), dtype=np.float64)
