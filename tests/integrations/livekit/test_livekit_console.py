"""Console mode: the mix is added to what the agents console plays, without a sound card.

The console here is livekit-agents' own legacy ``AgentsConsole`` with its IO acquired by a real
``AgentSession``; we call its sound-card callback by hand, as PortAudio would.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from livekit_rig import stand_in_room

from roomtone import BackgroundAudioPlayer
from roomtone.integrations.livekit import (
    ConsoleOutput,
    RoomOutput,
    console_instance,
    output_for_room,
)
from signals import band_db

agents = pytest.importorskip("livekit.agents")
from livekit.agents import cli  # noqa: E402
from livekit.agents.cli import _legacy  # noqa: E402
from livekit.agents.testing import fake_job_context  # noqa: E402

RATE = 24000
BLOCK = 2400  # the console's sounddevice blocksize
TIME_INFO = types.SimpleNamespace(outputBufferDacTime=0.0, currentTime=0.0)


@pytest.fixture
async def console(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The legacy console, registered as the running one, with a session holding its IO."""
    real = _legacy.AgentsConsole()
    real.enabled = True
    real.acquire_io(loop=asyncio.get_running_loop(), session=agents.AgentSession())
    monkeypatch.setattr(cli.AgentsConsole, "_instance", real)
    yield real


def speaker(console: Any, seconds: float) -> np.ndarray:
    """What the console's output stream would send to the sound card for ``seconds``."""
    blocks = []
    for _ in range(round(seconds * RATE / BLOCK)):
        out = np.zeros((BLOCK, 1), np.int16)
        console._sd_output_callback(out, BLOCK, TIME_INFO, None)
        blocks.append(out.astype(np.float32) / 32768)
    return np.concatenate(blocks)


async def test_console_job_gets_the_console_output(console: Any) -> None:
    room = stand_in_room()
    assert console_instance() is None  # no job: a normal room
    assert isinstance(output_for_room(room), RoomOutput)
    with fake_job_context(room=room) as job:
        assert console_instance() is console
        assert isinstance(output_for_room(room), ConsoleOutput)
        console.enabled = False  # a fake job without a console (tests): a room track
        assert isinstance(output_for_room(room), RoomOutput)
    # A JobContext leaves its temp dir to the GC, which warns (an error here): clean it now.
    tempdir = getattr(job, "_tempdir", None)
    if tempdir is not None:
        tempdir.cleanup()


@pytest.mark.realtime
async def test_mix_is_added_to_what_the_console_plays(
    console: Any, tone_file: Callable[..., str]
) -> None:
    output = ConsoleOutput(console)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300, rate=RATE))
    await player.start(output=output)
    assert output.mode == "hook"
    # The agent speaks at the same time: its 1 kHz voice goes through the console as usual.
    voice = (0.25 * np.sin(2 * np.pi * 1000 * np.arange(RATE) / RATE) * 32767).astype(np.int16)
    audio_out = console._io_audio_output
    await audio_out.capture_frame(agents.utils.audio.rtc.AudioFrame(voice.tobytes(), RATE, 1, RATE))
    heard = speaker(console, 1.0)
    await player.aclose()
    assert band_db(heard[RATE // 2 :], RATE, 300) > -20  # our ambience
    assert band_db(heard[RATE // 2 :], RATE, 1000) > -20  # and the agent's voice
    assert "read_into" not in vars(audio_out)  # unhooked on close
    silent = speaker(console, 0.2)
    assert band_db(silent, RATE, 300) < -60


@pytest.mark.realtime
async def test_time_goes_on_when_nobody_pulls(console: Any, tone_file: Callable[..., str]) -> None:
    """Text mode (no speaker stream): cues still advance and handles still finish."""
    output = ConsoleOutput(console)
    player = BackgroundAudioPlayer()
    await player.start(output=output)
    handle = player.play(tone_file(500, seconds=0.2, rate=RATE))
    await asyncio.wait_for(handle.wait_for_playout(), 30)
    assert handle.done() and handle.error is None
    assert output.delivered_frames() >= 0.2 * RATE  # time was kept without a speaker
    await player.aclose()


@pytest.mark.realtime
async def test_tcp_console_without_a_device_still_runs(tone_file: Callable[..., str]) -> None:
    """``lk agent console`` has no speaker hook; with no PortAudio we warn and keep time."""
    tcp_like = types.SimpleNamespace(enabled=True, io_acquired=True, _tcp_transport=object())
    output = ConsoleOutput(tcp_like)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300, rate=RATE))
    await player.start(output=output)
    assert output.mode in {"device", "idle"}
    await asyncio.sleep(0.5)
    assert output.delivered_frames() > 0
    await player.aclose()
