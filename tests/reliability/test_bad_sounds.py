"""Sounds that exist but cannot play fail loudly where the caller can act; streams end cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from roomtone import (
    AudioConfig,
    AudioFrame,
    BackgroundAudioPlayer,
    CueOptions,
    DecodeError,
    MemoryOutput,
    NullOutput,
    OfflineRenderer,
)
from roomtone.outputs import write_wav
from roomtone.outputs.clock import RealtimeClock
from roomtone.outputs.timebase import ManualTime
from roomtone.sources import loader
from roomtone.sources.cache import ClipCache
from signals import band_db

RATE = 16000


def not_audio(tmp_path: Path, name: str = "fake.mp3") -> str:
    path = tmp_path / name
    path.write_text("these are my notes, not audio\n" * 50)
    return str(path)


def zero_frames(tmp_path: Path) -> str:
    path = tmp_path / "empty.wav"
    write_wav(path, np.zeros((0, 1), np.float32), RATE)
    return str(path)


@pytest.mark.parametrize("cue", ["thinking_sound", "tool_sound"])
async def test_a_cue_file_that_does_not_decode_fails_start(tmp_path: Path, cue: str) -> None:
    fake = not_audio(tmp_path)
    player = BackgroundAudioPlayer(**{cue: fake})  # type: ignore[arg-type]
    with pytest.raises(DecodeError, match=r"fake\.mp3"):
        await player.start(output=OfflineRenderer(RATE))
    assert not player.started


@pytest.mark.parametrize("role", ["ambient_sound", "thinking_sound"])
async def test_a_file_with_no_audio_fails_start(tmp_path: Path, role: str) -> None:
    player = BackgroundAudioPlayer(**{role: zero_frames(tmp_path)})  # type: ignore[arg-type]
    with pytest.raises(DecodeError, match=r"empty\.wav.*no audio"):
        await player.start(output=OfflineRenderer(RATE))


async def test_players_started_together_decode_each_bed_once(
    tone_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    beds = [tone_file(100 + 11 * i, 3.0, RATE, channels=2) for i in range(40)]
    decodes: dict[str, int] = {}
    real = loader._decode_into

    def counting(clip: Any, path: str, *args: Any) -> None:
        decodes[path] = decodes.get(path, 0) + 1
        real(clip, path, *args)

    monkeypatch.setattr(loader, "_decode_into", counting)
    cache = ClipCache(3 * RATE * 2 * 4 * 6)  # a few beds: evictions happen while they start
    players = [BackgroundAudioPlayer(ambient_sound=bed, cache=cache) for bed in beds]
    await asyncio.gather(*(p.start(output=NullOutput(RATE, 2)) for p in players))
    await asyncio.gather(*(p.aclose() for p in players))
    assert sorted(decodes.values()) == [1] * len(beds)


class Hanging:
    """An iterator that yields a tenth of a second, then never again until cancelled."""

    def __init__(self) -> None:
        self.started, self.cancelled = asyncio.Event(), asyncio.Event()

    async def frames(self) -> AsyncIterator[AudioFrame]:
        yield AudioFrame(np.full((RATE // 10, 1), 0.1, np.float32), RATE)
        self.started.set()
        try:
            await asyncio.Event().wait()  # never yields again
        finally:
            self.cancelled.set()
        yield AudioFrame(np.zeros((1, 1), np.float32), RATE)  # pragma: no cover


async def test_a_stopped_stream_does_not_wait_for_its_hanging_iterator() -> None:
    hanging = Hanging()
    player = BackgroundAudioPlayer()
    await player.start(output=NullOutput(RATE, 1))
    handle = player.play(hanging.frames())
    await asyncio.wait_for(hanging.started.wait(), 30)  # hang guards only, from here on
    handle.stop()
    await asyncio.wait_for(handle.wait_for_playout(), 30)  # ends though the iterator hangs
    await asyncio.wait_for(hanging.cancelled.wait(), 30)  # and its feeder is gone before aclose()
    await player.aclose()


async def test_a_hanging_thinking_stream_plays_silence_and_is_cancelled_on_close(
    tone_file: Callable[..., str],
) -> None:
    hanging = Hanging()
    out = MemoryOutput(RATE)
    time = ManualTime()
    out.clock = RealtimeClock(time)
    player = BackgroundAudioPlayer(
        ambient_sound=AudioConfig(tone_file(300, 4.0, RATE), volume=0.5),
        thinking_sound=hanging.frames(),
        thinking=CueOptions.immediate(),
        ducking=False,
    )
    await player.start(room=out)
    player.set_agent_state("thinking")
    await asyncio.wait_for(hanging.started.wait(), 30)  # a hang guard
    for _ in range(40):  # 0.8 s of thought: its tenth of a second, then silence
        await time.advance(0.02)
        await asyncio.sleep(0.002)  # the bed decodes on a thread
    player.set_agent_state("listening")
    await time.advance(0.2)
    thought = out.audio()[-round(0.6 * RATE) :]
    assert np.all(np.isfinite(thought)) and band_db(thought, RATE, 300) > -25
    await time.drive(player.aclose(), 0.02)  # does not wait for the iterator
    assert hanging.cancelled.is_set()


@pytest.mark.parametrize("value", [0, 50, 1000])
def test_stream_timeout_is_refused_with_the_reason(value: int) -> None:
    with pytest.raises(ValueError, match="never waits for a slow stream"):
        BackgroundAudioPlayer(stream_timeout_ms=value)


def test_livekits_default_stream_timeout_is_accepted() -> None:
    BackgroundAudioPlayer(
        stream_timeout_ms=200
    )  # what code that forwards LiveKit's defaults passes
