"""Thinking, tool and speaking sounds follow a real pipeline's frames through the observer."""

from __future__ import annotations

from typing import Any

import pytest
from pipecat.frames.frames import (
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat_harness import SPEECH_HZ, Driver, run_pipeline, wait_frames
from pipecat_signals import BED_HZ, THINK_HZ, TOOL_HZ, Tones, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer, CueOptions
from roomtone.integrations.pipecat import RoomtoneMixer, RoomtoneObserver

# Short cue timings keep the tests quick; the defaults (0.5 s delay...) are the engine's tests.
QUICK = CueOptions(delay=0.1, min_play=0.2, fade_in=0.05, fade_out=0.1, resume_within=0.0)
LAYER_DB = -20.0
GONE_DB = -60.0
RATE = 16000


def full_player(tones: Tones) -> BackgroundAudioPlayer:
    return BackgroundAudioPlayer(
        ambient_sound=AudioConfig(tones.bed, volume=0.5),
        thinking_sound=AudioConfig(tones.think, volume=0.5),
        tool_sound=AudioConfig(tones.tool, volume=0.5),
        thinking=QUICK,
        tool=QUICK,
    )


async def test_thinking_after_the_user_stops_and_gone_when_the_bot_speaks(tones: Tones) -> None:
    player = full_player(tones)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.2)
        await d.queue(UserStartedSpeakingFrame())
        await wait_frames(d, 0.3)
        d.mark("user_stop")
        await d.queue(UserStoppedSpeakingFrame())
        await wait_frames(d, 0.9)
        d.mark("speak")
        await d.say(1.0)
        await wait_frames(d, 1.2)

    rec = await run_pipeline(
        RoomtoneMixer(player), script, rate=RATE, observers=[RoomtoneObserver(player)]
    )
    assert tone_db(rec.at("user_stop", -0.3, 0.0), RATE, THINK_HZ) < GONE_DB  # user talking
    thinking = rec.at("user_stop", 0.35, 0.85)
    assert tone_db(thinking, RATE, THINK_HZ) == pytest.approx(LAYER_DB, abs=0.7)
    assert tone_db(thinking, RATE, BED_HZ) == pytest.approx(LAYER_DB, abs=0.7)
    speaking = rec.at("speak", 0.45, 1.0)
    assert tone_db(speaking, RATE, SPEECH_HZ) > -12
    assert tone_db(speaking, RATE, THINK_HZ) < GONE_DB
    assert tone_db(speaking, RATE, BED_HZ) == pytest.approx(LAYER_DB - 8, abs=1.0)  # ducked
    assert tone_db(rec.at("speak", 0.0, 1.6), RATE, TOOL_HZ) < GONE_DB


async def test_tool_sound_while_a_function_call_runs(tones: Tones) -> None:
    player = full_player(tones)
    call: dict[str, Any] = {"function_name": "lookup", "tool_call_id": "c1", "arguments": {}}

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.2)
        d.mark("call")
        await d.queue(FunctionCallInProgressFrame(**call, cancel_on_interruption=True))
        await wait_frames(d, 0.9)
        d.mark("result")
        await d.queue(FunctionCallResultFrame(**call, result={"status": "shipped"}))
        await wait_frames(d, 0.7)

    observer = RoomtoneObserver(player)
    rec = await run_pipeline(RoomtoneMixer(player), script, rate=RATE, observers=[observer])
    running = rec.at("call", 0.35, 0.85)
    assert tone_db(running, RATE, TOOL_HZ) == pytest.approx(LAYER_DB, abs=0.7)
    assert tone_db(running, RATE, THINK_HZ) < GONE_DB
    assert tone_db(rec.at("result", 0.4, 0.7), RATE, TOOL_HZ) < GONE_DB
    assert not observer.tracker.tools_running


async def test_interruption_fades_the_cue_and_the_bed_never_drops_out(tones: Tones) -> None:
    """The user barges in while the bot speaks: speech stops, the bed carries on unbroken."""
    player = full_player(tones)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.2)
        d.mark("speak")
        await d.say(2.0)
        await wait_frames(d, 0.7)
        d.mark("interrupt")
        await d.queue(UserStartedSpeakingFrame(), InterruptionFrame())
        await wait_frames(d, 0.5)
        d.mark("user_stop")
        await d.queue(UserStoppedSpeakingFrame())
        await wait_frames(d, 0.4)
        d.mark("barge")  # the user speaks again before the bot answers
        await d.queue(UserStartedSpeakingFrame())
        await wait_frames(d, 0.6)

    rec = await run_pipeline(
        RoomtoneMixer(player), script, rate=RATE, observers=[RoomtoneObserver(player)]
    )
    assert tone_db(rec.at("interrupt", -0.4, 0.0), RATE, SPEECH_HZ) > -12
    assert tone_db(rec.at("interrupt", 0.15, 0.5), RATE, SPEECH_HZ) < GONE_DB  # cut off
    # 20 ms windows from the bot's speech to the end: the bed is always there.
    start, stop = rec.marks["speak"], len(rec.audio)
    step = RATE // 50
    levels = [
        tone_db(rec.audio[i : i + step], RATE, BED_HZ) for i in range(start, stop - step, step)
    ]
    assert min(levels) > LAYER_DB - 10
    assert tone_db(rec.at("barge", -0.2, 0.0), RATE, THINK_HZ) > LAYER_DB - 3  # thinking...
    assert tone_db(rec.at("barge", 0.3, 0.6), RATE, THINK_HZ) < GONE_DB  # ...faded on barge-in
