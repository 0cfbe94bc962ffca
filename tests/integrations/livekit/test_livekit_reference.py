"""The LiveKit output publishes to the reference tap what it captured, when it will be heard."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from livekit_rig import Captured

from roomtone import BackgroundAudioPlayer
from roomtone.integrations.livekit import RoomOutput
from roomtone.outputs.reference import ReferenceBlock

pytestmark = pytest.mark.realtime


async def test_reference_is_what_capture_frame_got_on_the_queue_timeline(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300, 1.0))
    blocks: list[ReferenceBlock] = []
    audio: list[np.ndarray] = []

    def record(block: ReferenceBlock) -> None:
        blocks.append(block)
        audio.append(block.float32().copy())

    player.reference.subscribe(record)
    await player.start(room=room)
    out = player.output
    assert isinstance(out, RoomOutput)
    await asyncio.sleep(0.4)
    await player.aclose()
    frames = captured.of(out.source)
    # Published once the capture returned: one still in flight at close may be missing.
    assert len(frames) - 1 <= len(blocks) <= len(frames) and len(blocks) > 3
    for block, frame, samples in zip(blocks, frames[: len(blocks)], audio, strict=True):
        assert block.samples.dtype == np.int16  # what the SDK was given
        np.testing.assert_array_equal(samples, frame.samples)
        # Heard once the queue ahead has played: not before it was captured, and at most the
        # queue's bound after.
        assert -0.002 <= block.plays_at - frame.time <= out.queue_size_ms / 1000
    positions = [b.position for b in blocks]
    sizes = [len(b.samples) for b in blocks]
    assert positions == [sum(sizes[:i]) for i in range(len(sizes))]
    # Back to back on the transport's timeline: each starts where the previous one ends.
    for a, b in itertools.pairwise(blocks):
        assert b.plays_at >= a.plays_at + len(a.samples) / 48000 - 1e-6
