"""hold_music: a calm 16-bar piece in F major that loops musically.

An 8-bar progression (Fmaj7 Dm9 Bbmaj7 Csus-C | Am7 Dm7 Gm7 C7sus4) is played twice
with a different arpeggio and melody each time; the last chord resolves into the first
bar, and notes ringing past the end wrap into the start, so the loop is one phrase.
The tempo follows the loop length: 48 s gives 80 BPM.
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.circular import FloatArray, add_wrapped, fft_resample
from roomtone.clips.synth.envelopes import db
from roomtone.clips.synth.instruments import bass, electric_piano, pad, vibraphone
from roomtone.clips.synth.mixing import pan
from roomtone.clips.synth.noise import rng_for
from roomtone.clips.synth.rooms import Room, reverberate, room_response

__all__ = ["BARS", "PROGRESSION", "hold_music_stems", "render_hold_music"]

BARS = 16
# (root MIDI note for the bass, chord tones as MIDI notes around middle C)
PROGRESSION: tuple[tuple[int, tuple[int, ...]], ...] = (
    (41, (57, 60, 64, 65)),  # Fmaj7
    (38, (57, 60, 62, 64)),  # Dm9
    (46, (57, 58, 62, 65)),  # Bbmaj7
    (36, (55, 60, 65, 67)),  # Csus4
    (45, (55, 60, 64, 67)),  # Am7
    (38, (57, 60, 62, 65)),  # Dm7
    (43, (55, 58, 62, 65)),  # Gm7
    (36, (55, 58, 65, 67)),  # C7sus4
)
_SCALE = np.array([0, 2, 4, 5, 7, 9, 11])  # F major, relative to F
_HALL = Room(rt60_s=2.0, hf_rt60_s=0.9, predelay_s=0.025, early_count=18, early_span_s=0.07)
_RHYTHMS = (
    ((0.0, 1.5), (1.5, 0.5), (2.0, 2.0)),
    ((0.0, 1.0), (1.0, 1.0), (2.0, 2.0)),
    ((0.0, 3.0),),
    ((0.5, 1.0), (1.5, 1.5), (3.0, 1.0)),
    ((0.0, 2.0), (2.5, 1.5)),
    (),
)


def _scale_notes(low: int, high: int) -> list[int]:
    return [n for n in range(low, high + 1) if (n - 65) % 12 in _SCALE]


def _melody(rng: np.random.Generator) -> list[tuple[float, float, int]]:
    """(start beat, length in beats, MIDI note) over 16 bars: stepwise, chord tones on beats."""
    notes: list[tuple[float, float, int]] = []
    scale = _scale_notes(65, 81)
    current = 72
    for bar in range(BARS):
        chord = PROGRESSION[bar % 8][1]
        if bar % 4 == 3:
            rhythm: tuple[tuple[float, float], ...] = ((0.0, 3.5),)  # phrase end: a long note
        elif bar % 8 == 0:
            rhythm = _RHYTHMS[int(rng.integers(0, 4))]
        else:
            rhythm = _RHYTHMS[int(rng.integers(len(_RHYTHMS)))]
        for start, length in rhythm:
            if start % 1.0 == 0.0:  # on the beat: nearest chord tone (any octave)
                options = [
                    n for n in scale if (n - chord[0]) % 12 in [(c - chord[0]) % 12 for c in chord]
                ]
            else:
                options = scale
            options = sorted(options, key=lambda n: abs(n - current) + 3.0 * rng.random())
            current = options[0] if abs(options[0] - current) <= 5 else options[1]
            notes.append((bar * 4 + start, length, current))
    return notes


def hold_music_stems(seed: int, duration_s: float, sample_rate: int) -> dict[str, FloatArray]:
    """Pad, piano, bass and melody as stereo stems at their mix levels."""
    frames = round(duration_s * sample_rate)
    beat = duration_s / (BARS * 4)
    rng = rng_for(seed, "performance")
    stems = {name: np.zeros((frames, 2)) for name in ("pad", "piano", "bass", "melody")}

    def put(stem: str, sound: FloatArray, at_beats: float, position: float) -> None:
        add_wrapped(stems[stem], pan(sound, position), round(at_beats * beat * sample_rate))

    # The pad has nothing above ~3 kHz: render it at a quarter rate, resample the loop once.
    pad_rate = sample_rate // 4
    pad_bus = np.zeros((frames // 4, 2))
    for bar in range(BARS):
        root, chord = PROGRESSION[bar % 8]
        for note in chord:
            left = pad(note, 4.0 * beat, -4.0, pad_rate)
            right = pad(note, 4.0 * beat, 4.0, pad_rate)
            add_wrapped(pad_bus, np.stack([left, right], axis=1), round(bar * 4 * beat * pad_rate))
        second_pass = bar >= 8
        pattern = [0, 1, 2, 3, 2, 1, 2, 3] if not second_pass else [0, 2, 1, 3, 1, 2, 3, 2]
        for step, idx in enumerate(pattern):
            if rng.random() < (0.12 if step else 0.0):
                continue  # leave a gap now and then: the arpeggio breathes
            velocity = float(
                np.clip((0.55 if step % 2 else 0.7) + 0.08 * rng.standard_normal(), 0.3, 0.9)
            )
            swing = 0.02 * rng.standard_normal()
            note = chord[idx] + (12 if second_pass and step == 7 else 0)
            put(
                "piano",
                electric_piano(note, 0.5 * beat, velocity, sample_rate),
                bar * 4 + step * 0.5 + swing,
                -0.35,
            )
        put("bass", bass(root, 2.8 * beat, 0.8, sample_rate), bar * 4, 0.0)
        put(
            "bass",
            bass(root + 7 if root + 7 < 48 else root - 5, 0.9 * beat, 0.6, sample_rate),
            bar * 4 + 3,
            0.0,
        )
    stems["pad"] = fft_resample(pad_bus, frames)
    for start, length, note in _melody(rng_for(seed, "melody")):
        velocity = float(np.clip(0.7 + 0.1 * rng.standard_normal(), 0.4, 0.95))
        put("melody", vibraphone(note, length * beat, velocity, sample_rate), start, 0.3)
    mix = {"pad": db(-20.0), "piano": db(-5.0), "bass": db(-3.0), "melody": db(-4.0)}
    return {name: mix[name] * stem for name, stem in stems.items()}


def render_hold_music(seed: int, duration_s: float, sample_rate: int) -> FloatArray:
    """Sum of :func:`hold_music_stems` in a small hall."""
    dry = np.asarray(
        sum(hold_music_stems(seed, duration_s, sample_rate).values()), dtype=np.float64
    )
    hall = room_response(rng_for(seed, "room"), _HALL, sample_rate)
    return reverberate(dry, hall, wet_db=-9.0)
