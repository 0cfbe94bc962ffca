"""Physical-style impacts: a short exciter pulse ringing a bank of damped modes.

Keys, cups, doors and footsteps differ only in their modes (frequency, decay, weight)
and in how hard the exciter is; every call draws fresh noise and mode jitter, so no two
impacts are sample-identical (no audible copy-paste repetition).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomtone.clips.synth.circular import FloatArray

__all__ = ["Modes", "impact", "jitter"]


@dataclass(frozen=True)
class Modes:
    """Resonances of a struck object: frequencies (Hz), decay times (s) and amplitudes."""

    freqs: tuple[float, ...]
    decays: tuple[float, ...]
    amps: tuple[float, ...]

    def scaled(self, pitch: float = 1.0, decay: float = 1.0) -> Modes:
        """The same object, bigger or smaller (pitch) and more or less damped (decay)."""
        return Modes(
            tuple(f * pitch for f in self.freqs),
            tuple(d * decay for d in self.decays),
            self.amps,
        )


def jitter(rng: np.random.Generator, modes: Modes, spread: float) -> Modes:
    """Per-strike variation: each mode moves by up to ``spread`` (relative) in pitch and level."""
    k = len(modes.freqs)
    f = np.asarray(modes.freqs) * (1.0 + spread * rng.uniform(-1.0, 1.0, k))
    a = np.asarray(modes.amps) * (1.0 + 2.0 * spread * rng.uniform(-1.0, 1.0, k))
    d = np.asarray(modes.decays) * (1.0 + spread * rng.uniform(-1.0, 1.0, k))
    return Modes(tuple(f.tolist()), tuple(d.tolist()), tuple(np.abs(a).tolist()))


def impact(
    rng: np.random.Generator,
    modes: Modes,
    sample_rate: int,
    *,
    contact_s: float = 0.0005,
    noise: float = 0.2,
    length_s: float | None = None,
) -> FloatArray:
    """One strike: half-sine contact force (shorter = harder, brighter) through the modes.

    ``noise`` mixes a little broadband contact noise into the force (friction, rattle).
    The result peaks near 1 for a typical set of modes.
    """
    longest = max(modes.decays)
    frames = round((length_s if length_s is not None else 7.0 * longest) * sample_rate)
    t = np.arange(frames, dtype=np.float64) / sample_rate
    f = np.asarray(modes.freqs)[:, np.newaxis]
    d = np.asarray(modes.decays)[:, np.newaxis]
    a = np.asarray(modes.amps)[:, np.newaxis]
    phase = rng.uniform(-0.3, 0.3, (len(modes.freqs), 1))
    ringing = np.sum(a * np.exp(-t / d) * np.sin(2.0 * np.pi * f * t + phase), axis=0)
    contact = max(2, round(contact_s * sample_rate))
    force = np.sin(np.pi * (np.arange(contact) + 0.5) / contact)
    force = force * (1.0 + noise * rng.standard_normal(contact))
    out = np.convolve(force / force.sum(), ringing)[:frames]
    # Fade the last 10 % so a truncated tail never ends in a step.
    tail = max(1, frames // 10)
    out[-tail:] *= np.linspace(1.0, 0.0, tail)
    return np.asarray(out, dtype=np.float64)
