"""A stand-in agent voice for previews: one close, unintelligible synthetic talker.

``roomtone demo`` and ``roomtone render --voice synthetic`` place it in the speaking segments
so ducking can be heard and seen without a recording.
"""

from __future__ import annotations

import numpy as np

from roomtone.analysis.loudness import gain_to_target
from roomtone.clips.synth.voices import Speaker, speak
from roomtone.sources.clip import FloatArray

__all__ = ["SPEECH_LUFS", "preview_voice"]

SPEECH_LUFS = -20.0
"""Typical agent speech loudness; the built-in beds sit 6 to 25 LU under it."""


def preview_voice(seconds: float, sample_rate: int = 48000, seed: int = 3) -> FloatArray:
    """Mono float32 speech-like audio shaped (frames, 1), at :data:`SPEECH_LUFS`."""
    rng = np.random.default_rng(seed)
    talker = Speaker(
        f0_hz=190.0, formant_scale=1.12, syllables_per_s=4.5, talk_fraction=0.85, spurt_s=2.2
    )
    frames = round(seconds * sample_rate)
    voice = speak(rng, talker, frames, sample_rate)[:, None]
    gain = gain_to_target(voice, sample_rate, SPEECH_LUFS)
    out: FloatArray = np.clip(voice * gain, -0.95, 0.95).astype(np.float32)
    return out
