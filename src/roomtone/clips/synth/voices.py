"""Unintelligible speech by source-filter synthesis: glottal pulses through moving formants.

A talker alternates talk spurts and pauses; a spurt is a chain of syllables, each a
random vowel (formant targets from published vowel averages) with an optional consonant
onset (fricative hiss, plosive burst). The syllables carry no language, so a mixture of
many talkers is babble that reads as people talking but never as words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomtone.clips.synth.circular import FloatArray, periodic_interp
from roomtone.clips.synth.noise import complex_gaussian, unit_rms
from roomtone.clips.synth.spectral import analyse, frame_freqs, synthesise

__all__ = ["Speaker", "random_speaker", "speak"]

# F1, F2, F3 (Hz) of ten English vowels, adult male averages (Peterson & Barney, 1952).
_VOWELS = np.array(
    [
        [270, 2290, 3010],
        [390, 1990, 2550],
        [530, 1840, 2480],
        [660, 1720, 2410],
        [730, 1090, 2440],
        [570, 840, 2410],
        [440, 1020, 2240],
        [300, 870, 2240],
        [640, 1190, 2390],
        [490, 1350, 1690],
    ],
    dtype=np.float64,
)
_HIGHER_FORMANTS = (3500.0, 4500.0)
_BANDWIDTHS = np.array([90.0, 110.0, 160.0, 250.0, 300.0])
# Consonant onsets: (probability, voiced?, hiss centre Hz, hiss width octaves, hiss level)
_ONSETS = (
    (0.30, True, 0.0, 0.0, 0.0),  # vowel or nasal/liquid onset: no hiss
    (0.16, False, 6000.0, 1.2, 0.5),  # s
    (0.08, False, 3200.0, 1.0, 0.45),  # sh
    (0.10, False, 4000.0, 3.0, 0.15),  # f / th / h
    (0.24, False, 1800.0, 3.5, 0.6),  # p t k burst
    (0.12, True, 2500.0, 3.0, 0.2),  # b d g / z / v: voiced with some noise
)
_ONSET_P = np.array([o[0] for o in _ONSETS]) / sum(o[0] for o in _ONSETS)


@dataclass(frozen=True)
class Speaker:
    """One talker: voice pitch, vocal tract size, pace and how much of the time they talk."""

    f0_hz: float
    formant_scale: float
    syllables_per_s: float
    talk_fraction: float
    spurt_s: float


def random_speaker(rng: np.random.Generator, talk_fraction: float, spurt_s: float) -> Speaker:
    """A random adult: half lower voices (~115 Hz), half higher (~205 Hz, shorter tract)."""
    if rng.random() < 0.5:
        f0, scale = 115.0 + 15.0 * rng.standard_normal(), 1.0 + 0.04 * rng.standard_normal()
    else:
        f0, scale = 205.0 + 22.0 * rng.standard_normal(), 1.16 + 0.04 * rng.standard_normal()
    return Speaker(
        f0_hz=float(np.clip(f0, 80.0, 280.0)),
        formant_scale=float(scale),
        syllables_per_s=float(rng.uniform(3.6, 5.4)),
        talk_fraction=float(np.clip(talk_fraction + 0.1 * rng.standard_normal(), 0.2, 0.95)),
        spurt_s=float(spurt_s * rng.uniform(0.7, 1.4)),
    )


def _spurts(rng: np.random.Generator, speaker: Speaker, count: int) -> list[tuple[int, int]]:
    """(start frame, length) of talk spurts covering a loop of ``count`` frames circularly."""
    pause_s = speaker.spurt_s * (1.0 - speaker.talk_fraction) / speaker.talk_fraction
    durations: list[float] = []
    while sum(durations) < count / 100.0 or len(durations) < 2:
        durations.append(rng.gamma(2.5, speaker.spurt_s / 2.5))
        durations.append(rng.gamma(2.0, pause_s / 2.0) + 0.15)
    edges = np.round(np.cumsum([0.0, *durations]) * count / sum(durations)).astype(int)
    offset = int(rng.integers(count))
    return [
        (int(edges[i] + offset) % count, int(edges[i + 1] - edges[i]))
        for i in range(0, len(durations), 2)
    ]


def _controls(rng: np.random.Generator, speaker: Speaker, count: int) -> dict[str, FloatArray]:
    """Per-frame (10 ms) voicing, hiss, hiss colour, pitch and formant targets."""
    voiced = np.zeros(count)
    hiss = np.zeros(count)
    hiss_centre = np.full(count, 3000.0)
    hiss_width = np.full(count, 2.0)
    centres: list[float] = []
    targets: list[FloatArray] = []
    pitch_at: list[float] = []
    pitch: list[float] = []
    for start, length in _spurts(rng, speaker, count):
        pos = 0
        while pos < length - 8:
            syl = int(
                np.clip(
                    100.0 / speaker.syllables_per_s * np.exp(0.3 * rng.standard_normal()), 9, 45
                )
            )
            syl = min(syl, length - pos)
            stress = float(rng.uniform(0.45, 1.0))
            kind = _ONSETS[int(rng.choice(len(_ONSETS), p=_ONSET_P))]
            onset = int(syl * rng.uniform(0.2, 0.4)) if kind[2] > 0.0 else 0
            idx = (start + pos + np.arange(syl)) % count
            u = np.arange(syl, dtype=np.float64)
            vowel_u = np.clip((u - onset + 1) / max(syl - onset, 1), 0.0, 1.0)
            voice_env = np.sin(np.pi * vowel_u) ** 0.6 * stress
            if kind[1] and onset:
                voice_env[:onset] = 0.3 * stress
            voiced[idx] = np.maximum(voiced[idx], voice_env)
            if onset:
                burst = (
                    np.exp(-u[:onset] / max(onset / 2.5, 1.0))
                    if kind[0] == 0.24
                    else np.hanning(onset + 2)[1:-1]
                )
                hiss[idx[:onset]] = kind[4] * stress * burst
                hiss_centre[idx[:onset]] = kind[2] * speaker.formant_scale
                hiss_width[idx[:onset]] = kind[3]
            centres.append(float(start + pos + onset + 0.4 * (syl - onset)))
            targets.append(_VOWELS[int(rng.integers(len(_VOWELS)))])
            declination = 1.12 - 0.22 * pos / max(length, 1)
            pitch_at.append(centres[-1])
            pitch.append(
                speaker.f0_hz * declination * (1.0 + 0.12 * stress * rng.uniform(-0.3, 1.0))
            )
            pos += syl
    if not centres:  # a talker who never talks would be a bug in the caller
        raise ValueError("speaker produced no syllables; loop too short")
    order = np.argsort(np.mod(centres, count))
    at = np.mod(np.asarray(centres), count)[order]
    formants = np.stack(targets)[order] * speaker.formant_scale
    tracks = {
        f"F{k + 1}": np.interp(np.arange(count), at, formants[:, k], period=count) for k in range(3)
    }
    pitch_order = np.argsort(np.mod(pitch_at, count))
    f0 = np.interp(
        np.arange(count),
        np.mod(pitch_at, count)[pitch_order],
        np.asarray(pitch)[pitch_order],
        period=count,
    )
    return {
        "voiced": voiced,
        "hiss": hiss,
        "hiss_centre": hiss_centre,
        "hiss_width": hiss_width,
        "pitch": f0,
        **tracks,
    }


def _resonance(centre: FloatArray, bandwidth: float, freqs: FloatArray) -> FloatArray:
    """|H(f)| of a two-pole resonance with unit gain at DC, for each centre (rows) and bin."""
    b = bandwidth / 2.0
    num = (b * b + centre * centre)[:, np.newaxis]
    den = np.sqrt((num - freqs * freqs) ** 2 + (2.0 * b * freqs) ** 2)
    return np.asarray(num / den, dtype=np.float64)


def _formant_envelope(ctrl: dict[str, FloatArray], freqs: FloatArray, scale: float) -> FloatArray:
    """Cascade of formant resonances per frame, shape (frames, bins).

    F1-F3 move with the vowels; F4 and F5 only depend on the talker, so they are one row.
    """
    fixed = np.ones(freqs.shape[0])
    for k, higher in enumerate(_HIGHER_FORMANTS):
        fixed *= _resonance(np.array([higher * scale]), _BANDWIDTHS[3 + k], freqs)[0]
    env = _resonance(ctrl["F1"], _BANDWIDTHS[0], freqs) * fixed
    for k in (2, 3):
        env *= _resonance(ctrl[f"F{k}"], _BANDWIDTHS[k - 1], freqs)
    return env


def _glottal_source(f0_frames: FloatArray, hop: int, sample_rate: int) -> FloatArray:
    """Derivative of a raised-cosine glottal flow pulse train with the given pitch track.

    The pitch track is nudged so the loop holds a whole number of glottal cycles.
    """
    count = f0_frames.shape[0]
    frames = count * hop
    centres = np.asarray(np.arange(count) * hop + hop / 2.0, dtype=np.float64)
    f0 = periodic_interp(centres, np.asarray(f0_frames, dtype=np.float64), frames)
    cycles = float(np.sum(f0) / sample_rate)
    f0 *= max(round(cycles), 1) / cycles
    phase = np.cumsum(f0 / sample_rate) % 1.0
    open_quotient = 0.6
    flow = np.where(
        phase < open_quotient, 0.5 - 0.5 * np.cos(2.0 * np.pi * phase / open_quotient), 0.0
    )
    return np.asarray(flow - np.roll(flow, 1), dtype=np.float64) * sample_rate / 1000.0


def speak(rng: np.random.Generator, speaker: Speaker, frames: int, sample_rate: int) -> FloatArray:
    """One talker as a mono loop of ``frames`` samples (RMS 1 while talking)."""
    hop = sample_rate // 100
    count = frames // hop
    ctrl = _controls(rng, speaker, count)
    freqs = frame_freqs(hop, sample_rate)
    formant = _formant_envelope(ctrl, freqs, speaker.formant_scale)
    source = analyse(_glottal_source(ctrl["pitch"], hop, sample_rate), hop)
    octs = np.log2(np.maximum(freqs, 1.0)[np.newaxis, :] / ctrl["hiss_centre"][:, np.newaxis])
    hiss_shape = np.exp(-0.5 * (octs / (ctrl["hiss_width"][:, np.newaxis] / 2.355)) ** 2)
    noise_gain = (
        ctrl["hiss"][:, np.newaxis] * hiss_shape + 0.03 * ctrl["voiced"][:, np.newaxis] * formant
    )
    voiced = source * (formant * ctrl["voiced"][:, np.newaxis])
    # Level the voiced part to RMS 1 while talking, measured on the spectra (Parseval) so
    # voiced and hiss can be synthesised in one pass.
    talking = ctrl["voiced"] > 0.2
    if talking.any():
        power = np.abs(voiced[talking]) ** 2
        energy = 2.0 * power.sum() - power[:, 0].sum() - power[:, -1].sum()
        voiced /= max(float(np.sqrt(energy / (2 * hop) / (talking.sum() * hop))), 1e-9)
    spectra = voiced + complex_gaussian(rng, noise_gain.shape) * (np.sqrt(hop) * noise_gain)
    out = unit_rms(synthesise(np.asarray(spectra, dtype=np.complex128), hop))
    return np.asarray(out * np.sqrt(speaker.talk_fraction), dtype=np.float64)
