"""Real-time outputs: paced by the shared clock from a sample counter, without drift or bursts.

Each output is paced by a clock on a manual timebase, so "in real time" is checked as exact
frame counts for a span of clock time, not as a wall-clock measurement.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from roomtone import BackgroundAudioPlayer, MemoryOutput, NullOutput, WavFileOutput
from roomtone.outputs.clock import RealtimeClock
from roomtone.outputs.paced import PacedOutput
from roomtone.outputs.timebase import ManualTime
from signals import band_db


def paced_by_hand(output: PacedOutput) -> ManualTime:
    """Pace ``output`` by a clock that moves only when the test says."""
    time = ManualTime()
    output.clock = RealtimeClock(time)
    return time


async def heard_bed(
    tone_file: Callable[..., str], rate: int, channels: int
) -> tuple[BackgroundAudioPlayer, MemoryOutput, ManualTime]:
    """A 440 Hz bed on a memory output paced by hand, advanced until it is audible."""
    out = MemoryOutput(rate, channels, frame_duration=0.02)
    time = paced_by_hand(out)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 2.0))
    await player.start(room=out)
    async with asyncio.timeout(30):  # a hang guard: its decoder runs on a thread
        while not len(out.audio()) or np.abs(out.audio()[-out.frame_size :]).max() < 0.01:
            await time.advance(out.frame_duration)
            await asyncio.sleep(0.005)
    return player, out, time


async def test_memory_output_delivers_one_block_per_block_of_time(
    tone_file: Callable[..., str],
) -> None:
    out = MemoryOutput(16000, 2, frame_duration=0.02)
    time = paced_by_hand(out)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0))
    await player.start(room=out)
    await time.run_ready()
    assert out.delivered_frames() == 320  # the first block is sent at once
    for k in range(1, 31):  # 0.6 s of clock time
        await time.advance(0.02)
        assert out.delivered_frames() == 320 * (k + 1)  # one block per 20 ms, no burst
    await time.drive(player.aclose(), 0.02)
    audio = out.audio()
    # ... and the closing fade, delivered at once rather than with the next block
    assert audio.shape == (320 * 31 + 80, 2) and audio.dtype == np.float32
    assert out.underruns == 0


async def test_the_bed_is_heard_through_a_memory_output(tone_file: Callable[..., str]) -> None:
    player, out, time = await heard_bed(tone_file, 16000, 2)
    heard_from = len(out.audio())
    await time.advance(0.4)
    await time.drive(player.aclose(), 0.02)
    assert band_db(out.audio()[heard_from:], 16000, 440) > -20


async def test_late_loop_catches_up_without_gaps_or_drift(tone_file: Callable[..., str]) -> None:
    player, out, time = await heard_bed(tone_file, 48000, 1)
    before = out.delivered_frames()
    time.stall(0.1)  # the event loop was blocked for five blocks
    await time.advance(0.02)
    assert out.delivered_frames() == before + 6 * 960  # the five missed and the one due
    await time.advance(0.2)
    await time.drive(player.aclose(), 0.02)
    audio = out.audio()[:, 0]
    assert out.underruns == 0
    steady = 2 * np.pi * 440 / 48000 * 0.25
    assert np.max(np.abs(np.diff(audio[480:]))) <= steady * 1.02  # continuous, no click


async def test_null_and_wav_outputs(tmp_path: Path, tone_file: Callable[..., str]) -> None:
    null = NullOutput()
    wav_out = WavFileOutput(tmp_path / "out.wav", 24000, 1)
    times = [paced_by_hand(null), paced_by_hand(wav_out)]
    players = [BackgroundAudioPlayer(ambient_sound=tone_file(440)) for _ in range(2)]
    await players[0].start(room=null)
    await players[1].start(output=wav_out)
    for time in times:
        await time.advance(0.3)
    assert null.delivered_frames() == 16 * 960  # 48 kHz, 20 ms blocks: 0.3 s and the first
    assert wav_out.delivered_frames() == 16 * 480
    for p, time in zip(players, times, strict=True):
        await time.drive(p.aclose(), 0.02)
    assert null.delivered_frames() == 16 * 960 + 240  # and the 5 ms closing fade
    with wave.open(str(tmp_path / "out.wav")) as f:
        assert f.getframerate() == 24000
        assert f.getnframes() == wav_out.delivered_frames() == 16 * 480 + 120
