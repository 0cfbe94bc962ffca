"""What the built-in clips are, how each was made, and what the committed files measure.

Every clip is synthesised from a seed by :mod:`roomtone.clips.synth`; no recording or
third-party sample is involved. ``python -m roomtone.clips.generate`` renders them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from roomtone.analysis.loudness import integrated_loudness, true_peak_dbfs
from roomtone.clips import data_dir
from roomtone.clips.synth.call_center import render_call_center
from roomtone.clips.synth.city import render_city_ambience
from roomtone.clips.synth.coffee_shop import render_coffee_shop
from roomtone.clips.synth.crowd import render_crowded_room
from roomtone.clips.synth.forest import render_forest_ambience
from roomtone.clips.synth.hold_music import render_hold_music
from roomtone.clips.synth.office import render_office_ambience
from roomtone.clips.synth.room_tone import render_room_tone
from roomtone.clips.synth.typing import render_keyboard_typing, render_keyboard_typing2

__all__ = [
    "AMBIENCE_LUFS",
    "CLIPS",
    "MUSIC_LUFS",
    "ROOM_TONE_LUFS",
    "SAMPLE_RATE",
    "TRUE_PEAK_CEILING_DBFS",
    "TYPING_LUFS",
    "ClipInfo",
    "ClipSpec",
    "clip_names",
    "clip_path",
    "decode_clip",
    "describe_clips",
    "get_spec",
    "plot_spectrograms",
]

SAMPLE_RATE = 48000
# Loudness targets (integrated, BS.1770-4). Agent speech sits around -16 to -23 LUFS, so at
# volume 1.0 an ambience is 9-16 LU under it: clearly there, never competing.
AMBIENCE_LUFS = -32.0
# Typing is a foreground "I'm working on it" cue while the agent is silent: a little louder.
TYPING_LUFS = -28.0
# Hold music plays instead of speech, but callers may be talked over it: 3+ LU under speech.
MUSIC_LUFS = -26.0
# Room tone is comfort noise, meant to be felt rather than heard.
ROOM_TONE_LUFS = -45.0
TRUE_PEAK_CEILING_DBFS = -1.0

Renderer = Callable[[int, float, int], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class ClipSpec:
    """Recipe of one built-in clip: the generator, its seed, and the targets it is rendered to."""

    name: str
    description: str
    technique: str
    render: Renderer
    seed: int
    duration_s: float
    channels: int
    target_lufs: float
    bitrate: int


@dataclass(frozen=True)
class ClipInfo:
    """Measured facts about a committed clip file."""

    name: str
    path: Path
    description: str
    duration_s: float
    channels: int
    sample_rate: int
    integrated_lufs: float
    true_peak_dbfs: float
    target_lufs: float
    size_bytes: int


CLIPS: tuple[ClipSpec, ...] = (
    ClipSpec(
        "office_ambience",
        "Open-plan office: ventilation, distant murmur, a far keyboard, a phone, a door.",
        "Shaped-noise ventilation; 7 formant-synthesised talkers, far and low-passed; modal "
        "keystrokes, FM-free phone trill and modal door thud, reverberated by a synthetic room.",
        render_office_ambience,
        1101,
        60.0,
        2,
        AMBIENCE_LUFS,
        40000,
    ),
    ClipSpec(
        "keyboard_typing",
        "An operator typing on an office keyboard close to the microphone (~10 s).",
        "Modal keystroke synthesis (press, release, finger tick, stabiliser rattle on large "
        "keys) driven by a log-normal human typing rhythm with word gaps and pauses.",
        render_keyboard_typing,
        1201,
        10.0,
        1,
        TYPING_LUFS,
        40000,
    ),
    ClipSpec(
        "keyboard_typing2",
        "A short, quick burst of laptop typing (~3.5 s).",
        "Same keystroke model with a laptop's shallower, brighter modes and faster rhythm.",
        render_keyboard_typing2,
        1301,
        3.5,
        1,
        TYPING_LUFS,
        40000,
    ),
    ClipSpec(
        "city_ambience",
        "Street corner: traffic rumble, cars and trucks passing, distant horns and people.",
        "Pass-by model (spreading loss, air absorption, Doppler) for tyre noise and engine "
        "harmonics; brown-noise rumble; additive horns; footsteps and chatter in a street echo.",
        render_city_ambience,
        1401,
        60.0,
        2,
        AMBIENCE_LUFS,
        40000,
    ),
    ClipSpec(
        "forest_ambience",
        "Wind in the leaves and a varied bird chorus.",
        "Gust-modulated leaf noise; five invented bird species sung by FM whistles at "
        "gamma-distributed intervals, distance-filtered, in a diffuse outdoor response.",
        render_forest_ambience,
        1501,
        60.0,
        2,
        AMBIENCE_LUFS,
        40000,
    ),
    ClipSpec(
        "crowded_room",
        "A busy room: dense, unintelligible crowd babble, the odd laugh and glass.",
        "28 formant-synthesised talkers at random distances in a 1.1 s hall; voiced laughter "
        "pulses; modal glass clinks.",
        render_crowded_room,
        1601,
        45.0,
        2,
        AMBIENCE_LUFS,
        40000,
    ),
    ClipSpec(
        "hold_music",
        "Calm electric-piano and vibraphone piece in F major that loops as one phrase.",
        "16 bars over an 8-bar progression: FM electric piano arpeggios, additive pad, "
        "sine bass and a rule-composed vibraphone melody, in a synthetic hall.",
        render_hold_music,
        1701,
        48.0,
        2,
        MUSIC_LUFS,
        48000,
    ),
    ClipSpec(
        "call_center",
        "Contact-centre floor: agents on calls nearby, murmur, keyboards, air.",
        "4 near talkers in phone-call rhythm, 14 far talkers, modal keyboards and "
        "ventilation noise in a treated open-plan room.",
        render_call_center,
        1801,
        60.0,
        2,
        AMBIENCE_LUFS,
        40000,
    ),
    ClipSpec(
        "coffee_shop",
        "Café: customers talking, cups and spoons, grinder, steam wand and pump.",
        "12 formant talkers; modal ceramic cups and spoon taps; grinder (motor harmonics "
        "and crunch), steam hiss with gurgle, vibratory-pump buzz, knock box; café room.",
        render_coffee_shop,
        1901,
        60.0,
        2,
        AMBIENCE_LUFS,
        40000,
    ),
    ClipSpec(
        "room_tone",
        "Quiet neutral room: comfort noise that keeps silence from sounding dead.",
        "Pink-ish shaped noise with a faint low rumble, slightly decorrelated stereo.",
        render_room_tone,
        2001,
        30.0,
        2,
        ROOM_TONE_LUFS,
        32000,
    ),
)


def clip_names() -> list[str]:
    return [spec.name for spec in CLIPS]


def get_spec(name: str) -> ClipSpec:
    for spec in CLIPS:
        if spec.name == name:
            return spec
    raise KeyError(f"no built-in clip named {name!r}; choose from {', '.join(clip_names())}")


def clip_path(name: str, directory: Path | None = None) -> Path:
    return (directory if directory is not None else data_dir()) / f"{name}.ogg"


def decode_clip(path: Path) -> tuple[npt.NDArray[np.float32], int]:
    """Decode an audio file with PyAV to float32 (frames, channels) and its sample rate."""
    import av  # deferred: decoding is only needed when files are inspected

    chunks: list[npt.NDArray[np.float32]] = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = int(stream.codec_context.channels)
        rate = int(stream.codec_context.sample_rate)
        for frame in container.decode(stream):
            data = np.asarray(frame.to_ndarray(), dtype=np.float32)
            chunks.append(data.T if frame.format.is_planar else data.reshape(-1, channels))
    if not chunks:
        return np.zeros((0, channels), dtype=np.float32), rate
    return np.ascontiguousarray(np.concatenate(chunks, axis=0)), rate


def _selected(names: Sequence[str] | None) -> list[ClipSpec]:
    return list(CLIPS) if names is None else [get_spec(name) for name in names]


def describe_clips(
    directory: Path | None = None, names: Sequence[str] | None = None
) -> list[ClipInfo]:
    """Decode each committed clip (or the named ones) and measure duration, loudness, peak."""
    infos: list[ClipInfo] = []
    for spec in _selected(names):
        path = clip_path(spec.name, directory)
        samples, rate = decode_clip(path)
        infos.append(
            ClipInfo(
                name=spec.name,
                path=path,
                description=spec.description,
                duration_s=samples.shape[0] / rate,
                channels=samples.shape[1],
                sample_rate=rate,
                integrated_lufs=integrated_loudness(samples, rate),
                true_peak_dbfs=true_peak_dbfs(samples, rate),
                target_lufs=spec.target_lufs,
                size_bytes=path.stat().st_size,
            )
        )
    return infos


def _coarse_spectrogram(
    mono: npt.NDArray[np.float32], rate: int, columns: int, rows: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Power in dB on a coarse grid (columns in time x rows log-spaced from 40 Hz to Nyquist).

    Averaging into coarse cells shows the balance and events without the noise speckle that
    makes fine spectrogram images large.
    """
    from scipy import signal

    freqs, _, power = signal.spectrogram(mono, rate, nperseg=2048, noverlap=1024)
    edges = np.geomspace(40.0, rate / 2.0, rows + 1)
    band = np.clip(np.searchsorted(edges, freqs) - 1, 0, rows - 1)
    valid = (freqs >= 40.0)[:, np.newaxis]
    sums = np.zeros((rows, power.shape[1]))
    counts = np.zeros((rows, 1))
    np.add.at(sums, band, power * valid)
    np.add.at(counts, band, valid.astype(np.float64))
    filled = counts[:, 0] > 0
    banded = sums[filled] / counts[filled]
    # Low bands narrower than an FFT bin hold no bin: interpolate them from their neighbours.
    centres = np.arange(rows)
    banded = np.stack(
        [np.interp(centres, centres[filled], banded[:, t]) for t in range(banded.shape[1])], axis=1
    )
    cols = np.array_split(np.arange(power.shape[1]), min(columns, power.shape[1]))
    grid = np.stack([banded[:, c].mean(axis=1) for c in cols], axis=1)
    return 10.0 * np.log10(grid + 1e-14), edges


def plot_spectrograms(
    directory: Path,
    source: Path | None = None,
    width_px: int = 800,
    height_px: int = 300,
    names: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``<name>.png`` spectrograms (log frequency, dB) of every clip into ``directory``.

    Images are coarse, 16-colour palette PNGs so they stay small enough for the docs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    dpi = 100
    for spec in _selected(names):
        samples, rate = decode_clip(clip_path(spec.name, source))
        level, edges = _coarse_spectrogram(samples.mean(axis=1), rate, columns=240, rows=90)
        top = float(level.max())
        fig, ax = plt.subplots(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        ax.imshow(
            level,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            cmap="magma",
            vmin=top - 60.0,
            vmax=top,
            extent=(0.0, samples.shape[0] / rate, 0.0, float(len(edges) - 1)),
        )
        ticks = [100.0, 300.0, 1000.0, 3000.0, 10000.0]
        ax.set_yticks(
            [float(np.interp(np.log(t), np.log(edges), np.arange(len(edges)))) for t in ticks]
        )
        ax.set_yticklabels(["100", "300", "1k", "3k", "10k"])
        ax.set_xlabel("time (s)", fontsize=8)
        ax.set_ylabel("Hz", fontsize=8)
        ax.set_title(f"{spec.name}  ({spec.target_lufs:g} LUFS target)", fontsize=9)
        ax.tick_params(labelsize=7)
        fig.tight_layout(pad=0.3)
        out = directory / f"{spec.name}.png"
        fig.savefig(out, dpi=dpi)
        plt.close(fig)
        with Image.open(out) as image:
            image.convert("RGB").quantize(colors=16).save(out, optimize=True)
        written.append(out)
    return written
