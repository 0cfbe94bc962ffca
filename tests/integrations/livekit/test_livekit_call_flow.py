"""The call's shape with a real livekit-agents AgentSession: fillers, per-tool sounds, a
realtime model's inferred wait, hold with the caller muted, and a closing cue."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from agents_stand_ins import (
    CallerInput,
    ScriptedRealtime,
    ScriptedTTS,
    SpeakerOutput,
    ToolCallingLLM,
)
from livekit_rig import Captured

from roomtone import BackgroundAudioPlayer, CueOptions
from roomtone.integrations.livekit import RoomOutput
from signals import band_db

agents = pytest.importorskip("livekit.agents")

pytestmark = pytest.mark.realtime  # a real session or pipeline, on the real clock

RATE = 48000
BED, THINK, TOOL, SEARCH, CLOSE = 300.0, 1000.0, 1800.0, 2500.0, 1500.0
QUICK = CueOptions(delay=0, fade_in=0.05, fade_out=0.05, min_play=0.0)


class TravelAgent(agents.Agent):
    def __init__(self) -> None:
        super().__init__(instructions="test")

    @agents.function_tool
    async def search_flights(self, ctx: agents.RunContext) -> str:
        """Search flights; says a filler if it takes a while."""
        async with ctx.with_filler("One moment please", delay=0.5):
            await asyncio.sleep(3.0)
        return "found one"

    @agents.function_tool
    async def end_call(self, ctx: agents.RunContext) -> str:
        """Hang up."""
        await asyncio.sleep(1.5)
        return "ended"


class Timeline:
    """When the session's events happened (monotonic seconds)."""

    def __init__(self, session: Any) -> None:
        self.events: list[tuple[float, str]] = []
        session.on("agent_state_changed", lambda ev: self.add(f"agent:{ev.new_state}"))
        session.on("user_state_changed", lambda ev: self.add(f"user:{ev.new_state}"))
        session.on("tool_execution_updated", lambda ev: self.add(ev.update.type))

    def add(self, name: str) -> None:
        self.events.append((time.monotonic(), name))

    def all(self, name: str) -> list[float]:
        return [t for t, n in self.events if n == name]


def level_between(
    captured: Captured, output: RoomOutput, start: float, stop: float, freq: float
) -> float:
    return band_db(captured.audio(output.source, start, stop), RATE, freq)


async def _pipeline_session(tool: str) -> tuple[Any, SpeakerOutput, Timeline]:
    session = agents.AgentSession(
        llm=ToolCallingLLM(tool, think=0.3),
        tts=ScriptedTTS(),
        vad=None,
        turn_handling={"turn_detection": "manual"},
    )
    timeline = Timeline(session)
    speaker = SpeakerOutput()
    session.output.audio = speaker
    await session.start(TravelAgent())
    return session, speaker, timeline


async def test_tool_sound_is_silent_under_a_filler_and_picked_per_tool(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    session, _speaker, timeline = await _pipeline_session("search_flights")
    player = BackgroundAudioPlayer(
        tool_sound={"search_flights": tone_file(SEARCH, 3.0), "*": tone_file(TOOL, 3.0)},
        tool=QUICK,
        ducking=False,
    )
    await player.start(room=room, agent_session=session)
    output = player.output
    assert isinstance(output, RoomOutput)
    await session.run(user_input="a flight to Lisbon")
    await asyncio.sleep(0.3)
    await player.aclose()
    await session.aclose()

    started = timeline.all("tool_call_started")[0]
    ended = timeline.all("tool_call_ended")[0]
    speaking = timeline.all("agent:speaking")
    filler_start = next(t for t in speaking if started < t < ended)
    filler_end = next(t for t in timeline.all("agent:thinking") if t > filler_start)

    def level(a: float, b: float, freq: float = SEARCH) -> float:
        return level_between(captured, output, a, b, freq)

    assert level(started + 0.15, filler_start) > -30  # before the filler
    assert level(filler_start + 0.2, filler_end) < -60  # silent under it
    assert level(filler_end + 0.2, ended) > -30  # back while the tool still runs
    assert level(started, ended, TOOL) < -60  # the default sound is for other tools


async def test_call_control_tool_plays_no_sound(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    session, _speaker, timeline = await _pipeline_session("end_call")
    player = BackgroundAudioPlayer(
        thinking_sound=tone_file(THINK, 3.0),
        tool_sound=tone_file(TOOL, 3.0),
        thinking=QUICK,
        tool=QUICK,
        ducking=False,
    )
    await player.start(room=room, agent_session=session)
    output = player.output
    assert isinstance(output, RoomOutput)
    await session.run(user_input="bye")
    await player.aclose()
    await session.aclose()
    started = timeline.all("tool_call_started")[0]
    ended = timeline.all("tool_call_ended")[0]
    assert ended - started > 1.0
    assert level_between(captured, output, started + 0.15, ended, TOOL) < -60
    assert level_between(captured, output, started + 0.15, ended, THINK) < -60


async def _realtime_session() -> tuple[Any, Any, SpeakerOutput, Timeline]:
    model = ScriptedRealtime()
    session = agents.AgentSession(llm=model)
    timeline = Timeline(session)
    speaker = SpeakerOutput()
    session.output.audio = speaker
    session.input.audio = CallerInput()
    await session.start(agents.Agent(instructions="test"))
    return session, model.sessions[-1], speaker, timeline


async def test_realtime_model_wait_is_inferred_and_obeys_the_delay(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    session, model, _speaker, timeline = await _realtime_session()
    player = BackgroundAudioPlayer(
        thinking_sound=tone_file(THINK, 3.0),
        thinking=CueOptions(delay=0.5, fade_in=0.05, fade_out=0.05, min_play=0.0),
        ducking=False,
    )
    await player.start(room=room, agent_session=session)
    output = player.output
    assert isinstance(output, RoomOutput)
    model.caller_starts()
    await asyncio.sleep(0.6)
    model.caller_stops()
    await asyncio.sleep(1.5)
    model.answer(1.0)
    await asyncio.sleep(1.5)
    await player.aclose()
    await session.aclose()

    end_of_turn = timeline.all("user:listening")[-1]
    first_audio = timeline.all("agent:speaking")[0]
    assert not [t for t in timeline.all("agent:thinking") if t > end_of_turn]  # no thinking
    assert level_between(captured, output, end_of_turn + 0.1, end_of_turn + 0.4, THINK) < -60
    assert level_between(captured, output, end_of_turn + 0.75, first_audio, THINK) > -30
    assert level_between(captured, output, first_audio + 0.2, first_audio + 1.0, THINK) < -60


async def test_hold_with_mute_input_keeps_the_caller_from_the_session(
    room: Any, tone_file: Callable[..., str]
) -> None:
    session, model, _speaker, _timeline = await _realtime_session()
    player = BackgroundAudioPlayer(ducking=False)
    await player.start(room=room, agent_session=session)
    await asyncio.sleep(0.3)
    before = model.frames_in
    assert before > 0  # the caller is heard
    player.hold(tone_file(500.0, 2.0), mute_input=True)
    assert not session.input.audio_enabled
    await asyncio.sleep(0.05)  # a frame already in flight may land
    muted = model.frames_in
    await asyncio.sleep(0.6)
    assert model.frames_in == muted  # not one frame while on hold
    player.unhold()
    assert session.input.audio_enabled
    await asyncio.sleep(0.3)
    assert model.frames_in > muted + 10  # heard again
    await player.aclose()
    await session.aclose()


async def test_closing_follows_the_last_words_and_returns_once_heard(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    session, model, speaker, _timeline = await _realtime_session()
    player = BackgroundAudioPlayer(ducking=False)
    await player.start(room=room, agent_session=session)
    output = player.output
    assert isinstance(output, RoomOutput)
    model.answer(1.0)  # "goodbye", queued
    await player.play_closing(tone_file(CLOSE, 0.4))
    returned = time.monotonic()
    await asyncio.sleep(0.2)
    await player.aclose()
    await session.aclose()

    words_end = speaker.last_sound_ended
    closing_frames = [
        f for f in captured.of(output.source) if band_db(f.samples, RATE, CLOSE, 100) > -40
    ]
    assert closing_frames, "the closing sound was never sent"
    assert closing_frames[0].time >= words_end - 0.05  # after the words, not over them
    assert returned >= closing_frames[-1].time  # returned after its last frame went out


async def test_unhold_leaves_an_input_the_app_disabled_disabled(
    room: Any, tone_file: Callable[..., str]
) -> None:
    session, _model, _speaker, _timeline = await _realtime_session()
    session.input.set_audio_enabled(False)  # the app's own choice, before the hold
    player = BackgroundAudioPlayer(ducking=False)
    await player.start(room=room, agent_session=session)
    player.hold(tone_file(500.0, 2.0), mute_input=True)
    assert not session.input.audio_enabled
    player.unhold()
    assert not session.input.audio_enabled  # restored to what it was, not forced on
    await player.aclose()
    await session.aclose()
