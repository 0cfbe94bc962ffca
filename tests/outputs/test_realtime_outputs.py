"""Real-time outputs: paced by the shared clock from a sample counter, without drift or bursts."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from roomtone import BackgroundAudioPlayer, MemoryOutput, NullOutput, WavFileOutput
from signals import band_db

pytestmark = pytest.mark.realtime


async def test_memory_output_runs_in_real_time(tone_file: Callable[..., str]) -> None:
    out = MemoryOutput(16000, 2, frame_duration=0.02)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0))
    await player.start(room=out)
    t0 = time.monotonic()
    await asyncio.sleep(0.6)
    elapsed = time.monotonic() - t0
    await player.aclose()
    audio = out.audio()
    assert audio.shape[1] == 2 and audio.dtype == np.float32
    # Within a block or two of the wall clock (the first block is sent at once).
    assert abs(len(audio) / 16000 - elapsed) < 0.06
    assert band_db(audio[3200:], 16000, 440) > -20


async def test_late_loop_catches_up_without_gaps_or_drift(tone_file: Callable[..., str]) -> None:
    out = MemoryOutput(48000, 1, frame_duration=0.02)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 2.0))
    await player.start(room=out)
    await asyncio.sleep(0.1)
    time.sleep(0.1)  # noqa: ASYNC251 - blocking the event loop on purpose: 5 blocks late
    await asyncio.sleep(0.2)
    await player.aclose()
    audio = out.audio()[:, 0]
    assert out.underruns == 0
    steady = 2 * np.pi * 440 / 48000 * 0.25
    assert np.max(np.abs(np.diff(audio[480:]))) <= steady * 1.02  # continuous, no click


async def test_null_and_wav_outputs(tmp_path: Path, tone_file: Callable[..., str]) -> None:
    null = NullOutput()
    wav_out = WavFileOutput(tmp_path / "out.wav", 24000, 1)
    players = [BackgroundAudioPlayer(ambient_sound=tone_file(440)) for _ in range(2)]
    await players[0].start(room=null)
    await players[1].start(output=wav_out)
    await asyncio.sleep(0.3)
    for p in players:
        await p.aclose()
    assert null.delivered_frames() > 0
    with wave.open(str(tmp_path / "out.wav")) as f:
        assert f.getframerate() == 24000
        assert abs(f.getnframes() - wav_out.delivered_frames()) == 0
        assert f.getnframes() > 24000 * 0.2
