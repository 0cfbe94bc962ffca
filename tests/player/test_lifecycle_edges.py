"""Edges found in review: shared outputs, bad fades, scene changes, close during start."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import pytest

from roomtone import (
    AudioConfig,
    AudioFrame,
    BackgroundAudioPlayer,
    CueOptions,
    MemoryOutput,
    OfflineRenderer,
    OutputError,
    PlayerStateError,
)
from roomtone.engine.mixer import Mixer
from roomtone.format import AudioFormat
from roomtone.outputs.base import AudioOutput, Renderer
from signals import assert_keeps_playing, band_db, segment

RATE = 16000


async def test_an_output_in_use_is_refused_and_its_player_keeps_playing(
    tone_file: Callable[..., str],
) -> None:
    shared = MemoryOutput(RATE)
    first = BackgroundAudioPlayer(ambient_sound=tone_file(300, 2.0, RATE))
    await first.start(output=shared)
    second = BackgroundAudioPlayer(ambient_sound=tone_file(500, 2.0, RATE))
    with pytest.raises(OutputError, match="another player"):
        await second.start(output=shared)
    await assert_keeps_playing(shared, 0.2)
    assert first.started and first.error is None
    await first.aclose()
    await second.aclose()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda p: p.pause_ambient(math.nan), ValueError),
        (lambda p: p.resume_ambient("0.5"), TypeError),
        (lambda p: p.set_master_volume(0.5, ramp=math.nan), ValueError),
        (lambda p: p.set_ambient(None, crossfade=math.inf), ValueError),
    ],
)
async def test_bad_fades_and_ramps_raise_to_the_caller_and_the_player_goes_on(
    tone_file: Callable[..., str], call: Callable[[Any], None], error: type[Exception]
) -> None:
    r = OfflineRenderer(RATE)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300, 2.0, RATE))
    await player.start(output=r)
    with pytest.raises(error, match=r"fade|ramp|crossfade"):
        call(player)
    await r.advance(0.5)
    assert player.started and player.error is None
    assert band_db(segment(r.audio(), RATE, 0.2, 0.5), RATE, 300) > -20
    await player.aclose()


async def test_a_refused_crossfade_leaves_the_scene_as_it_was(
    tone_file: Callable[..., str],
) -> None:
    r = OfflineRenderer(RATE)
    bed = tone_file(300, 2.0, RATE)
    player = BackgroundAudioPlayer(ambient_sound=bed)
    await player.start(output=r)
    with pytest.raises(ValueError, match="crossfade"):
        player.set_ambient(tone_file(500, 2.0, RATE), crossfade=120)
    assert isinstance(player.ambient_sound, AudioConfig) and player.ambient_sound.source == bed
    await r.advance(1.0)
    audio = r.audio()
    assert (
        abs(
            band_db(segment(audio, RATE, 0.5, 1.0), RATE, 300)
            - band_db(segment(audio, RATE, 0.0, 0.5), RATE, 300)
        )
        < 0.5
    )
    player.pause_ambient(0.1)  # the bed is still under control
    await r.advance(0.5)
    assert band_db(segment(r.audio(), RATE, 1.3, 1.5), RATE, 300) < -60
    await player.aclose()


async def test_a_new_scene_keeps_its_fade_out(tone_file: Callable[..., str]) -> None:
    r = OfflineRenderer(RATE)
    player = BackgroundAudioPlayer()
    await player.start(output=r)
    handle = player.set_ambient(AudioConfig(tone_file(300, 4.0, RATE), fade_out=1.0), 0.0)
    assert handle is not None
    await r.advance(0.5)
    handle.stop()
    await r.advance(1.5)
    tail = segment(r.audio(), RATE, 0.5, 2.0)[:, 0]
    heard = np.flatnonzero(np.abs(tail) > 1e-3)
    assert 0.9 < heard[-1] / RATE < 1.05  # faded over its own second, not cut in 5 ms
    await player.aclose()


class NeverStarts(AudioOutput):
    """An output whose start never returns (a publish that hangs)."""

    def __init__(self) -> None:
        super().__init__(RATE, 1, 0.02)
        self.closed = False

    async def start(self, renderer: Renderer) -> None:
        await asyncio.Event().wait()

    def delivered_frames(self) -> int:
        return 0

    async def aclose(self) -> None:
        self.closed = True


async def test_aclose_during_start_cancels_the_start_instead_of_waiting(
    tone_file: Callable[..., str],
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300, 1.0, RATE))
    output = NeverStarts()
    starting = asyncio.ensure_future(player.start(output=output))
    await asyncio.sleep(0.2)
    await asyncio.wait_for(player.aclose(), 30)  # does not wait for a start that never ends
    with pytest.raises(PlayerStateError, match="aclose"):
        await starting
    assert output.closed and not player.started
    await player.aclose()  # still idempotent


async def test_aclose_before_start_leaves_the_player_startable_as_livekits(
    tone_file: Callable[..., str],
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300, 1.0, RATE))
    await player.aclose()
    await player.aclose()
    with pytest.raises(PlayerStateError, match="not started"):
        player.play(tone_file(1000, 0.2, RATE))
    r = OfflineRenderer(RATE)
    await player.start(output=r)  # LiveKit's player allows this too (its aclose() returns)
    await r.advance(0.5)
    assert band_db(segment(r.audio(), RATE, 0.1, 0.5), RATE, 300) > -20
    await player.aclose()
    with pytest.raises(PlayerStateError, match="closed"):  # a started one stays closed
        await player.start(output=OfflineRenderer(RATE))


async def test_a_stream_is_a_thinking_sound_as_on_livekits_page() -> None:
    async def frames() -> AsyncIterator[AudioFrame]:
        for _ in range(100):
            yield AudioFrame(np.full((160, 1), 0.1, np.float32), RATE)

    r = OfflineRenderer(RATE)
    player = BackgroundAudioPlayer(thinking_sound=frames(), thinking=CueOptions.immediate())
    await player.start(output=r)
    player.set_agent_state("thinking")
    await r.advance(0.3)
    await player.aclose()
    assert np.abs(r.audio()[800:]).min() > 0.09  # the stream's level, after the 5 ms ramp


def test_a_mixer_command_that_raises_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mixer = Mixer(AudioFormat(RATE, 1))
    mixer.submit(lambda: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="roomtone"):
        block = mixer.render(160)
    assert block.shape == (160, 1)
    assert "mixer command failed" in caplog.text
