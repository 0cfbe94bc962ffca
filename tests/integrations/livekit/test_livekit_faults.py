"""A LiveKit capture that hangs stays with its own session: the pump goes on, close is bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from livekit_rig import Captured, stand_in_room

from roomtone import BackgroundAudioPlayer

pytestmark = pytest.mark.realtime


async def grows(captured: Captured, source: Any, frames: int, patience: float = 10.0) -> None:
    """Wait until ``frames`` more captures reached ``source`` (a stopped pump never gets there)."""
    start = len(captured.of(source))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while len(captured.of(source)) - start < frames:
        assert loop.time() < deadline, f"no captures for {patience:.0f} s"
        await asyncio.sleep(0.02)


async def test_a_hanging_capture_neither_stops_the_others_nor_hangs_close(
    tone_file: Callable[..., str], captured: Captured
) -> None:
    rooms = [stand_in_room(), stand_in_room()]
    players = [BackgroundAudioPlayer(ambient_sound=tone_file(300)) for _ in rooms]
    for player, room in zip(players, rooms, strict=True):
        await player.start(room=room)
    stuck, healthy = (p.output for p in players)
    assert stuck is not None and healthy is not None
    hung = asyncio.Event()

    async def never_returns(frame: Any) -> None:
        hung.set()
        await asyncio.Event().wait()

    stuck.source.capture_frame = never_returns  # type: ignore[attr-defined]
    handle = players[0].play(tone_file(1000, 5.0))
    await asyncio.wait_for(hung.wait(), 30)
    await grows(captured, healthy.source, 20)  # type: ignore[attr-defined]
    await asyncio.wait_for(players[0].aclose(), 30)  # returns, though its capture never does
    assert handle.done()
    await grows(captured, healthy.source, 10)  # type: ignore[attr-defined]
    await players[1].aclose()


async def test_a_capture_that_never_returns_ends_its_player_with_a_reason(
    tone_file: Callable[..., str],
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=stand_in_room())
    output = player.output
    assert output is not None

    async def never_returns(frame: Any) -> None:
        await asyncio.Event().wait()

    output.source.capture_frame = never_returns  # type: ignore[attr-defined]
    handle = player.play(tone_file(1000, 0.2))
    await asyncio.wait_for(handle.wait_for_playout(), 10)  # settles without aclose()
    assert isinstance(output.error, TimeoutError)
    assert "'background_audio'" in str(player.error) and "did not return" in str(player.error)
    assert handle.reason is not None and "did not return" in handle.reason
    assert not output.busy
    await asyncio.wait_for(player.aclose(), 30)
