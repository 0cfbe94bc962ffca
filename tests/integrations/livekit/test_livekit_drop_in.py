"""Code written for livekit.agents.BackgroundAudioPlayer runs on roomtone by changing the import."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livekit_rig import Captured, stand_in_room

import roomtone
from roomtone.integrations.livekit import RoomOutput
from roomtone.player.selection import coerce_spec
from signals import band_db

agents = pytest.importorskip("livekit.agents")

RATE = 48000
PACKAGED_AMBIENCE = Path(roomtone.BuiltinAudioClip.OFFICE_AMBIENCE.path())


async def livekit_style_agent(module: Any, room: Any, session: Any, files: list[str]) -> None:
    """Written against LiveKit's documented API only."""
    background_audio = module.BackgroundAudioPlayer(
        ambient_sound=module.AudioConfig(files[0], volume=0.8),
        thinking_sound=[
            module.AudioConfig(files[1], volume=0.8),
            module.AudioConfig(files[2], volume=0.7),
        ],
    )
    await background_audio.aclose()  # before start(): does nothing, start() still works
    await background_audio.start(room=room, agent_session=session)
    handle = background_audio.play(files[3])
    await handle
    assert handle.done()
    looping = background_audio.play(module.AudioConfig(files[3], volume=0.5), loop=True)
    await asyncio.sleep(0.1)
    looping.stop()
    await background_audio.aclose()


_IN_CHILD = "ROOMTONE_LIVEKIT_PLAYER_CHILD"


@pytest.mark.realtime
@pytest.mark.parametrize("module_name", ["livekit.agents", "roomtone"])
async def test_same_code_runs_on_both(module_name: str, tone_file: Callable[..., str]) -> None:
    if module_name == "livekit.agents" and not os.environ.get(_IN_CHILD):
        pytest.skip("LiveKit's own player runs in a child process: see the next test")
    module = importlib.import_module(module_name)
    room = stand_in_room()
    files = [tone_file(300), tone_file(1000), tone_file(1200), tone_file(2000, seconds=0.3)]
    await livekit_style_agent(module, room, agents.AgentSession(), files)
    published = room.local_participant.published
    assert [p.name for p in published] == ["background_audio"]
    assert room.local_participant.unpublished == [published[0].sid]


_RUN_THEN_EXIT = (
    "import os, sys, pytest; code = pytest.main(sys.argv[1:]); "
    "sys.stdout.flush(); sys.stderr.flush(); os._exit(int(code))"
)


def test_livekit_player_runs_the_same_code_in_a_child_process() -> None:
    """LiveKit's player sometimes leaves a decoder thread waiting forever after aclose()
    (livekit-agents 1.8.9, utils/codecs/decoder.py), which hangs interpreter exit. Its half of
    the drop-in comparison therefore runs in a child process that leaves with ``os._exit``
    once pytest is done (not joining that thread), and is killed if it still does not exit."""
    test_id = f"{__file__}::test_same_code_runs_on_both[livekit.agents]"
    env = {**os.environ, _IN_CHILD: "1"}
    command = [sys.executable, "-c", _RUN_THEN_EXIT, "-q", "-p", "no:cacheprovider", test_id]
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=90, check=False
        )
        output = result.stdout
    except subprocess.TimeoutExpired as exc:  # tests done, exit hung on LiveKit's thread
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    assert "1 passed" in output, output[-2000:]


@pytest.mark.realtime
async def test_livekit_audio_config_is_honoured(
    captured: Captured, tone_file: Callable[..., str]
) -> None:
    tone = tone_file(300)
    configs = [agents.AudioConfig(tone, volume=0.5), roomtone.AudioConfig(tone, volume=0.5)]
    rooms = [stand_in_room(), stand_in_room()]
    players = [roomtone.BackgroundAudioPlayer(ambient_sound=c) for c in configs]
    for player, room in zip(players, rooms, strict=True):
        await player.start(room=room)
    await asyncio.sleep(0.6)
    now = time.monotonic()
    levels = []
    for player in players:
        output = player.output
        assert isinstance(output, RoomOutput)
        levels.append(band_db(captured.audio(output.source, now - 0.4, now), RATE, 300))
        await player.aclose()
    assert levels[0] == pytest.approx(levels[1], abs=0.2)
    assert levels[0] < -15  # quieter than the full-scale -12 dB tone


def test_livekit_builtin_clips_and_lists_are_accepted() -> None:
    spec = coerce_spec(agents.BuiltinAudioClip.KEYBOARD_TYPING, "thinking_sound")
    assert isinstance(spec, roomtone.AudioConfig)
    assert spec.source is roomtone.BuiltinAudioClip.KEYBOARD_TYPING
    choices = coerce_spec(
        [
            agents.AudioConfig(agents.BuiltinAudioClip.KEYBOARD_TYPING, volume=0.8),
            agents.AudioConfig(agents.BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.7),
        ],
        "thinking_sound",
    )
    assert isinstance(choices, list)
    assert [c.volume for c in choices] == [0.8, 0.7]
    assert choices[1].source is roomtone.BuiltinAudioClip.KEYBOARD_TYPING2


@pytest.mark.realtime
@pytest.mark.skipif(not PACKAGED_AMBIENCE.exists(), reason="built-in clips not generated here")
async def test_livekit_builtin_clip_plays_when_packaged(captured: Captured) -> None:
    player = roomtone.BackgroundAudioPlayer(ambient_sound=agents.BuiltinAudioClip.OFFICE_AMBIENCE)
    await player.start(room=stand_in_room())
    await asyncio.sleep(0.5)
    await player.aclose()
    loud = [f for f in captured.frames if abs(f.samples).max() > 1e-3]
    assert loud


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_import_roomtone_does_not_import_livekit() -> None:
    result = run_python(
        "import sys, roomtone; print([m for m in sys.modules if m.startswith('livekit')])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_livekit_is_a_missing_extra_error() -> None:
    result = run_python(
        "import sys; sys.modules['livekit'] = None\n"
        "from roomtone.errors import MissingExtraError\n"
        "try:\n"
        "    import roomtone.integrations.livekit\n"
        "except MissingExtraError as exc:\n"
        "    print(exc.extra, '|', exc)\n"
    )
    assert result.returncode == 0, result.stderr
    extra, message = result.stdout.strip().split(" | ")
    assert extra == "livekit"
    assert "LiveKit support" in message and "roomtone[livekit]" in message


def test_example_agent_shows_help_without_credentials() -> None:
    example = Path(__file__).resolve().parents[3] / "examples" / "livekit_agent.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEKIT_")}
    result = subprocess.run(
        [sys.executable, str(example), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "console" in result.stdout and "dev" in result.stdout
