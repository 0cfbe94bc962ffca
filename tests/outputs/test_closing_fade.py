"""Closing a player fades the mix out over the de-click ramp before the output stops.

Through a real file output paced by a manual clock: the WAV written is what a listener would
have heard, and its end must fall to silence over 5 ms without a step (a cut is a click).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from roomtone import AudioConfig, BackgroundAudioPlayer, OfflineRenderer, WavFileOutput
from roomtone.outputs.clock import RealtimeClock
from roomtone.outputs.timebase import ManualTime
from signals import assert_fades_to_silence, max_jump


@pytest.mark.parametrize(("rate", "block"), [(48000, 0.02), (16000, 0.01), (44100, 0.1)])
async def test_aclose_fades_the_mix_out_through_a_file(
    tmp_path: Path, tone_file: Callable[..., str], rate: int, block: float
) -> None:
    path = tmp_path / "closing.wav"
    out = WavFileOutput(path, rate, 1, frame_duration=block)
    time = ManualTime()
    out.clock = RealtimeClock(time)
    bed = AudioConfig(tone_file(440, 4.0, rate, amp=0.5), fade_in=0.0)
    player = BackgroundAudioPlayer(ambient_sound=bed, ducking=False)
    await player.start(output=out)
    async with asyncio.timeout(30):  # 0.3 s of bed first (it decodes on a thread)
        while out.delivered_frames() < rate * 0.3:
            await time.advance(block)
            await asyncio.sleep(0.001)
    await time.drive(player.aclose(), block)
    audio, file_rate = soundfile.read(path, dtype="float32")
    assert file_rate == rate
    assert_fades_to_silence(audio, rate)
    assert player.error is None


async def test_an_offline_render_is_not_waited_for(tone_file: Callable[..., str]) -> None:
    """An output that renders only when told to gets no fade (nothing would deliver it), and
    closing does not wait for one."""
    r = OfflineRenderer(16000)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0, 16000))
    await player.start(output=r)
    await r.advance(0.3)
    await asyncio.wait_for(player.aclose(), 30)  # a hang guard
    assert len(r.audio()) == 4800 and max_jump(r.audio()) < 0.1
    assert np.all(np.isfinite(r.audio()))
