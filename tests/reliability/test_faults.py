"""Injected faults stay with their own player or sound: every other player keeps playing.

A healthy player on a ``MemoryOutput`` watches while another part fails: a slow output, a
decoder thread that dies, a blocked event loop (outputs that raise or fill the disk are in
test_output_isolation.py). The healthy player's audio must never stop.
"""

from __future__ import annotations

import asyncio
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
)
from roomtone.sources import loader
from signals import assert_keeps_playing, band_db

pytestmark = pytest.mark.realtime
RATE = 16000


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
        await asyncio.wait_for(handle.wait_for_playout(), 30)
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
