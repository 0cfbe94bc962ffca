"""Render a scripted conversation offline: the engine behind ``roomtone render`` and ``demo``."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from roomtone import (
    AudioConfig,
    BackgroundAudioPlayer,
    BuiltinAudioClip,
    CueOptions,
    Ducking,
    OfflineRenderer,
    PlayHandle,
    ScriptedSession,
)
from roomtone.outputs import write_wav
from roomtone.player.selection import sound_by_name
from roomtone.samples import FloatArray
from roomtone.timeline import Step

__all__ = ["Band", "Scenario", "render_scenario", "resolve_sound"]


def resolve_sound(name: str) -> str | BuiltinAudioClip:
    """A built-in name (any case) or an existing file path.

    A name that looks like a path (a folder or an extension in it) and does not exist is a
    missing file; a bare word is an unknown built-in. Each gets its own message.
    """
    try:
        return sound_by_name(name)
    except FileNotFoundError as exc:  # a path that does not exist: not "an unknown built-in"
        raise ValueError(f"{exc} (in {os.getcwd()}); check the path") from None


@dataclass(frozen=True)
class Band:
    """A stretch of the timeline in one state, for plots."""

    state: str
    start: float
    end: float


@dataclass
class Scenario:
    steps: list[Step]
    ambient: str | None = None
    thinking: str | None = None
    tool: str | None = None
    voice: str | None = None
    sample_rate: int = 48000
    num_channels: int = 1
    seed: int = 0
    duck_db: float | None = 8.0
    thinking_delay: float = 0.5
    ambient_volume: float = 1.0
    bands: list[Band] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return sum(step.seconds for step in self.steps)


def _sound(name: str | None, volume: float = 1.0) -> AudioConfig | None:
    return AudioConfig(resolve_sound(name), volume=volume) if name else None


SYNTHETIC_VOICE = "synthetic"
"""``--voice synthetic``: a generated stand-in talker instead of a speech file."""


def _voice_file(scenario: Scenario, workdir: str) -> str | None:
    if scenario.voice != SYNTHETIC_VOICE:
        return scenario.voice
    from roomtone.clips.preview_voice import preview_voice

    longest = max((s.seconds for s in scenario.steps if s.state == "speaking"), default=1.0)
    path = os.path.join(workdir, "voice.wav")
    write_wav(path, preview_voice(longest + 0.5, scenario.sample_rate), scenario.sample_rate)
    return path


async def render_scenario(
    scenario: Scenario, on_progress: Callable[[float], None] | None = None
) -> FloatArray:
    """Render the scenario and fill ``scenario.bands``; returns (frames, channels) float32."""
    ducking = Ducking(amount_db=scenario.duck_db) if scenario.duck_db else None
    player = BackgroundAudioPlayer(
        ambient_sound=_sound(scenario.ambient, scenario.ambient_volume),
        thinking_sound=_sound(scenario.thinking),
        tool_sound=_sound(scenario.tool),
        ducking=ducking,
        thinking=CueOptions(delay=scenario.thinking_delay),
        tool=CueOptions(delay=scenario.thinking_delay),
        seed=scenario.seed,
    )
    renderer = OfflineRenderer(scenario.sample_rate, scenario.num_channels)
    session = ScriptedSession()
    await player.start(room=renderer, agent_session=session)
    workdir = tempfile.mkdtemp(prefix="roomtone-")
    voice = _sound(_voice_file(scenario, workdir))
    scenario.bands.clear()
    tool_call: str | None = None
    try:
        for step in scenario.steps:
            start = renderer.time
            state = "thinking" if step.state == "tool" else step.state
            session.set_agent_state(state)
            if step.state == "tool" and tool_call is None:
                tool_call = session.start_tool("demo_tool")
            elif step.state != "tool" and tool_call is not None:
                session.end_tool(tool_call)
                tool_call = None
            speech: PlayHandle | None = None
            if voice is not None and state == "speaking":
                speech = player.play(AudioConfig(voice.source, fade_in=0.02, fade_out=0.08))
            remaining = step.seconds
            while remaining > 1e-9:
                chunk = min(1.0, remaining)
                await renderer.advance(chunk)
                remaining -= chunk
                if on_progress is not None:
                    on_progress(chunk)
            if speech is not None:
                speech.stop()
                if speech.error is not None:  # the voice file did not decode: the render is wrong
                    raise speech.error
            scenario.bands.append(Band(step.state, start, renderer.time))
    finally:
        await player.aclose()
        shutil.rmtree(workdir, ignore_errors=True)
    return renderer.audio()
