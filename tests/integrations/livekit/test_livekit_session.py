"""A real livekit-agents AgentSession drives the sounds: thinking, tools, user speech."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from agents_stand_ins import ToolCallingLLM
from livekit_rig import Captured

from roomtone import BackgroundAudioPlayer, CueOptions, Ducking
from roomtone.integrations.livekit import RoomOutput
from signals import band_db

agents = pytest.importorskip("livekit.agents")

RATE = 48000
QUICK = CueOptions(delay=0, fade_in=0.0, fade_out=0.0, min_play=0.0)
THINK_S = 0.6  # the scripted model "thinks" this long before each answer
TOOL_S = 0.8  # and the tool runs this long


class WeatherAgent(agents.Agent):
    def __init__(self) -> None:
        super().__init__(instructions="test")

    @agents.function_tool
    async def lookup(self, ctx: agents.RunContext, city: str) -> str:
        """Look up the weather."""
        await asyncio.sleep(TOOL_S)
        return f"sunny in {city}"


@pytest.mark.realtime
async def test_real_session_drives_thinking_and_tool_sounds(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    session = agents.AgentSession(
        llm=ToolCallingLLM(
            "lookup", arguments=json.dumps({"city": "Paris"}), answer="Sunny.", think=THINK_S
        ),
        vad=None,
        turn_handling={"turn_detection": "manual"},
    )
    seen: list[tuple[float, str]] = []
    session.on("agent_state_changed", lambda ev: seen.append((time.monotonic(), ev.new_state)))
    session.on("tool_execution_updated", lambda ev: seen.append((time.monotonic(), ev.update.type)))
    await session.start(WeatherAgent())
    player = BackgroundAudioPlayer(
        ambient_sound=tone_file(300),
        thinking_sound=tone_file(1000),
        tool_sound=tone_file(2500),
        thinking=QUICK,
        tool=QUICK,
    )
    await player.start(room=room, agent_session=session)
    output = player.output
    assert isinstance(output, RoomOutput)
    await session.run(user_input="weather in Paris?")
    await asyncio.sleep(0.5)
    end = time.monotonic()
    await player.aclose()
    await session.aclose()

    times = {name: t for t, name in reversed(seen)}  # first occurrence of each
    thinking_at, tool_at = times["thinking"], times["tool_call_started"]
    tool_end = max(t for t, name in seen if name == "tool_call_ended")
    listening_at = max(t for t, name in seen if name == "listening")

    def level(start: float, stop: float, freq: float) -> float:
        return band_db(captured.audio(output.source, start + 0.15, stop), RATE, freq)

    assert level(thinking_at, tool_at, 1000) > -30  # thinking before the tool call
    assert level(tool_at, tool_end, 2500) > -30  # the tool sound while it runs
    assert level(tool_at, tool_end, 1000) < -50
    assert level(listening_at, end, 1000) < -50  # nothing after the answer
    assert level(listening_at, end, 2500) < -50
    assert level(thinking_at, end, 300) > -30  # the bed throughout


@pytest.mark.realtime
async def test_real_session_user_speech_ducks_the_bed(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    session = agents.AgentSession()  # never started: only its events are used
    player = BackgroundAudioPlayer(
        ambient_sound=tone_file(300), ducking=Ducking(under_user=True, attack=0.02)
    )
    await player.start(room=room, agent_session=session)
    output = player.output
    assert isinstance(output, RoomOutput)
    await asyncio.sleep(0.5)
    speaking_at = time.monotonic()
    session.emit(
        "user_state_changed",
        agents.UserStateChangedEvent(old_state="listening", new_state="speaking"),
    )
    await asyncio.sleep(0.6)
    done_at = time.monotonic()
    await player.aclose()
    before = band_db(captured.audio(output.source, speaking_at - 0.4, speaking_at), RATE, 300)
    during = band_db(captured.audio(output.source, speaking_at + 0.2, done_at), RATE, 300)
    assert before - during == pytest.approx(4.0, abs=1.0)  # Ducking.user_amount_db
