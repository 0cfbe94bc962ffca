"""Engine invariants: block size does not change the result; limiter; ramps; the mixer queue."""

from __future__ import annotations

import numpy as np
import pytest

from roomtone.engine.limiter import Limiter
from roomtone.engine.mixer import Mixer
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.ramp import EqualPowerFade, LinearRamp
from roomtone.engine.voice import Voice
from roomtone.format import AudioFormat
from roomtone.sources.clip import Clip

FMT = AudioFormat(48000, 1)


def render_all(block: int, seconds: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(4)
    clip = Clip.from_array(FMT, "noise", rng.normal(0, 0.05, (7919, 1)).astype(np.float32))
    mixer = Mixer(FMT)
    mixer.add_voice(Voice(ClipPlayback(clip, loop=True, overlap=500), fade_in=3000))
    voice = Voice(ClipPlayback(clip), volume=0.5)
    mixer.add_voice(voice)
    total = int(seconds * FMT.sample_rate)
    out, done = [], 0
    while done < total:
        n = min(block, total - done)
        if done <= 20000 < done + n:
            voice.set_volume(1.5, 4000)
        out.append(mixer.render(n).copy())
        done += n
    return np.concatenate(out)


@pytest.mark.parametrize("block", [1, 65, 8193])
def test_chunked_render_equals_one_shot(block: int) -> None:
    """Below the limiter threshold, block size changes nothing but command timing."""
    reference = render_all(480)
    result = render_all(block)
    # Commands land on block boundaries, so compare where both have applied them.
    np.testing.assert_allclose(result[:20000], reference[:20000], atol=1e-6)
    np.testing.assert_allclose(result[30000:], reference[30000:], atol=1e-6)


def test_volume_half_is_minus_6_02_db() -> None:
    clip = Clip.from_array(FMT, "dc", np.full((48000, 1), 0.5, np.float32))
    mixer = Mixer(FMT)
    mixer.add_voice(Voice(ClipPlayback(clip), volume=0.5, declick=1))
    block = mixer.render(4800)
    level = 20 * np.log10(np.abs(block[1000:]).mean() / 0.5)
    assert abs(level + 6.02) < 0.01


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


def test_ramps() -> None:
    ramp = LinearRamp(0.0)
    ramp.set(1.0, 100)
    values = ramp.advance(150)
    assert isinstance(values, np.ndarray)
    assert values[99] == pytest.approx(1.0) and values[-1] == 1.0 and not ramp.moving
    fade = EqualPowerFade(0.0)
    fade.to(1.0, 1000)
    gains = fade.advance(1000)
    assert isinstance(gains, np.ndarray)
    assert gains[499] == pytest.approx(np.sin(np.pi / 4), abs=1e-3)


def test_commands_apply_before_the_next_block() -> None:
    clip = Clip.from_array(FMT, "dc", np.full((48000, 1), 0.25, np.float32))
    mixer = Mixer(FMT)
    mixer.render(480)
    voice = Voice(ClipPlayback(clip), declick=1)
    mixer.submit(lambda: mixer.add_voice(voice))
    assert np.abs(mixer.render(480)[5:]).min() > 0.2
