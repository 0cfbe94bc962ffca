"""The mixed output of a real Pipecat pipeline, measured as sound."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from pipecat_harness import SPEECH_HZ, Driver, mix_directly, run_pipeline, wait_frames
from pipecat_signals import BED2_HZ, BED_HZ, EFFECT_HZ, THINK_HZ, TOOL_HZ, Tones, sine, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer, OfflineRenderer
from roomtone.integrations.pipecat import RoomtoneMixer

BED_DB = -20.0  # a 0.2 amplitude file at volume 0.5
DUCK_DB = 8.0  # the default ducking depth
SPEECH_DB = 20 * np.log10(0.3)


def longest_run(flags: np.ndarray) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def bed_player(tones: Tones, **kwargs: Any) -> BackgroundAudioPlayer:
    return BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5), **kwargs)


async def offline_bed_db(tones: Tones, rate: int, start: float, end: float) -> float:
    """The same player rendered offline: the reference the live mix must match."""
    player = bed_player(tones)
    renderer = OfflineRenderer(rate)
    await player.start(output=renderer)
    await renderer.advance(end)
    await player.aclose()
    audio = renderer.audio().astype(np.float64)
    return tone_db(audio[round(start * rate) : round(end * rate)], rate, BED_HZ)


@pytest.mark.parametrize("rate", [8000, 24000, 48000])
async def test_ambience_at_the_right_level_between_turns(tones: Tones, rate: int) -> None:
    mixer = RoomtoneMixer(bed_player(tones))

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.3)
        d.mark("bed")
        await wait_frames(d, 1.0)

    rec = await run_pipeline(mixer, script, rate=rate)
    window = rec.at("bed", 0.0, 1.0)
    live = tone_db(window, rate, BED_HZ)
    assert live == pytest.approx(BED_DB, abs=0.5)
    reference = await offline_bed_db(tones, rate, 0.3, 1.3)
    assert live == pytest.approx(reference, abs=0.3)
    for other in (BED2_HZ, THINK_HZ, TOOL_HZ, EFFECT_HZ, SPEECH_HZ):
        assert tone_db(window, rate, other) < BED_DB - 50


async def test_bed_sums_under_speech_and_ducks_to_the_words(tones: Tones) -> None:
    """Under speech the bed dips 8 dB; in a pause inside the same turn it comes back up."""
    rate = 8000
    mixer = RoomtoneMixer(bed_player(tones))

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.3)
        d.mark("speak")
        await d.say(2.2, gap=1.4)  # 0.4 s speech, 1.4 s pause, 0.4 s speech
        await wait_frames(d, 3.6)

    rec = await run_pipeline(mixer, script, rate=rate)
    words = rec.at("speak", 0.15, 0.4)
    assert tone_db(words, rate, SPEECH_HZ) == pytest.approx(SPEECH_DB, abs=0.5)
    assert tone_db(words, rate, BED_HZ) == pytest.approx(BED_DB - DUCK_DB, abs=1.0)
    pause = rec.at("speak", 1.45, 1.8)  # hold 0.3 s + release 0.6 s after the words stop
    assert tone_db(pause, rate, SPEECH_HZ) < -60
    assert tone_db(pause, rate, BED_HZ) == pytest.approx(BED_DB, abs=0.7)
    after = rec.at("speak", 3.2, 3.5)
    assert tone_db(after, rate, BED_HZ) == pytest.approx(BED_DB, abs=0.7)


async def test_stereo_transport_gets_the_bed_in_both_channels(tones: Tones) -> None:
    rate = 48000
    mixer = RoomtoneMixer(bed_player(tones), num_channels=2)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.3)
        d.mark("bed")
        await wait_frames(d, 0.6)
        d.mark("speak")
        await d.say(0.6)
        await wait_frames(d, 0.8)

    rec = await run_pipeline(mixer, script, rate=rate, channels=2)
    assert rec.audio.shape[1] == 2
    for channel in (0, 1):
        bed = rec.at("bed", 0.0, 0.5)[:, channel]
        assert tone_db(bed, rate, BED_HZ) == pytest.approx(BED_DB, abs=0.5)
        words = rec.at("speak", 0.2, 0.5)[:, channel]
        assert tone_db(words, rate, SPEECH_HZ) == pytest.approx(SPEECH_DB, abs=0.5)
    np.testing.assert_array_equal(rec.audio[:, 0], rec.audio[:, 1])


async def test_play_returns_a_handle_heard_in_the_output(tones: Tones) -> None:
    rate = 16000
    player = bed_player(tones)
    mixer = RoomtoneMixer(player)
    handles = []

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.3)
        d.mark("play")
        handle = player.play(AudioConfig(tones.effect, volume=0.5))
        handles.append(handle)
        await asyncio.wait_for(handle.wait_for_playout(), 3.0)
        d.mark("done")
        await wait_frames(d, 0.2)

    rec = await run_pipeline(mixer, script, rate=rate)
    assert handles[0].done()
    effect = rec.at("play", 0.1, 0.4)
    assert tone_db(effect, rate, EFFECT_HZ) == pytest.approx(-20.0, abs=0.5)
    assert tone_db(rec.at("done", 0.05, 0.2), rate, EFFECT_HZ) < -60
    assert rec.marks["done"] - rec.marks["play"] >= round(0.5 * rate)  # awaited its playout


async def test_the_sum_is_limited_never_clipped(tones: Tones) -> None:
    """Near-full-scale speech plus the bed: peaks stay under the ceiling, no flat tops."""
    rate = 8000
    mixer = RoomtoneMixer(bed_player(tones, ducking=False), num_channels=1, realtime=False)
    await mixer.start(rate)
    speech = sine(SPEECH_HZ, 1.0, rate, 0.97)
    out = await mix_directly(mixer, 1.0, bot=speech)
    await mixer.stop()
    ceiling = 10 ** (-0.5 / 20)
    assert np.max(np.abs(out)) <= ceiling + 1 / 32768
    near = np.abs(out[:, 0]) >= ceiling - 1 / 32768
    assert longest_run(near) <= 2  # a hard clip holds flat tops at the rail
    # The limiter turns the whole sum down smoothly: no clipping harmonics.
    assert tone_db(out[800:], rate, 3 * SPEECH_HZ) < -60
    assert tone_db(out[800:], rate, BED_HZ) > BED_DB - 3
