"""Per-chunk cost in a real pipeline, counted rather than timed.

Inside a live pipeline each ``mix()`` runs after 20 ms of sleep, with cold caches, so its CPU
cost is set by how many calls it makes, not by the arithmetic (the same code costs 13x more
per call there than in a tight loop). The wall-clock figures are in ``bench/pipecat_bench.py``;
this test counts the Python and C calls each chunk makes, which is deterministic, and holds
roomtone to at most 1.5x Pipecat's own ``SoundfileMixer`` while it does more.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pytest
import soundfile
from pipecat.audio.mixers.base_audio_mixer import BaseAudioMixer
from pipecat.audio.mixers.soundfile_mixer import SoundfileMixer
from pipecat_harness import Driver, run_pipeline, wait_frames
from pipecat_signals import Tones

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RoomtoneMixer

RATE = 16000


class CallCounter:
    """Counts the calls one ``mix()`` makes (only in its own task, in case it awaits)."""

    def __init__(self, mixer: BaseAudioMixer) -> None:
        self.counts: list[int] = []
        self._inner = mixer.mix
        mixer.mix = self.mix  # type: ignore[method-assign]

    async def mix(self, audio: bytes) -> bytes:
        task = asyncio.current_task()
        calls = 0

        def count(frame: FrameType, event: str, arg: Any) -> None:
            nonlocal calls
            if event in ("call", "c_call") and asyncio.current_task() is task:
                calls += 1

        sys.setprofile(count)
        try:
            return await self._inner(audio)
        finally:
            sys.setprofile(None)
            self.counts.append(calls - 1)  # minus the current_task() check's own call

    def per_chunk(self, last: int) -> float:
        return float(np.mean(self.counts[-last:]))


async def calls_per_chunk(mixer: BaseAudioMixer, speaking: bool) -> float:
    counter = CallCounter(mixer)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.5)  # the player has opened and settled
        if speaking:
            await d.say(1.6)
        await wait_frames(d, 1.2)

    await run_pipeline(mixer, script, rate=RATE, chunks_10ms=2)
    return counter.per_chunk(40)


def soundfile_bed(folder: Path) -> str:
    path = folder / "bed16k.wav"
    noise = np.random.default_rng(0).normal(0.0, 0.05, RATE * 4)
    soundfile.write(path, noise.astype(np.float32), RATE, subtype="PCM_16")
    return str(path)


@pytest.mark.xfail(
    strict=True, reason="issue 16 (5): 73 calls per chunk against SoundfileMixer's 14"
)
@pytest.mark.parametrize("speaking", [False, True], ids=["silent", "speaking"])
async def test_a_chunk_costs_at_most_one_and_a_half_soundfile_mixers(
    tones: Tones, tmp_path: Path, speaking: bool
) -> None:
    bed = soundfile_bed(tmp_path)
    reference = await calls_per_chunk(
        SoundfileMixer(sound_files={"bed": bed}, default_sound="bed", volume=0.5), speaking
    )
    player = BackgroundAudioPlayer(
        ambient_sound=AudioConfig(bed, volume=0.5), thinking_sound=tones.think
    )
    roomtone = await calls_per_chunk(RoomtoneMixer(player, num_channels=1), speaking)
    assert roomtone <= 1.5 * reference, f"{roomtone:.1f} calls per chunk vs {reference:.1f}"
