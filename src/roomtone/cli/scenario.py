"""Render a scripted conversation offline: the engine behind ``roomtone render`` and ``demo``."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

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
    label: str = ""
    """What the picture writes on the band (the tool's name in ``tool=name`` steps)."""


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
    ambient_volume_db: float | None = None
    ambient_mode: Literal["duck", "gaps"] = "duck"
    tool_sounds: dict[str, str] = field(default_factory=dict)
    """Per-tool sounds for ``tool=name`` steps; ``tool`` is the sound of the others."""
    hold_sound: str | None = None
    opening: str | None = None
    closing: str | None = None
    max_play: float | None = None
    give_up: str | None = None
    infer_wait: bool = False
    bands: list[Band] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return sum(step.seconds for step in self.steps)


def _sound(
    name: str | None, volume: float = 1.0, volume_db: float | None = None
) -> AudioConfig | None:
    if not name:
        return None
    if volume_db is not None:
        return AudioConfig(resolve_sound(name), volume_db=volume_db)
    return AudioConfig(resolve_sound(name), volume=volume)


def _tool_sound(scenario: Scenario) -> dict[str, AudioConfig | None] | AudioConfig | None:
    default = _sound(scenario.tool)
    if not scenario.tool_sounds:
        return default
    sounds: dict[str, AudioConfig | None] = {
        name: _sound(sound) for name, sound in scenario.tool_sounds.items()
    }
    sounds["*"] = default
    return sounds


_AGENT_STATE = {"tool": "thinking", "user": "listening", "hold": "listening", "filler": "speaking"}
"""The agent's state in timeline steps that are not agent states themselves."""


SYNTHETIC_VOICE = "synthetic"
"""``--voice synthetic``: a generated stand-in talker instead of a speech file."""


def _voice_file(scenario: Scenario, workdir: str) -> str | None:
    if scenario.voice != SYNTHETIC_VOICE:
        return scenario.voice
    from roomtone.clips.preview_voice import preview_voice

    spoken = [s.seconds for s in scenario.steps if _AGENT_STATE.get(s.state, s.state) == "speaking"]
    longest = max(spoken, default=1.0)
    path = os.path.join(workdir, "voice.wav")
    write_wav(path, preview_voice(longest + 0.5, scenario.sample_rate), scenario.sample_rate)
    return path


async def render_scenario(
    scenario: Scenario, on_progress: Callable[[float], None] | None = None
) -> FloatArray:
    """Render the scenario and fill ``scenario.bands``; returns (frames, channels) float32."""
    ducking = Ducking(amount_db=scenario.duck_db) if scenario.duck_db else None
    cue = CueOptions(delay=scenario.thinking_delay, max_play=scenario.max_play)
    player = BackgroundAudioPlayer(
        ambient_sound=_sound(scenario.ambient, scenario.ambient_volume, scenario.ambient_volume_db),
        thinking_sound=_sound(scenario.thinking),
        tool_sound=_tool_sound(scenario),
        give_up_sound=_sound(scenario.give_up),
        opening_sound=_sound(scenario.opening),
        ambient_mode=scenario.ambient_mode,
        infer_wait=scenario.infer_wait,
        ducking=ducking,
        thinking=cue,
        tool=cue,
        seed=scenario.seed,
    )
    renderer = OfflineRenderer(scenario.sample_rate, scenario.num_channels)
    session = ScriptedSession()
    await player.start(room=renderer, agent_session=session)
    workdir = tempfile.mkdtemp(prefix="roomtone-")
    voice = _sound(_voice_file(scenario, workdir))
    director = _Director(scenario, player, session, renderer, on_progress)
    scenario.bands.clear()
    try:
        for step in scenario.steps:
            start = renderer.time
            await director.play(step, voice)
            label = step.tool or step.state
            scenario.bands.append(Band(step.state, start, renderer.time, label))
    finally:
        await player.aclose()
        shutil.rmtree(workdir, ignore_errors=True)
    return renderer.audio()


_CLOSING_LIMIT = 60.0
"""Seconds a ``closing`` step may take (the speech before it, then the sound) before failing."""


class _Director:
    """Moves the scripted session and the player from step to step."""

    def __init__(
        self,
        scenario: Scenario,
        player: BackgroundAudioPlayer,
        session: ScriptedSession,
        renderer: OfflineRenderer,
        on_progress: Callable[[float], None] | None,
    ) -> None:
        self._scenario = scenario
        self._player = player
        self._session = session
        self._renderer = renderer
        self._on_progress = on_progress
        self._call: tuple[str, str] | None = None  # (tool name, call id) running

    async def play(self, step: Step, voice: AudioConfig | None) -> None:
        session, player = self._session, self._player
        if step.state != "hold" and player.on_hold:
            player.unhold()
        session.set_user_state("speaking" if step.state == "user" else "listening")
        self._tools(step)
        if step.state == "closing":
            await self._closing(step)
            return
        state = _AGENT_STATE.get(step.state, step.state)
        session.set_agent_state(state)
        if step.state == "hold":
            player.hold(_sound(self._scenario.hold_sound))
        speech: PlayHandle | None = None
        if voice is not None and state == "speaking":
            speech = player.play(AudioConfig(voice.source, fade_in=0.02, fade_out=0.08))
        await self._advance(step.seconds)
        if speech is not None:
            speech.stop()
            if speech.error is not None:  # the voice file did not decode: the render is wrong
                raise speech.error

    def _tools(self, step: Step) -> None:
        if step.state == "filler":
            return  # the agent speaks; the tool runs on
        name = (step.tool or "demo_tool") if step.state == "tool" else None
        if self._call is not None and self._call[0] != name:
            self._session.end_tool(self._call[1])
            self._call = None
        if name is not None and self._call is None:
            self._call = (name, self._session.start_tool(name))

    async def _closing(self, step: Step) -> None:
        sound = _sound(self._scenario.closing)
        if sound is None:
            raise ValueError("the timeline has a closing step; give its sound with --closing")
        self._session.set_agent_state("listening")
        task = asyncio.ensure_future(self._player.play_closing(sound))
        waited = 0.0
        while not task.done():
            if waited > _CLOSING_LIMIT:
                task.cancel()
                raise ValueError(f"the closing sound did not end within {_CLOSING_LIMIT:g} s")
            await self._advance(0.02)
            waited += 0.02
        await task
        if step.seconds:
            await self._advance(step.seconds)

    async def _advance(self, seconds: float) -> None:
        remaining = seconds
        while remaining > 1e-9:
            chunk = min(1.0, remaining)
            await self._renderer.advance(chunk)
            remaining -= chunk
            if self._on_progress is not None:
                self._on_progress(chunk)
