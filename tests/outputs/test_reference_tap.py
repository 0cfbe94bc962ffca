"""The reference tap: outputs publish what they really sent, on the transport's timeline."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

import numpy as np
import pytest

from roomtone import BackgroundAudioPlayer, MemoryOutput, OfflineRenderer
from roomtone.outputs.reference import ReferenceBlock


class Recorder:
    def __init__(self) -> None:
        self.blocks: list[ReferenceBlock] = []
        self.audio: list[np.ndarray] = []

    def __call__(self, block: ReferenceBlock) -> None:
        self.blocks.append(block)
        self.audio.append(block.float32().copy())  # valid only during the call

    def positions_are_contiguous(self) -> bool:
        expected = 0
        for block in self.blocks:
            if block.position != expected:
                return False
            expected += len(block.samples)
        return True


@pytest.mark.realtime
async def test_a_paced_output_publishes_every_block_it_handed_over(
    tone_file: Callable[..., str],
) -> None:
    out = MemoryOutput(48000, 1, 0.02)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0))
    record = Recorder()
    player.reference.subscribe(record)  # before start: the tap is the player's
    await player.start(output=out)
    await asyncio.sleep(0.3)
    await player.aclose()
    sent = np.concatenate(record.audio)
    np.testing.assert_array_equal(sent, out.audio())  # exactly what the listener got
    assert record.positions_are_contiguous()
    times = [b.plays_at for b in record.blocks]
    assert times == sorted(times) and all(math.isfinite(t) for t in times)


async def test_offline_rendering_publishes_on_its_own_timeline(
    tone_file: Callable[..., str],
) -> None:
    r = OfflineRenderer(16000, 2)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0, rate=16000, channels=2))
    record = Recorder()
    await player.start(output=r)
    unsubscribe = player.reference.subscribe(record)
    await r.advance(0.5)
    unsubscribe()
    await r.advance(0.1)
    await player.aclose()
    assert record.positions_are_contiguous()
    assert sum(len(b.samples) for b in record.blocks) == 8000  # nothing after unsubscribing
    np.testing.assert_array_equal(np.concatenate(record.audio), r.audio()[:8000])
    assert all(math.isnan(b.plays_at) for b in record.blocks)  # no wall clock offline


async def test_a_failing_subscriber_is_dropped_and_the_audio_goes_on(
    tone_file: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    r = OfflineRenderer(48000, 1)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0))
    calls = []

    def broken(block: ReferenceBlock) -> None:
        calls.append(block.position)
        raise RuntimeError("listener bug")

    player.reference.subscribe(broken)
    await player.start(output=r)
    await r.advance(0.2)
    await player.aclose()
    assert len(calls) == 1
    assert "reference subscriber failed" in caplog.text
    assert len(r.audio()) == 9600 and np.abs(r.audio()).max() > 0.1
