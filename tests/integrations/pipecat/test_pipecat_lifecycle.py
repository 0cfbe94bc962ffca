"""Start, stop and failure: the start race, idempotent stop, no CPU after stop, no spinning."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from pipecat_harness import SPEECH_HZ, Driver, mix_directly, run_pipeline, wait_frames
from pipecat_signals import BED_HZ, Tones, pcm16, sine, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RealtimePacer, RoomtoneMixer

RATE = 8000
CHUNK = pcm16(sine(SPEECH_HZ, 0.04, RATE, 0.3))  # one 40 ms chunk of "speech"


class GatedPlayer(BackgroundAudioPlayer):
    """A player whose start waits for a gate, like one opening a slow file."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = asyncio.Event()

    async def start(self, **kwargs: Any) -> None:
        await self.gate.wait()
        await super().start(**kwargs)


@pytest.mark.realtime
async def test_mix_before_start_finishes_passes_audio_through(tones: Tones) -> None:
    player = GatedPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    mixer = RoomtoneMixer(player, num_channels=1, realtime=False)
    assert await mixer.mix(CHUNK) == CHUNK  # before start() was even called
    starting = asyncio.create_task(mixer.start(RATE))
    await asyncio.sleep(0.01)
    for _ in range(5):
        assert await mixer.mix(CHUNK) == CHUNK
    player.gate.set()
    await asyncio.wait_for(starting, 30)
    assert mixer.running
    out = await mix_directly(mixer, 0.4)
    assert tone_db(out, RATE, BED_HZ) == pytest.approx(-20.0, abs=0.3)
    await mixer.stop()


async def test_stop_is_idempotent_and_final(tones: Tones, caplog: pytest.LogCaptureFixture) -> None:
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    mixer = RoomtoneMixer(player, num_channels=1, realtime=False)
    await mixer.start(RATE)
    await mixer.stop()
    await mixer.stop()
    await mixer.aclose()
    assert not mixer.running and not player.started
    assert await mixer.mix(CHUNK) == CHUNK
    with caplog.at_level(logging.WARNING, logger="roomtone"):
        await mixer.start(RATE)  # a transport restarting: explained, stays passive
    assert "cannot start again" in caplog.text
    assert not mixer.running


@pytest.mark.realtime
async def test_stop_during_start_closes_the_player_when_start_ends(tones: Tones) -> None:
    player = GatedPlayer(ambient_sound=AudioConfig(tones.bed))
    mixer = RoomtoneMixer(player, num_channels=1, realtime=False, close_timeout=0.2)
    starting = asyncio.create_task(mixer.start(RATE))
    await asyncio.sleep(0.01)
    await mixer.stop()
    player.gate.set()
    await asyncio.wait_for(starting, 30)
    assert not mixer.running and not player.started
    assert await mixer.mix(CHUNK) == CHUNK


async def test_a_sound_that_fails_to_open_leaves_the_bot_audio_untouched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    player = BackgroundAudioPlayer(ambient_sound="/no/such/ambience.wav")
    mixer = RoomtoneMixer(player, num_channels=1, realtime=False)
    with caplog.at_level(logging.ERROR, logger="roomtone"):
        await mixer.start(RATE)
    assert mixer.start_error is not None
    assert "could not start" in caplog.text
    assert await mixer.mix(CHUNK) == CHUNK
    await mixer.stop()


@pytest.mark.realtime
@pytest.mark.parametrize("ending", ["end", "cancel"])
async def test_no_cpu_and_no_tasks_after_stop(tones: Tones, ending: str) -> None:
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    mixer = RoomtoneMixer(player)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.3)
        await d.say(0.2)
        await wait_frames(d, 0.4)

    await run_pipeline(mixer, script, rate=RATE, end=ending == "end")
    assert not mixer.running and not player.started
    await asyncio.sleep(0.05)  # let finished tasks be collected
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == []
    chunks = mixer.chunks_mixed
    await asyncio.sleep(0.3)
    # Idle by construction, not by a CPU-time figure: no task and no timer is left on the
    # loop (ours or Pipecat's), so nothing can ever wake to run.
    loop: Any = asyncio.get_running_loop()
    assert [h for h in loop._scheduled if not h.cancelled()] == []
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert mixer.chunks_mixed == chunks


@pytest.mark.parametrize("mode", ["dead", "unpaced"])
async def test_a_transport_that_stops_blocking_does_not_spin(tones: Tones, mode: str) -> None:
    """pipecat #2955: writes return at once (hung-up peer); mix() keeps to real time."""
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    mixer = RoomtoneMixer(player, max_lead=0.25)
    # The pacer's clock counts only the seconds it slept (really, so the run is real time):
    # chunks are then bounded by pacing sleeps, not by a wall-clock measurement.
    slept = [0.0]

    async def counted_sleep(seconds: float) -> None:
        slept[0] += seconds
        await asyncio.sleep(seconds)

    mixer._pacer = RealtimePacer(0.25, clock=lambda: slept[0], sleep=counted_sleep)

    async def script(d: Driver) -> None:
        await asyncio.sleep(1.0)

    rec = await run_pipeline(mixer, script, rate=RATE, mode=mode)
    # Unthrottled, this loop makes tens of thousands of chunks a second; paced, every chunk
    # beyond the 0.25 s lead was paid for by a sleep of its length (one more may be in hand).
    assert mixer.pacer is not None and mixer.pacer.waits > 0
    assert rec.sink.writes <= (slept[0] + 0.25) / 0.04 + 2


async def test_pacer_sleeps_only_beyond_the_lead() -> None:
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = RealtimePacer(0.25, clock=lambda: now[0], sleep=fake_sleep)
    for _ in range(6):  # 0.24 s of audio at once: within the lead
        await pacer.wait(0.04)
    assert slept == []
    await pacer.wait(0.04)
    assert slept == [pytest.approx(0.03)]
    now[0] += 10.0  # a live transport that blocked: we are behind, never sleep
    await pacer.wait(0.04)
    assert len(slept) == 1
    assert pacer.lead() == pytest.approx(0.04)


def test_import_roomtone_never_imports_pipecat() -> None:
    code = "import sys, roomtone; print([m for m in sys.modules if m.startswith('pipecat')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_pipecat_raises_missing_extra_error() -> None:
    code = (
        "import sys; sys.modules['pipecat'] = None\n"
        "from roomtone.errors import MissingExtraError\n"
        "try:\n"
        "    import roomtone.integrations.pipecat\n"
        "except MissingExtraError as exc:\n"
        "    print(exc.extra, '|', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "pipecat | Pipecat support needs the extra: pip install 'roomtone[pipecat]'"
    )


def test_constructor_checks_its_arguments(tones: Tones) -> None:
    player = BackgroundAudioPlayer()
    with pytest.raises(ValueError, match="num_channels"):
        RoomtoneMixer(player, num_channels=3)
    with pytest.raises(ValueError, match="ceiling_db"):
        RoomtoneMixer(player, ceiling_db=3.0)
    with pytest.raises(ValueError, match="max_lead"):
        RoomtoneMixer(player, max_lead=0.0)
    assert np.isfinite(RoomtoneMixer(player).volume)
