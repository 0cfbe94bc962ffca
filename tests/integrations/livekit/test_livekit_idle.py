"""An idle player costs nothing on LiveKit: no render and no capture until something plays."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from livekit_rig import Captured

from roomtone import BackgroundAudioPlayer
from roomtone.integrations.livekit import RoomOutput
from signals import band_db

pytestmark = pytest.mark.realtime


async def test_no_captures_while_nothing_plays(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer()
    await player.start(room=room)
    out = player.output
    assert isinstance(out, RoomOutput)
    await asyncio.sleep(0.3)
    assert captured.of(out.source) == []  # published, silent, and not a single capture
    handle = player.play(tone_file(700, seconds=0.3))
    await asyncio.wait_for(handle.wait_for_playout(), 30)
    heard = np.concatenate([f.samples for f in captured.of(out.source)])
    assert band_db(heard, 48000, 700) > -20
    assert out.underruns == 0  # coming back from rest is not an underrun
    await asyncio.sleep(0.15)  # the last frames leave the queue
    count = len(captured.of(out.source))
    await asyncio.sleep(0.3)
    assert len(captured.of(out.source)) == count  # resting again
    await player.aclose()
