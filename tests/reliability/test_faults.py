"""Injected faults stay with their own player or sound: every other player keeps playing.

A healthy player on a ``MemoryOutput`` watches while another part fails: an output that raises,
a file output on a full disk, a slow output, a decoder thread that dies. The healthy player's
audio must never stop, and the failing player must close cleanly, report its error and settle
every handle.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from roomtone import (
    AudioConfig,
    BackgroundAudioPlayer,
    MemoryOutput,
    NullOutput,
    WavFileOutput,
)
from roomtone.sources import loader
from signals import assert_keeps_playing, band_db

pytestmark = pytest.mark.realtime
RATE = 16000


class RaisingOutput(NullOutput):
    """Delivers a few blocks, then every block raises, like a broken transport."""

    def __init__(self, after_blocks: int = 5) -> None:
        super().__init__(RATE, 1, 0.02)
        self.after = after_blocks
        self.blocks = 0

    def consume(self, block: Any) -> None:
        self.blocks += 1
        if self.blocks > self.after:
            raise ConnectionError("the transport went away")


class SlowOutput(NullOutput):
    """Each block takes 15 ms of the loop's time (an output doing I/O where it should not)."""

    def consume(self, block: Any) -> None:
        time.sleep(0.015)


async def healthy_player(
    tone_file: Callable[..., str],
) -> tuple[BackgroundAudioPlayer, MemoryOutput]:
    output = MemoryOutput(RATE, 1, 0.02)
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tone_file(300, 2.0, RATE)))
    await player.start(output=output)
    return player, output


def loop_errors() -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    return errors


@pytest.mark.parametrize(
    "make_output",
    [
        RaisingOutput,
        pytest.param(
            lambda: WavFileOutput("/dev/full", RATE),
            marks=pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full"),
            id="full-disk",
        ),
    ],
)
async def test_a_failing_output_stays_with_its_own_player(
    tone_file: Callable[..., str], make_output: Callable[[], Any]
) -> None:
    errors = loop_errors()
    healthy, heard = await healthy_player(tone_file)
    failing = BackgroundAudioPlayer(ambient_sound=tone_file(300, 2.0, RATE))
    await failing.start(output=make_output())
    handle = failing.play(tone_file(1000, 5.0, RATE))
    await assert_keeps_playing(heard, 0.5)  # the healthy player never went silent
    await asyncio.wait_for(failing.aclose(), 5)  # never raises for the output's I/O error
    assert failing.error is not None  # ... but reports it
    assert handle.done()  # and settles every handle
    await assert_keeps_playing(heard, 0.3)
    await healthy.aclose()
    assert errors == []  # nothing reached the loop's exception handler


async def test_a_slow_output_delays_but_does_not_silence_the_others(
    tone_file: Callable[..., str],
) -> None:
    healthy, heard = await healthy_player(tone_file)
    slow = BackgroundAudioPlayer(ambient_sound=tone_file(300, 2.0, RATE))
    await slow.start(output=SlowOutput(RATE, 1, 0.02))
    await assert_keeps_playing(heard, 0.5)
    await slow.aclose()
    await healthy.aclose()


async def test_a_decoder_thread_that_dies_fails_only_its_sound(
    tone_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy, heard = await healthy_player(tone_file)
    await asyncio.sleep(0.2)

    def dies(path: str, fmt: Any) -> Any:
        raise SystemExit("decoder thread killed")

    monkeypatch.setattr(loader, "_converted", dies)
    handle = healthy.play(tone_file(1234, 1.0, RATE))
    with pytest.raises(Exception, match="decoder") as caught:
        await asyncio.wait_for(handle.wait_for_playout(), 2)
    assert "1234" in str(caught.value)  # names the file
    monkeypatch.undo()
    await assert_keeps_playing(heard, 0.3)
    await healthy.aclose()
    bed = heard.audio()[-RATE // 2 :]
    assert band_db(bed, RATE, 300) > -20  # the bed is still there at its level


async def test_loop_stalls_of_300_ms_cause_no_click_and_no_lasting_lag(
    tone_file: Callable[..., str],
) -> None:
    healthy, heard = await healthy_player(tone_file)
    await asyncio.sleep(0.5)
    for _ in range(3):
        time.sleep(0.3)  # noqa: ASYNC251 - on purpose: a long synchronous call blocks the loop
        await asyncio.sleep(0.4)
    await assert_keeps_playing(heard, 0.3)  # back in step: the clock did not give up
    output = healthy.output
    assert isinstance(output, MemoryOutput)
    # Each stall longer than the catch-up allowance is skipped once (bounded loss), never
    # replayed in a burst that would leave the output behind for good.
    assert output.underruns >= 1
    await healthy.aclose()
    audio = heard.audio()[:, 0]
    # Continuity: the bed is a 300 Hz sine; no step between samples beyond its own slope.
    slope = 2 * np.pi * 300 / RATE * np.max(np.abs(audio))
    assert np.max(np.abs(np.diff(audio))) <= 1.05 * slope
