"""The public surface: exactly the exported names, importable fast and without extras."""

from __future__ import annotations

import subprocess
import sys

import roomtone

EXPECTED = {
    "DEFAULT_CALL_CONTROL_TOOLS",
    "AgentState",
    "AudioConfig",
    "AudioFileNotFoundError",
    "AudioFormat",
    "AudioFrame",
    "AudioOutput",
    "AudioSource",
    "BackgroundAudioPlayer",
    "BuiltinAudioClip",
    "ClipCache",
    "CueOptions",
    "DecodeError",
    "Ducking",
    "MemoryOutput",
    "MissingExtraError",
    "NullOutput",
    "OfflineRenderer",
    "OutputError",
    "PlayHandle",
    "PlayerStateError",
    "ReferenceBlock",
    "ReferenceTap",
    "Renderer",
    "RoomtoneError",
    "ScriptedSession",
    "SoundSpec",
    "SourceError",
    "StreamError",
    "ToolSoundSpec",
    "UserState",
    "WavFileOutput",
    "default_cache",
}


def test_all_is_the_public_surface() -> None:
    assert set(roomtone.__all__) == EXPECTED
    public = {n for n in dir(roomtone) if not n.startswith("_")} - {
        "config",
        "engine",
        "errors",
        "format",
        "offline",
        "outputs",
        "player",
        "sources",
        "timeline",
        "registry",
        "samples",
        "loops",
        "integrations",
        "analysis",
        "clips",
        "cli",
        "echo",
    }
    assert public == EXPECTED
    for name in roomtone.__all__:
        assert getattr(roomtone, name) is not None


def test_import_does_not_load_integrations() -> None:
    code = (
        "import sys, roomtone; "
        "heavy = ('livekit', 'pipecat', 'matplotlib'); "
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_builtin_members() -> None:
    names = {m.name for m in roomtone.BuiltinAudioClip}
    assert {
        "OFFICE_AMBIENCE",
        "KEYBOARD_TYPING",
        "KEYBOARD_TYPING2",
        "CITY_AMBIENCE",
        "FOREST_AMBIENCE",
        "CROWDED_ROOM",
        "HOLD_MUSIC",
    } <= names
    assert roomtone.BuiltinAudioClip.from_name("office-ambience") is (
        roomtone.BuiltinAudioClip.OFFICE_AMBIENCE
    )
