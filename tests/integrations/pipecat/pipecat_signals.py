"""Measurements for the Pipecat tests: tone levels in dBFS, jumps, PCM conversions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from roomtone.outputs import write_wav

Array = npt.NDArray[np.float64]


def sine(freq: float, seconds: float, rate: int, amp: float, channels: int = 1) -> Array:
    t = np.arange(round(seconds * rate)) / rate
    mono = amp * np.sin(2 * np.pi * freq * t)
    return np.repeat(mono[:, None], channels, axis=1)


def sine_wav(path: Path, freq: float, amp: float = 0.2, seconds: float = 2.0) -> str:
    """A 48 kHz mono sine file that loops cleanly (whole cycles)."""
    write_wav(path, sine(freq, seconds, 48000, amp).astype(np.float32), 48000, "float32")
    return str(path)


def pcm16(x: Array) -> bytes:
    return np.clip(np.rint(x * 32768), -32768, 32767).astype("<i2").tobytes()


def from_pcm16(data: bytes, channels: int) -> Array:
    return np.frombuffer(data, dtype="<i2").reshape(-1, channels).astype(np.float64) / 32768


def tone_db(x: Array, rate: int, freq: float) -> float:
    """Amplitude of the ``freq`` component in dBFS (a full-scale sine is 0 dB).

    A Hann-weighted projection: other tones a few hundred Hz away leak less than -60 dB.
    """
    mono = x.mean(axis=1) if x.ndim == 2 else x
    if len(mono) < 16:
        return -200.0
    w = np.hanning(len(mono))
    phasor = np.exp(-2j * np.pi * freq * np.arange(len(mono)) / rate)
    amplitude = 2 * abs(np.sum(w * mono * phasor)) / np.sum(w)
    return float(20 * np.log10(amplitude + 1e-12))


def sine_max_jump(freq: float, amp: float, rate: int) -> float:
    """The largest step a sine itself makes: anything much larger is a click."""
    return float(2 * amp * np.sin(np.pi * freq / rate))


BED_HZ, BED2_HZ, THINK_HZ, TOOL_HZ, EFFECT_HZ = 300.0, 450.0, 1000.0, 1900.0, 1300.0
TONE_AMP = 0.2  # every file peaks at -14 dBFS; at volume 0.5 a layer is at -20 dBFS


@dataclass(frozen=True)
class Tones:
    """Generated sounds, one frequency each, so every layer can be found in the spectrum."""

    bed: str  # 300 Hz
    bed2: str  # 450 Hz
    think: str  # 1000 Hz
    tool: str  # 1900 Hz
    effect: str  # 1300 Hz, 0.5 s


def make_tones(folder: Path) -> Tones:
    return Tones(
        bed=sine_wav(folder / "bed.wav", BED_HZ, TONE_AMP),
        bed2=sine_wav(folder / "bed2.wav", BED2_HZ, TONE_AMP),
        think=sine_wav(folder / "think.wav", THINK_HZ, TONE_AMP),
        tool=sine_wav(folder / "tool.wav", TOOL_HZ, TONE_AMP),
        effect=sine_wav(folder / "effect.wav", EFFECT_HZ, TONE_AMP, seconds=0.5),
    )
