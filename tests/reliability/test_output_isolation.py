"""A failing output stays with its own player (issue 11, item 1).

The shared clock serves every paced output of an event loop; one output's exception must not
end it (the LiveKit capture pump's side is in tests/integrations/livekit/test_pump.py).
``aclose()`` never raises for an output's I/O error: it reports it on ``player.error`` and
settles every handle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from roomtone import BackgroundAudioPlayer, MemoryOutput, WavFileOutput
from roomtone.outputs import PacedOutput
from roomtone.samples import FloatArray
from signals import assert_keeps_playing

pytestmark = pytest.mark.realtime

BLOCK = 0.02


class BrokenOutput(PacedOutput):
    """Takes three blocks, then raises for every block after."""

    def __init__(self) -> None:
        super().__init__(48000, 1, BLOCK)
        self.blocks = 0

    def consume(self, block: FloatArray) -> None:
        self.blocks += 1
        if self.blocks > 3:
            raise RuntimeError("the device went away")


def loop_errors() -> list[dict[str, Any]]:
    """What reaches the running loop's exception handler from now on (should stay empty)."""
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    return errors


async def healthy_player(
    tone_file: Callable[..., str],
) -> tuple[BackgroundAudioPlayer, MemoryOutput]:
    out = MemoryOutput(48000, 1, BLOCK)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(440, 1.0))
    await player.start(output=out)
    return player, out


async def test_an_output_that_raises_leaves_the_clock_to_the_others(
    tone_file: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    errors = loop_errors()
    healthy, healthy_out = await healthy_player(tone_file)
    broken = BrokenOutput()
    failing = BackgroundAudioPlayer(ambient_sound=tone_file(220, 1.0))
    await failing.start(output=broken)
    handle = failing.play(tone_file(880, 5.0))
    with caplog.at_level(logging.WARNING, logger="roomtone"):
        await asyncio.sleep(0.2)
        await assert_keeps_playing(healthy_out)
    assert broken.blocks == 4  # dropped at its first failure, not asked again
    reports = [r for r in caplog.records if "BrokenOutput" in r.getMessage()]
    assert len(reports) == 1 and "the device went away" in reports[0].getMessage()
    assert isinstance(failing.error, RuntimeError)
    await asyncio.wait_for(failing.aclose(), 30)
    assert handle.done()  # every handle settles
    await assert_keeps_playing(healthy_out, 0.1)
    await healthy.aclose()
    assert errors == []  # nothing reached the loop's exception handler


async def test_a_full_disk_neither_silences_others_nor_makes_aclose_raise(
    tone_file: Callable[..., str],
) -> None:
    errors = loop_errors()
    healthy, healthy_out = await healthy_player(tone_file)
    full = BackgroundAudioPlayer(ambient_sound=tone_file(220, 1.0))
    await full.start(output=WavFileOutput("/dev/full", 48000, 1, BLOCK))
    handle = full.play(tone_file(880, 5.0))
    await assert_keeps_playing(healthy_out)
    await full.aclose()  # the file's flush fails too: reported, not raised
    assert isinstance(full.error, OSError)
    assert handle.done()  # every handle settles
    await assert_keeps_playing(healthy_out, 0.1)
    await healthy.aclose()
    assert errors == []
