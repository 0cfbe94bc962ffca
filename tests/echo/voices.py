"""Synthetic voices from eSpeak NG (the PyPI wheel ``espeakng-loader``), made at test time.

Pseudo-words (random consonant-vowel syllables) in many eSpeak voices: a babble bed, the bot's
own speech and the caller's speech, with no recordings involved. eSpeak runs in synchronous
mode and needs no audio device. Every talker is rendered once per process, in a fixed order,
so a talker sounds the same whichever tests ran before.
"""

from __future__ import annotations

import _ctypes
import ctypes
import functools

import numpy as np
import soxr

_SYNCHRONOUS = 0x02
_CHARS_UTF8 = 0x01
_RATE, _PITCH = 1, 3

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Espeak:
    def __init__(self) -> None:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.rate = lib.espeak_Initialize(
            _SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
        )
        assert self.rate > 0, "eSpeak NG did not initialise"
        self._lib = lib
        self._chunks: list[bytes] = []
        self._callback = _Callback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count, _events) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, 2 * count))
        return 0

    def speak(self, text: str, voice: str, pitch: int, wpm: int) -> np.ndarray:
        assert self._lib.espeak_SetVoiceByName(voice.encode()) == 0, voice
        self._lib.espeak_SetParameter(_RATE, wpm, 0)
        self._lib.espeak_SetParameter(_PITCH, pitch, 0)
        self._chunks = []
        data = text.encode()
        assert self._lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, _CHARS_UTF8, None, None) == 0
        return np.frombuffer(b"".join(self._chunks), np.int16).astype(np.float64) / 32768.0

    def close(self) -> None:
        self._lib.espeak_Terminate()
        _ctypes.dlclose(self._lib._handle)


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


def _render(engine: _Espeak, seed: int, pause_s: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    voice = _VOICES[seed % len(_VOICES)]
    pitch = int(rng.integers(30, 70))
    wpm = int(rng.integers(150, 200))
    parts: list[np.ndarray] = []
    total = 0
    target = int(TALKER_SECONDS * engine.rate)
    while total < target:
        speech = engine.speak(_pseudo_words(rng, int(rng.integers(3, 7))), voice, pitch, wpm)
        gap = np.zeros(int(rng.uniform(0.5, 1.5) * pause_s * engine.rate))
        parts += [speech, gap]
        total += speech.shape[0] + gap.shape[0]
    return np.concatenate(parts)[:target]


@functools.cache
def _all_talkers() -> tuple[int, dict[int, np.ndarray]]:
    """Every talker the tests use, rendered once, always in the same order: eSpeak carries
    state from one utterance to the next even across reloads, so order fixes the sound."""
    engine = _Espeak()
    try:
        return engine.rate, {seed: _render(engine, seed, pause) for seed, pause in _PAUSES.items()}
    finally:
        engine.close()


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
