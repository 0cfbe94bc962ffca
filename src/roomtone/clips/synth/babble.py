"""Many people talking at once: conversations of eSpeak NG talkers in a synthetic room.

Real babble is many overlapping talkers with prosody, consonant noise and the room's
reverberation. Talkers sit in conversation groups of two to four (or alone on a phone call);
a group takes turns, with short gaps, the odd overlap and longer lulls, so each voice has
natural talk spurts and pauses. Every turn is a string of pseudo-words
(:mod:`~roomtone.clips.synth.speech_pseudowords`) spoken by eSpeak NG
(:mod:`~roomtone.clips.synth.speech_espeak`) with the talker's own voice, pitch and pace.

Each talker reaches the listener twice: directly, falling 6 dB per doubling of distance and
duller when far or facing away, and through the room's diffuse field, which is about as loud
anywhere in the room. Far talkers are therefore mostly reverberation, as in a real room.
Everything is mixed at eSpeak's rate as a loop (turns wrap across the seam) and resampled
to the output rate with a band-limited FFT resampler, exact for a loop. eSpeak stops at
11 kHz; above that, noise that follows the 4-10 kHz band's envelope carries the sibilants
on, so the spectrum does not end at a wall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from roomtone.clips.synth.circular import (
    FloatArray,
    add_wrapped,
    circular_convolve,
    fft_filter,
    fft_resample,
    periodic_interp,
    rfft_freqs,
)
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import spectral_noise
from roomtone.clips.synth.rooms import Room, room_response
from roomtone.clips.synth.speech_espeak import Espeak, VoiceSettings, espeak_session
from roomtone.clips.synth.speech_pseudowords import common_word_sounds, utterance_text

__all__ = ["VOICES", "Crowd", "babble", "babble_in_room"]

# eSpeak NG variants that sound like ordinary adults (robots, whispers and cartoon voices
# left out, and those a sound classifier hears least as speech), split by register.
# Breathy variants (f2, f3, f5, Alicia, victor) are left out too: their breath noise is
# not repeatable from run to run, and the clips must be.
_LOWER = (
    *("m1", "m2", "m3", "m4", "m6", "m7", "Andy", "Gene", "Mike", "Denis", "Hugo", "michel"),
    *("paul", "adam", "benjamin", "edward"),
)
_HIGHER = ("f1", "f4", "Annie", "linda", "belinda", "steph", "aunty")
VOICES = (_LOWER, _HIGHER)
_LANGUAGE = "en-us"  # the phoneme table the pseudo-words are written in
_LEVEL = 6.0  # eSpeak speaks at RMS ~0.1-0.2: bring a near talker to about RMS 1


@dataclass(frozen=True)
class Crowd:
    """Who is talking, in what groups, how far away and how much of the time."""

    talkers: int
    distance_m: tuple[float, float] = (1.5, 8.0)
    talk_fraction: float = 0.6
    """Share of the time a conversation group has someone speaking (the rest are lulls)."""
    spurt_s: float = 2.5
    """Mean length of one turn."""
    width: float = 0.9
    """Stereo spread of talker positions (0 = all centre, 1 = full left to right)."""
    lowpass_hz: float = 6000.0
    """Upper limit of the murmur; lower for distant or muffled talk."""
    group_size: tuple[int, int] = (2, 4)
    """Smallest and largest conversation group; (1, 1) is people alone on phone calls."""
    laugh_chance: float = 0.0
    """Share of listeners' interjections that are a laugh rather than a word or two."""
    critical_distance_m: float = 2.0
    """Where direct sound and reverberation are equally loud (larger in a deader room)."""
    stereo_width: float = 0.5
    """Side (L-R) level relative to a fully decorrelated room. Half still sounds wide, and
    keeps the bed codable: at 40 kb/s, Opus turned a full-width crowd into watery noise
    (a listener's "Speech" fell from 0.79 to 0.36; with half the width it stays 0.79)."""

    def __post_init__(self) -> None:
        lo, hi = self.distance_m
        problems = [
            (self.talkers < 1, f"talkers must be at least 1, got {self.talkers}"),
            (
                not 0.0 < lo <= hi,
                f"distance_m must be (near, far) with 0 < near <= far, got {self.distance_m}",
            ),
            (
                not 0.0 < self.talk_fraction <= 1.0,
                f"talk_fraction must be in (0, 1], got {self.talk_fraction}",
            ),
            (
                not 1 <= self.group_size[0] <= self.group_size[1],
                "group_size must be (smallest, largest) with 1 <= smallest <= largest, "
                f"got {self.group_size}",
            ),
            (
                not 0.0 <= self.laugh_chance <= 1.0,
                f"laugh_chance must be in [0, 1], got {self.laugh_chance}",
            ),
            (
                not 0.0 <= self.stereo_width <= 1.0,
                f"stereo_width must be in [0, 1], got {self.stereo_width}",
            ),
        ]
        for bad, message in problems:
            if bad:
                raise ValueError(message)


@dataclass(frozen=True)
class _Talker:
    settings: VoiceSettings
    distance_m: float
    position: float
    level: float
    dullness_hz: float
    size: float
    """Vocal tract size as a playback speed (1 = as eSpeak made it): 8 % up or down moves
    formants, pitch and eSpeak's fixed consonant spectra, so no two talkers share them."""


def _talker(rng: np.random.Generator, distance_m: float, position: float) -> _Talker:
    register = VOICES[int(rng.integers(2))]
    variant = register[int(rng.integers(len(register)))]
    return _Talker(
        settings=VoiceSettings(
            voice=f"{_LANGUAGE}+{variant}",
            rate_wpm=int(rng.uniform(170, 240)),
            pitch=int(rng.uniform(30, 72)),
            # Lively intonation: flatter voices, summed, drift towards a sustained chord.
            pitch_range=int(rng.uniform(65, 100)),
        ),
        distance_m=distance_m,
        position=position,
        level=float(10.0 ** (rng.normal(0.0, 2.5) / 20.0)),
        # Facing away and distance both take the highs off the direct sound.
        dullness_hz=float(rng.uniform(2500.0, 9000.0) * np.clip(4.0 / distance_m, 0.35, 1.0)),
        size=float(rng.uniform(0.92, 1.08)),
    )


def _groups(rng: np.random.Generator, crowd: Crowd) -> list[list[_Talker]]:
    """Talkers gathered into conversation groups, each at one spot in the room."""
    lo, hi = crowd.distance_m
    groups: list[list[_Talker]] = []
    left = crowd.talkers
    while left > 0:
        size = min(left, int(rng.integers(crowd.group_size[0], crowd.group_size[1] + 1)))
        left -= size
        # Uniform over the floor area: more far groups than near ones.
        spot = float(np.sqrt(rng.uniform(lo * lo, hi * hi)))
        side = float(rng.uniform(-crowd.width, crowd.width))
        groups.append(
            [
                _talker(
                    rng,
                    float(np.clip(spot * rng.uniform(0.85, 1.15), lo, hi)),
                    float(np.clip(side + rng.uniform(-0.08, 0.08), -1.0, 1.0)),
                )
                for _ in range(size)
            ]
        )
    return groups


def _turn(
    rng: np.random.Generator, engine: Espeak, talker: _Talker, seconds: float, avoid: frozenset[str]
) -> FloatArray:
    """One turn of about ``seconds``, spoken with a little variation of pace and pitch."""
    words = max(1, round(seconds * talker.settings.rate_wpm / 60.0 * 0.85))
    base = talker.settings
    settings = VoiceSettings(
        voice=base.voice,
        rate_wpm=int(base.rate_wpm * rng.uniform(0.92, 1.08)),
        pitch=int(np.clip(base.pitch + rng.normal(0.0, 4.0), 0, 100)),
        pitch_range=int(np.clip(base.pitch_range + rng.normal(0.0, 10.0), 10, 100)),
    )
    voice = engine.speak(utterance_text(rng, words, avoid), settings)
    # A little more per turn (effort, posture), so even the consonants of one talker do not
    # line up into steady spectral lines over a minute.
    speed = talker.size * (1.0 + 0.012 * float(rng.standard_normal()))
    voice = np.asarray(signal.resample_poly(voice, 1000, round(1000 * speed)), dtype=np.float64)
    return voice * (_LEVEL * talker.level * float(10.0 ** (rng.normal(0.0, 1.5) / 20.0)))


def _laugh(rng: np.random.Generator, engine: Espeak, talker: _Talker) -> FloatArray:
    """A short laugh in the talker's voice: two to five quick, high, breathy 'ha's."""
    vowel = str(rng.choice(["a:", "a", "@", "E"]))
    count = int(rng.integers(2, 6))
    text = "[[" + " ".join(f"h'{vowel}" if k == 0 else f"h{vowel}" for k in range(count)) + "]]."
    base = talker.settings
    settings = VoiceSettings(
        voice=base.voice,
        rate_wpm=int(rng.uniform(260, 330)),
        pitch=int(np.clip(base.pitch + rng.uniform(10.0, 25.0), 0, 100)),
        pitch_range=100,
    )
    voice = engine.speak(text, settings)
    voice = np.asarray(signal.resample_poly(voice, 1000, round(1000 * talker.size)))
    return voice * (_LEVEL * talker.level * 0.8)


def _conversation(
    rng: np.random.Generator,
    engine: Espeak,
    *,
    group: list[_Talker],
    crowd: Crowd,
    loop_s: float,
    avoid: frozenset[str],
) -> list[tuple[int, float, FloatArray]]:
    """(talker index, start s, samples) of a group's turns over one loop."""
    turns: list[tuple[int, float, FloatArray]] = []
    # Mean lull that makes the group talk ``talk_fraction`` of the time.
    lull_s = crowd.spurt_s * (1.0 - crowd.talk_fraction) / max(crowd.talk_fraction, 0.05)
    t = float(rng.uniform(0.0, 2.0))
    speaker = int(rng.integers(len(group)))
    while t < loop_s:
        seconds = float(np.clip(rng.gamma(2.2, crowd.spurt_s / 2.2), 0.4, 4.0 * crowd.spurt_s))
        voice = _turn(rng, engine, group[speaker], seconds, avoid)
        turns.append((speaker, t, voice))
        length = voice.shape[0] / engine.sample_rate
        if len(group) > 1 and rng.random() < 0.3:  # a listener's reply or laugh mid-turn
            other = (speaker + 1 + int(rng.integers(len(group) - 1))) % len(group)
            if rng.random() < crowd.laugh_chance:
                reply = _laugh(rng, engine, group[other])
            else:
                reply = _turn(rng, engine, group[other], 0.3, avoid) * 0.7
            turns.append((other, t + float(rng.uniform(0.3, 0.8)) * length, reply))
        if len(group) == 1:  # on the phone: the other side talks now
            gap = float(rng.gamma(2.0, lull_s / 2.0)) + 0.3
        else:
            gap = float(np.clip(rng.normal(0.2, 0.3), -0.4, 1.0))
            if rng.random() < 0.35:
                gap += float(rng.gamma(2.0, lull_s / 2.0 / 0.35))
            speaker = (speaker + 1 + int(rng.integers(len(group) - 1))) % len(group)
        t += length + gap
    return turns


def _dull(voice: FloatArray, cutoff_hz: float, sample_rate: int) -> FloatArray:
    """Second-order low-pass of one (zero-padded) turn: distance and head direction."""
    sos = signal.butter(2, min(cutoff_hz, 0.45 * sample_rate), fs=sample_rate, output="sos")
    padded = np.concatenate([voice, np.zeros(sample_rate // 50)])
    return np.asarray(signal.sosfilt(sos, padded), dtype=np.float64)


def _buses(
    rng: np.random.Generator, crowd: Crowd, frames: int, sample_rate: int
) -> tuple[FloatArray, FloatArray, int]:
    """Direct stereo bus and the mono reverberation send, at eSpeak's rate, and that rate."""
    avoid = common_word_sounds()
    groups = _groups(rng, crowd)
    loop_s = frames / sample_rate
    with espeak_session() as engine:
        rate = engine.sample_rate
        count = round(loop_s * rate)
        direct = np.zeros((count, 2))
        send = np.zeros(count)
        offset = int(rng.integers(count))
        near = crowd.distance_m[0]
        for group in groups:
            start = int(rng.integers(count))
            for index, at_s, voice in _conversation(
                rng, engine, group=group, crowd=crowd, loop_s=loop_s, avoid=avoid
            ):
                talker = group[index]
                at = offset + start + round(at_s * rate)
                dry = _dull(voice, talker.dullness_hz, rate) * (near / talker.distance_m)
                add_wrapped(direct, pan(dry, talker.position), at)
                add_wrapped(send, voice * (near / crowd.critical_distance_m), at)
    return direct, send, rate


def _highs(
    rng: np.random.Generator,
    voiced: FloatArray,
    voice_rate: int,
    *,
    frames: int,
    sample_rate: int,
    lowpass_hz: float,
) -> FloatArray:
    """The band above the voices' Nyquist: noise that follows their 4 kHz-to-edge envelope.

    The envelope is taken at the voice rate (cheap) and stretched to the output rate.
    """
    edge = 0.45 * voice_rate
    f = rfft_freqs(voiced.shape[0], voice_rate)
    band = fft_filter(voiced, ((f > 4000.0) & (f < edge)).astype(np.float64))
    envelope = np.maximum(fft_filter(np.abs(band), 1.0 / (1.0 + (f / 60.0) ** 2)), 0.0)
    at = np.arange(voiced.shape[0]) * (frames / voiced.shape[0])
    stretched = np.stack(
        [periodic_interp(at, envelope[:, c], frames) for c in range(envelope.shape[1])], axis=1
    )

    start = 0.36 * voice_rate  # where eSpeak's output starts to roll off (~8 kHz)

    def shape(freq: FloatArray) -> FloatArray:
        slope = (np.maximum(freq, 1.0) / edge) ** -1.0
        onset = np.clip((freq - start) / (edge - start), 0.0, 1.0)  # crossfade, no notch
        return np.asarray(slope * onset / np.sqrt(1.0 + (freq / lowpass_hz) ** 4))

    noise = spectral_noise(rng, frames, sample_rate, shape, channels=2, correlation=0.3)
    return np.asarray(0.3 * stretched * noise, dtype=np.float64)


def _finish(
    rng: np.random.Generator, bus: FloatArray, crowd: Crowd, rate: int, frames: int
) -> FloatArray:
    """Low-pass and narrow the voice-rate bus, resample it, and extend it above 11 kHz."""
    sample_rate = round(frames * rate / bus.shape[0])
    mid = bus.mean(axis=1, keepdims=True)
    narrowed = mid + crowd.stereo_width * (bus - mid)
    f = rfft_freqs(bus.shape[0], rate)
    voiced = fft_filter(narrowed, 1.0 / np.sqrt(1.0 + (f / crowd.lowpass_hz) ** 4))
    out = fft_resample(voiced, frames)
    if sample_rate / 2.0 > 0.5 * rate:
        out += _highs(
            rng,
            voiced,
            rate,
            frames=frames,
            sample_rate=sample_rate,
            lowpass_hz=crowd.lowpass_hz,
        )
    return out


def babble(rng: np.random.Generator, crowd: Crowd, frames: int, sample_rate: int) -> FloatArray:
    """Dry stereo (frames, 2) of the crowd's direct sound; the nearest at about RMS 1.

    For a scene that adds its own reverberation; :func:`babble_in_room` places the crowd
    in a room, with far talkers more reverberant than near ones.
    """
    direct, _, rate = _buses(rng, crowd, frames, sample_rate)
    return _finish(rng, direct, crowd, rate, frames)


def babble_in_room(
    rng: np.random.Generator, crowd: Crowd, room: Room, frames: int, sample_rate: int
) -> FloatArray:
    """Stereo (frames, 2) of the crowd in ``room``: direct sound plus the diffuse field."""
    direct, send, rate = _buses(rng, crowd, frames, sample_rate)
    response = room_response(rng, room, rate)
    wet = circular_convolve(send, response)
    return _finish(rng, direct + wet, crowd, rate, frames)
