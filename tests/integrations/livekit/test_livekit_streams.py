"""Async iterators of real ``rtc.AudioFrame`` wherever LiveKit's page allows an AudioSource.

LiveKit's player takes ``AsyncIterator[rtc.AudioFrame]`` for ``ambient_sound``,
``thinking_sound`` and ``play()``, and plays the same iterator on every thought, reading on
from where it stopped. Rendered offline, so every claim is about samples, not timing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest

from roomtone import AudioConfig, BackgroundAudioPlayer, CueOptions, OfflineRenderer
from signals import band_db, segment, tone

rtc = pytest.importorskip("livekit.rtc")
agents = pytest.importorskip("livekit.agents")

RATE = 16000
BED, FIRST, THEN = 300.0, 1000.0, 1500.0
CUE = CueOptions.immediate()  # LiveKit's rules: at once, no delay, no memory


def frames_of(samples: np.ndarray, rate: int = RATE, block: int = 320) -> list[rtc.AudioFrame]:
    pcm = np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16)
    return [
        rtc.AudioFrame(pcm[i : i + block].tobytes(), rate, 1, len(pcm[i : i + block]))
        for i in range(0, len(pcm), block)
    ]


async def frames(*pieces: np.ndarray) -> AsyncIterator[rtc.AudioFrame]:
    for piece in pieces:
        for frame in frames_of(piece[:, 0]):
            yield frame


def two_tones(first_seconds: float) -> AsyncIterator[rtc.AudioFrame]:
    """``first_seconds`` of 1 kHz, then 20 s of 1.5 kHz: where a turn starts is audible."""
    return frames(tone(FIRST, first_seconds, RATE), tone(THEN, 20.0, RATE))


async def think(player: BackgroundAudioPlayer, r: OfflineRenderer, seconds: float) -> np.ndarray:
    """One thought of ``seconds``, then 0.3 s of listening; the thought's audio."""
    start = r.time
    player.set_agent_state("thinking")
    await r.advance(seconds)
    player.set_agent_state("listening")
    await r.advance(0.3)
    return segment(r.audio(), RATE, start, start + seconds)


async def test_a_thinking_stream_plays_on_from_where_the_last_thought_stopped(
    tone_file: Callable[..., str],
) -> None:
    r = OfflineRenderer(RATE)
    player = BackgroundAudioPlayer(
        ambient_sound=AudioConfig(tone_file(BED, 4.0, RATE), volume=0.5),
        thinking_sound=two_tones(0.6),
        thinking=CUE,
        ducking=False,
    )
    await player.start(output=r)
    await r.advance(0.2)
    first = await think(player, r, 0.5)
    second = await think(player, r, 0.6)
    await player.aclose()
    assert band_db(first[800:], RATE, FIRST) > -25 and band_db(first, RATE, THEN) < -50
    # The second thought begins with the 0.1 s of 1 kHz left, then the stream's next tone:
    # a restart would give 0.6 s of 1 kHz.
    assert band_db(segment(second, RATE, 0.2, 0.6), RATE, THEN) > -25
    assert band_db(segment(second, RATE, 0.2, 0.6), RATE, FIRST) < -40
    assert band_db(segment(second, RATE, 0.01, 0.09), RATE, FIRST) > -30


@pytest.mark.parametrize("volume", [1.0, 0.5])
async def test_livekits_own_audio_config_of_a_stream_is_a_thinking_sound(volume: float) -> None:
    levels = []
    for config in (agents.AudioConfig, AudioConfig):
        r = OfflineRenderer(RATE)
        player = BackgroundAudioPlayer(
            thinking_sound=[config(two_tones(5.0), volume=volume, probability=1.0)],
            thinking=CUE,
        )
        await player.start(output=r)
        thought = await think(player, r, 0.5)
        await player.aclose()
        levels.append(band_db(thought[800:], RATE, FIRST))
    assert levels[0] == pytest.approx(levels[1], abs=0.1)  # LiveKit's config, read as ours
    assert levels[0] > -30


async def test_a_tool_stream_and_a_played_stream(tone_file: Callable[..., str]) -> None:
    r = OfflineRenderer(RATE)
    player = BackgroundAudioPlayer(tool_sound=two_tones(5.0), tool=CUE)
    await player.start(output=r)
    player.set_tools_running(True)
    await r.advance(0.4)
    player.set_tools_running(False)
    handle = player.play(frames(tone(THEN, 0.3, RATE)))
    await r.advance(0.6)
    await handle  # heard to its end
    audio = r.audio()
    await player.aclose()
    assert band_db(segment(audio, RATE, 0.05, 0.4), RATE, FIRST) > -25
    assert band_db(segment(audio, RATE, 0.45, 0.7), RATE, THEN) > -25


async def test_a_stream_that_ran_out_leaves_later_thoughts_silent_and_says_so(
    tone_file: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    r = OfflineRenderer(RATE)
    player = BackgroundAudioPlayer(
        ambient_sound=AudioConfig(tone_file(BED, 4.0, RATE), volume=0.5),
        thinking_sound=frames(tone(FIRST, 0.3, RATE)),
        thinking=CUE,
        ducking=False,
    )
    await player.start(output=r)
    first = await think(player, r, 0.5)
    with caplog.at_level(logging.WARNING, logger="roomtone"):
        second = await think(player, r, 0.5)
    await player.aclose()
    assert band_db(first[:4000], RATE, FIRST) > -25  # played once, to its end
    assert band_db(second, RATE, FIRST) < -60
    assert band_db(second, RATE, BED) > -25  # the bed plays on
    assert "has ended" in caplog.text and "loop itself" in caplog.text


async def test_play_refuses_to_loop_a_stream_as_livekit_does() -> None:
    r = OfflineRenderer(RATE)
    player = BackgroundAudioPlayer()
    await player.start(output=r)
    with pytest.raises(ValueError, match="loop inside your iterator"):
        player.play(two_tones(1.0), loop=True)
    await player.aclose()
