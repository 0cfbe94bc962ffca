"""Synthetic voices from eSpeak NG (the PyPI wheel ``espeakng-loader``), made at test time.

Pseudo-words (random consonant-vowel syllables) in many eSpeak voices: a babble bed, the bot's
own speech and the caller's speech, with no recordings involved. eSpeak runs in synchronous
mode and needs no audio device. Every talker is rendered once per process, in a fixed order,
so a talker sounds the same whichever tests ran before.
"""

from __future__ import annotations

import functools

import numpy as np
import soxr

from roomtone.clips.synth.speech_espeak import Espeak, VoiceSettings, espeak_session

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
# Variants with breath noise (f2, f3, f5) draw from the C library's rand(): not reproducible.
_VOICES = [f"en-us+{v}" for v in ("m1", "m2", "m3", "m4", "f1", "f4", "m5", "m7")]


def _pseudo_words(rng: np.random.Generator, words: int) -> str:
    out = []
    for _ in range(words):
        syllables = rng.integers(1, 4)
        out.append(
            "".join(
                rng.choice(list(_CONSONANTS)) + rng.choice(list(_VOWELS)) for _ in range(syllables)
            )
        )
    return " ".join(out) + "."


TALKER_SECONDS = 12.0
BOT, CALLER, CROWD = 5, 42, tuple(range(100, 108))
_PAUSES = {BOT: 0.35, CALLER: 0.35, **dict.fromkeys(CROWD, 0.6)}


def _render(engine: Espeak, seed: int, pause_s: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    voice = _VOICES[seed % len(_VOICES)]
    pitch = int(rng.integers(30, 70))
    wpm = int(rng.integers(150, 200))
    settings = VoiceSettings(voice, rate_wpm=wpm, pitch=pitch)
    parts: list[np.ndarray] = []
    total = 0
    target = int(TALKER_SECONDS * engine.sample_rate)
    while total < target:
        speech = engine.speak(_pseudo_words(rng, int(rng.integers(3, 7))), settings)
        gap = np.zeros(int(rng.uniform(0.5, 1.5) * pause_s * engine.sample_rate))
        parts += [speech, gap]
        total += speech.shape[0] + gap.shape[0]
    return np.concatenate(parts)[:target]


@functools.cache
def _all_talkers() -> tuple[int, dict[int, np.ndarray]]:
    """Every talker the tests use, rendered once, always in the same order: eSpeak carries
    state from one utterance to the next even across reloads, so order fixes the sound."""
    with espeak_session() as engine:
        rendered = {seed: _render(engine, seed, pause) for seed, pause in _PAUSES.items()}
        return engine.sample_rate, rendered


@functools.cache
def talker(seed: int, seconds: float, rate: int) -> np.ndarray:
    """One voice (``BOT``, ``CALLER`` or one of the ``CROWD``) saying pseudo-word phrases
    with short pauses, ``seconds`` long (at most 12), RMS -20 dBFS over its active part."""
    native_rate, rendered = _all_talkers()
    out = soxr.resample(rendered[seed], native_rate, rate)[: int(seconds * rate)]
    active = out[np.abs(out) > 1e-3]
    return out * (0.1 / np.sqrt(np.mean(active**2)))


@functools.cache
def babble(seconds: float, rate: int, talkers: int = len(CROWD)) -> np.ndarray:
    """Many voices at once, a crowded room's murmur, normalised to -26 dBFS RMS (a bed mixed
    about 6 dB under the agent's voice)."""
    mix = np.zeros(int(seconds * rate))
    for i in range(talkers):
        voice = talker(CROWD[i], seconds + 1.0, rate)
        offset = int((i * 0.137 % 1.0) * rate)
        mix += voice[offset : offset + mix.shape[0]] * 10 ** (-(i % 4) * 2 / 20)
    return mix * (10 ** (-26 / 20) / np.sqrt(np.mean(mix**2)))


@functools.cache
def hold_music(seconds: float, rate: int) -> np.ndarray:
    """The built-in HOLD_MUSIC as roomtone decodes it, mono at ``rate``, -24 dBFS RMS."""
    from roomtone import AudioFormat, BuiltinAudioClip
    from roomtone.sources.loader import open_clip

    clip = open_clip(BuiltinAudioClip.HOLD_MUSIC, AudioFormat(rate, 1))
    assert clip.wait(int(seconds * rate), timeout=60), "HOLD_MUSIC did not decode"
    data = clip.frames()[:, 0].astype(np.float64)
    reps = int(np.ceil(seconds * rate / data.shape[0]))
    out = np.tile(data, reps)[: int(seconds * rate)]
    return out * (10 ** (-24 / 20) / np.sqrt(np.mean(out**2)))
