"""Render a conformance scenario with the Python engine, through roomtone's public API only.

The Node side is js/conformance/render.ts; tests/conformance/ compares the two. A scenario is
a JSON file in conformance/scenarios/: its sounds (built-ins, or signals this module
generates into WAV files both engines then read), the player's options, a timeline of states,
tool calls and plays, and a seed.
"""

from __future__ import annotations

import asyncio
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

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

SCENARIOS = Path(__file__).parent / "scenarios"


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _signal(spec: dict[str, Any], rate: int) -> np.ndarray:
    """A generated test signal: a sine or a seeded noise, with 5 ms fades at both ends."""
    n = round(spec["seconds"] * rate)
    t = np.arange(n) / rate
    amplitude = spec.get("amplitude", 0.3)
    if spec["kind"] == "sine":
        x = amplitude * np.sin(2 * np.pi * spec["freq"] * t)
    elif spec["kind"] == "noise":
        x = amplitude * np.random.default_rng(spec.get("seed", 0)).uniform(-1, 1, n)
    else:
        raise ValueError(f"unknown signal kind {spec['kind']!r}; use sine or noise")
    edge = min(n // 2, round(0.005 * rate))
    if spec.get("fades", True) and edge:
        ramp = np.linspace(0, 1, edge)
        x[:edge] *= ramp
        x[-edge:] *= ramp[::-1]
    return x


def make_sounds(scenario: dict[str, Any], folder: Path) -> dict[str, str]:
    """Write the scenario's generated sounds as 16-bit WAV files; returns name -> path."""
    files: dict[str, str] = {}
    for name, spec in scenario["sounds"].items():
        if isinstance(spec, str):
            continue  # "builtin:..."
        rate = spec.get("rate", 48000)
        pcm = np.clip(np.round(_signal(spec, rate) * 32767), -32768, 32767).astype("<i2")
        path = folder / f"{name}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        files[name] = str(path)
    return files


def _config(ref: dict[str, Any], scenario: dict[str, Any], files: dict[str, str]) -> AudioConfig:
    name = ref["sound"]
    definition = scenario["sounds"][name]
    if isinstance(definition, str) and definition.startswith("builtin:"):
        source: Any = BuiltinAudioClip.from_name(definition.removeprefix("builtin:"))
    else:
        source = files[name]
    extras = {_snake(k): v for k, v in ref.items() if k != "sound"}
    return AudioConfig(source, **extras)


def _spec(value: Any, scenario: dict[str, Any], files: dict[str, str]) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_config(ref, scenario, files) for ref in value]
    return _config(value, scenario, files)


def _ducking(value: Any) -> Any:
    if isinstance(value, dict):
        return Ducking(**{_snake(k): v for k, v in value.items()})
    return True if value is None else value


def _cue(value: Any) -> CueOptions | None:
    return None if value is None else CueOptions(**{_snake(k): v for k, v in value.items()})


async def render(scenario: dict[str, Any], files: dict[str, str]) -> np.ndarray:
    """The scenario's audio, float32 shaped (frames, channels)."""
    o = scenario["options"]
    player = BackgroundAudioPlayer(
        ambient_sound=_spec(o.get("ambient"), scenario, files),
        thinking_sound=_spec(o.get("thinking"), scenario, files),
        tool_sound=_spec(o.get("tool"), scenario, files),
        ducking=_ducking(o.get("ducking")),
        thinking=_cue(o.get("thinkingCue")),
        tool=_cue(o.get("toolCue")),
        master_volume=o.get("masterVolume", 1.0),
        seed=scenario["seed"],
    )
    out = OfflineRenderer(
        scenario["sampleRate"], scenario["numChannels"], scenario["frameDuration"]
    )
    session = ScriptedSession()
    await player.start(output=out, agent_session=session)
    world = _World(player, session, scenario, files)
    for event in sorted(scenario["timeline"], key=lambda e: e["at"]):
        if event["at"] > out.time:
            await out.advance(event["at"] - out.time)
        world.apply(event)
    if scenario["duration"] > out.time:
        await out.advance(scenario["duration"] - out.time)
    audio = out.audio()
    await player.aclose()
    return audio


@dataclass
class _World:
    """What timeline events act on."""

    player: BackgroundAudioPlayer
    session: ScriptedSession
    scenario: dict[str, Any]
    files: dict[str, str]
    handles: dict[str, PlayHandle] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)

    def apply(self, event: dict[str, Any]) -> None:
        player, session, handles = self.player, self.session, self.handles
        if "agent" in event:
            session.set_agent_state(event["agent"])
        elif "user" in event:
            session.set_user_state(event["user"])
        elif "toolStart" in event:
            self.tools[event["toolStart"]] = session.start_tool(event["toolStart"])
        elif "toolEnd" in event:
            session.end_tool(self.tools[event["toolEnd"]])
        elif "play" in event:
            spec = _spec(event["play"], self.scenario, self.files)
            handle = player.play(spec, loop=event.get("loop", False))
            if "id" in event:
                handles[event["id"]] = handle
        elif "stop" in event:
            handles[event["stop"]].stop()
        elif "setVolume" in event:
            handles[event["setVolume"]].set_volume(event.get("volume", 1.0), event.get("ramp", 0.1))
        elif "masterVolume" in event:
            player.set_master_volume(event["masterVolume"], event.get("ramp", 0.1))
        elif "pauseAmbient" in event:
            player.pause_ambient(event.get("fade", 0.5))
        elif "resumeAmbient" in event:
            player.resume_ambient(event.get("fade", 0.5))
        elif "setAmbient" in event:
            spec = _spec(event["setAmbient"], self.scenario, self.files)
            player.set_ambient(spec, event.get("crossfade", 2.0))
        else:
            raise ValueError(f"unknown timeline event {event!r}")


def render_sync(scenario: dict[str, Any], files: dict[str, str]) -> np.ndarray:
    return asyncio.run(render(scenario, files))
