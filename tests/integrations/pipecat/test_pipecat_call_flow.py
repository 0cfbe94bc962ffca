"""The call's shape in a real Pipecat pipeline: named function calls, the bot's speech over a
running tool, a speech-to-speech wait with no text frames, and the caller muted on hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pipecat.frames.frames import (
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    InputAudioRawFrame,
    TextFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.tests.utils import run_test
from pipecat_harness import Driver, run_pipeline, wait_frames
from pipecat_signals import THINK_HZ, TOOL_HZ, Tones, sine_wav, tone_db

from roomtone import BackgroundAudioPlayer, CueOptions, OfflineRenderer
from roomtone.integrations.pipecat import RoomtoneMixer, RoomtoneObserver

pytestmark = pytest.mark.realtime  # a real session or pipeline, on the real clock

QUICK = CueOptions(delay=0.1, min_play=0.2, fade_in=0.05, fade_out=0.1, resume_within=1.0)
SEARCH_HZ = 2600.0
RATE = 16000
LAYER_DB = -14.0  # a 0.2 sine
GONE_DB = -60.0


def _call(name: str, call_id: str) -> dict[str, Any]:
    return {"function_name": name, "tool_call_id": call_id, "arguments": {}}


async def test_named_calls_pick_their_sound_and_fall_silent_under_the_bot(
    tones: Tones, tmp_path: Path
) -> None:
    player = BackgroundAudioPlayer(
        tool_sound={"search_flights": sine_wav(tmp_path / "s.wav", SEARCH_HZ), "*": tones.tool},
        tool=QUICK,
        ducking=False,
    )
    search = _call("search_flights", "c1")

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.2)
        d.mark("call")
        await d.queue(FunctionCallInProgressFrame(**search, cancel_on_interruption=False))
        await wait_frames(d, 0.6)
        d.mark("speak")  # "still looking..." while the call runs on
        await d.say(0.8)
        await wait_frames(d, 1.5)
        d.mark("result")
        await d.queue(FunctionCallResultFrame(**search, result={"flights": 2}))
        await wait_frames(d, 0.5)

    rec = await run_pipeline(
        RoomtoneMixer(player), script, rate=RATE, observers=[RoomtoneObserver(player)]
    )
    assert tone_db(rec.at("call", 0.25, 0.6), RATE, SEARCH_HZ) > LAYER_DB - 3
    assert tone_db(rec.at("call", 0.25, 0.6), RATE, TOOL_HZ) < GONE_DB
    assert tone_db(rec.at("speak", 0.3, 0.8), RATE, SEARCH_HZ) < GONE_DB  # under the bot
    assert tone_db(rec.at("speak", 1.2, 1.5), RATE, SEARCH_HZ) > LAYER_DB - 3  # back
    assert tone_db(rec.at("result", 0.3, 0.5), RATE, SEARCH_HZ) < GONE_DB


async def test_end_call_plays_nothing(tones: Tones) -> None:
    player = BackgroundAudioPlayer(
        thinking_sound=tones.think, tool_sound=tones.tool, thinking=QUICK, tool=QUICK
    )

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.2)
        d.mark("call")
        await d.queue(
            UserStoppedSpeakingFrame(),
            FunctionCallInProgressFrame(**_call("end_call", "c9"), cancel_on_interruption=True),
        )
        await wait_frames(d, 0.8)

    rec = await run_pipeline(
        RoomtoneMixer(player), script, rate=RATE, observers=[RoomtoneObserver(player)]
    )
    assert tone_db(rec.at("call", 0.2, 0.8), RATE, TOOL_HZ) < GONE_DB
    assert tone_db(rec.at("call", 0.2, 0.8), RATE, THINK_HZ) < GONE_DB


async def test_speech_to_speech_wait_without_text_frames_obeys_the_delay(tones: Tones) -> None:
    """A speech-to-speech service sends no LLM text frames: the wait runs from the user's end
    of turn to the bot's first audio, and the cue keeps its delay."""
    player = BackgroundAudioPlayer(
        thinking_sound=tones.think,
        thinking=CueOptions(delay=0.4, fade_in=0.05, fade_out=0.1, min_play=0.0),
        ducking=False,
    )

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.2)
        await d.queue(UserStartedSpeakingFrame())
        await wait_frames(d, 0.4)
        d.mark("end_of_turn")
        await d.queue(UserStoppedSpeakingFrame())
        await wait_frames(d, 1.2)
        d.mark("audio")
        await d.say(0.8)
        await wait_frames(d, 1.0)

    rec = await run_pipeline(
        RoomtoneMixer(player), script, rate=RATE, observers=[RoomtoneObserver(player)]
    )
    assert tone_db(rec.at("end_of_turn", 0.05, 0.35), RATE, THINK_HZ) < GONE_DB
    assert tone_db(rec.at("end_of_turn", 0.6, 1.2), RATE, THINK_HZ) > LAYER_DB - 3
    assert tone_db(rec.at("audio", 0.3, 0.8), RATE, THINK_HZ) < GONE_DB


def _caller_audio() -> InputAudioRawFrame:
    return InputAudioRawFrame(audio=b"\x10\x00" * 160, sample_rate=16000, num_channels=1)


@pytest.mark.parametrize(
    ("hold", "mute", "passed"), [(False, False, 3), (True, False, 3), (True, True, 0)]
)
async def test_input_gate_drops_the_callers_audio_only_when_muted_on_hold(
    tones: Tones, hold: bool, mute: bool, passed: int
) -> None:
    from roomtone.integrations.pipecat import RoomtoneInputGate

    player = BackgroundAudioPlayer(ducking=False)
    await player.start(room=OfflineRenderer(16000, 1))
    if hold:
        player.hold(tones.bed, mute_input=mute)
    expected = [InputAudioRawFrame] * passed + [TextFrame]
    down, _ = await run_test(
        RoomtoneInputGate(player),
        frames_to_send=[_caller_audio(), _caller_audio(), _caller_audio(), TextFrame("hi")],
        expected_down_frames=expected,
    )
    assert len(down) == passed + 1
    await player.aclose()
