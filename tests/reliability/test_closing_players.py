"""Closing players (issue 15): a player that closes never takes the shared clock down with it.

The failure mode: ``aclose()`` marked the player closed, then awaited its output's close as a
new task; the shared clock ran in between, asked the closing player for a block, got an
exception, and every paced player on the loop went silent.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from roomtone import BackgroundAudioPlayer, CueOptions, MemoryOutput, NullOutput
from signals import assert_keeps_playing

pytestmark = pytest.mark.realtime

BLOCK = 0.02


def collect_loop_errors() -> list[dict[str, Any]]:
    """Route everything that reaches the loop's exception handler into a list."""
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    return errors


async def test_closing_many_players_one_by_one_never_silences_a_healthy_one(
    tone_file: Callable[..., str],
) -> None:
    """160 busy players close one after another, four times over, beside a healthy player.

    Before the fix about half of such rounds hit the one-iteration window between "closed"
    and "deregistered"; four rounds hit it almost always.
    """
    errors = collect_loop_errors()
    healthy_out = MemoryOutput(48000, 1, BLOCK)
    healthy = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0))
    await healthy.start(output=healthy_out)
    bed, cue = tone_file(220, 1.0), tone_file(660, 0.5)
    for _ in range(4):
        players = [
            BackgroundAudioPlayer(
                ambient_sound=bed, thinking_sound=cue, thinking=CueOptions(delay=0.0)
            )
            for _ in range(160)
        ]
        for player in players:
            await player.start(output=NullOutput(frame_duration=BLOCK))
            player.set_agent_state("thinking")
        await asyncio.sleep(0.1)
        for player in players:
            await player.aclose()
        await assert_keeps_playing(healthy_out)
    # Only what was delivered while the healthy player was open: its own aclose() silences the
    # renderer, and the clock may tick once more before the output is taken off it.
    heard = healthy_out.delivered_frames()
    await healthy.aclose()
    gc.collect()  # a task that died with an exception reports it when collected
    await asyncio.sleep(0)
    assert errors == []
    audio = healthy_out.audio()[:heard, 0]
    blocks = audio[: len(audio) // 960 * 960].reshape(-1, 960)
    assert np.abs(blocks).max(axis=1).min() > 0.1  # no silent block anywhere


class DrainingOutput(MemoryOutput):
    """Keeps being paced for a while after close is asked, as an output flushing a queue does."""

    async def aclose(self) -> None:
        await asyncio.sleep(0.1)
        await super().aclose()


async def test_a_player_closing_slowly_renders_silence_and_the_clock_goes_on(
    tone_file: Callable[..., str],
) -> None:
    errors = collect_loop_errors()
    healthy_out = MemoryOutput(48000, 1, BLOCK)
    healthy = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0))
    await healthy.start(output=healthy_out)
    draining = DrainingOutput(48000, 1, BLOCK)
    closing = BackgroundAudioPlayer(ambient_sound=tone_file(220, 1.0))
    await closing.start(output=draining)
    await asyncio.sleep(0.1)
    heard = draining.delivered_frames()
    await closing.aclose()
    await assert_keeps_playing(healthy_out)
    await healthy.aclose()
    gc.collect()
    await asyncio.sleep(0)
    assert errors == []
    after_close = draining.audio()[heard + 960 :]
    assert len(after_close) > 0 and not after_close.any()  # silence once closed, no error
