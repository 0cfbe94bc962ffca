"""The mixer: block size does not change the result, levels, the command queue, the buses."""

from __future__ import annotations

import numpy as np
import pytest

from roomtone.engine.ducker import Ducking
from roomtone.engine.mixer import Mixer
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.voice import Bus, Voice
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


def test_commands_apply_before_the_next_block() -> None:
    clip = Clip.from_array(FMT, "dc", np.full((48000, 1), 0.25, np.float32))
    mixer = Mixer(FMT)
    mixer.render(480)
    voice = Voice(ClipPlayback(clip), declick=1)
    mixer.submit(lambda: mixer.add_voice(voice))
    assert np.abs(mixer.render(480)[5:]).min() > 0.2


def dc(level: float, frames: int = 48000) -> Clip:
    return Clip.from_array(FMT, "dc", np.full((frames, 1), level, np.float32))


def test_speech_passes_through_undimmed_by_master_or_ducking() -> None:
    """The SPEECH bus: the agent's voice is summed after master volume and ducking."""
    mixer = Mixer(FMT, ducking=Ducking(amount_db=20.0, attack=0.001), master_volume=0.5)
    mixer.add_voice(Voice(ClipPlayback(dc(0.2), loop=True), bus=Bus.BED, declick=1))
    mixer.ducker.agent_speaking = True
    speech = np.full((4800, 1), 0.3, np.float32)
    block = mixer.render(4800, speech)
    # bed 0.2 x master 0.5 x -20 dB = 0.01, plus the voice untouched
    assert block[-1, 0] == pytest.approx(0.3 + 0.01, abs=1e-4)


def test_speech_shares_the_one_limiter() -> None:
    mixer = Mixer(FMT, limiter_ceiling_db=-1.0)
    mixer.add_voice(Voice(ClipPlayback(dc(0.5), loop=True), declick=1))
    speech = np.full((4800, 1), 0.9, np.float32)
    block = mixer.render(4800, speech)
    assert np.abs(block).max() <= 10 ** (-1 / 20)


def test_idle_only_when_nothing_can_sound() -> None:
    mixer = Mixer(FMT)
    assert mixer.idle
    voice = Voice(ClipPlayback(dc(0.1, 480)), declick=1)
    mixer.submit(lambda: mixer.add_voice(voice))
    assert not mixer.idle  # a queued command
    mixer.render(240)
    assert not mixer.idle  # a voice playing
    mixer.render(480)
    assert mixer.idle and not mixer.render(480).any()
    mixer.master.set(0.5, 4800)
    assert not mixer.idle  # a ramp moving
