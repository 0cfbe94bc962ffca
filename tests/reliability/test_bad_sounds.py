"""Sounds that exist but cannot play fail loudly where the caller can act; streams end cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from roomtone import (
    AudioFrame,
    BackgroundAudioPlayer,
    DecodeError,
    NullOutput,
    OfflineRenderer,
)
from roomtone.outputs import write_wav
from roomtone.sources import loader
from roomtone.sources.cache import ClipCache

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


async def test_a_stopped_stream_does_not_wait_for_its_hanging_iterator() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def hangs() -> AsyncIterator[AudioFrame]:
        yield AudioFrame(np.full((RATE // 10, 1), 0.1, np.float32), RATE)
        started.set()
        try:
            await asyncio.Event().wait()  # never yields again
        finally:
            cancelled.set()
        yield AudioFrame(np.zeros((1, 1), np.float32), RATE)  # pragma: no cover

    player = BackgroundAudioPlayer()
    await player.start(output=NullOutput(RATE, 1))
    handle = player.play(hangs())
    await asyncio.wait_for(started.wait(), 2)
    handle.stop()
    await asyncio.wait_for(handle.wait_for_playout(), 2)  # ends within a second or two
    await asyncio.wait_for(cancelled.wait(), 1)  # and its feeder is gone before aclose()
    await player.aclose()


@pytest.mark.parametrize("value", [0, 50, 1000])
def test_stream_timeout_is_refused_with_the_reason(value: int) -> None:
    with pytest.raises(ValueError, match="never waits for a slow stream"):
        BackgroundAudioPlayer(stream_timeout_ms=value)


def test_livekits_default_stream_timeout_is_accepted() -> None:
    BackgroundAudioPlayer(
        stream_timeout_ms=200
    )  # what code that forwards LiveKit's defaults passes
