"""The limiter: the ceiling holds exactly, with no clipping stage, and it releases."""

from __future__ import annotations

import numpy as np
import pytest

from roomtone.engine.limiter import Limiter


def test_limiter_never_exceeds_ceiling_and_releases() -> None:
    limiter = Limiter(48000, ceiling_db=-1.0)
    t = np.arange(48000) / 48000
    loud = (1.8 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)[:, None]
    quiet = (0.2 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)[:, None]
    out = []
    for signal in (loud, quiet):
        for i in range(0, 48000, 960):
            block = signal[i : i + 960].copy()
            limiter.process(block)
            out.append(block)
    audio = np.concatenate(out)
    assert np.abs(audio).max() <= 10 ** (-1 / 20) + 1e-6
    assert abs(np.abs(audio[-4800:]).max() - 0.2) < 0.002  # released back to unity


@pytest.mark.parametrize("block_size", [1, 65, 960, 8193])
def test_ceiling_holds_inside_the_attack_ramp(block_size: int) -> None:
    """A step from silence to +6 dBFS: the ramp alone would let the first frames through."""
    limiter = Limiter(48000, ceiling_db=-1.0)
    t = np.arange(48000) / 48000
    signal = np.concatenate([np.zeros(4800), 2.0 * np.sin(2 * np.pi * 1000 * t)])
    stereo = np.stack([signal, -0.5 * signal], axis=1).astype(np.float32)
    out = []
    for i in range(0, len(stereo), block_size):
        block = stereo[i : i + block_size].copy()
        limiter.process(block)
        out.append(block)
    audio = np.concatenate(out)
    assert np.abs(audio).max() <= 10 ** (-1 / 20)
    assert np.abs(audio[-4800:]).max() > 10 ** (-1.5 / 20)  # held near the ceiling, not crushed
