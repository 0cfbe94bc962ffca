"""roomtone: background audio for real-time voice agents.

Ambient beds, thinking and tool sounds, and on-demand effects, mixed live into a LiveKit room,
a Pipecat pipeline, a file or memory. ``BackgroundAudioPlayer``, ``AudioConfig`` and
``BuiltinAudioClip`` are drop-ins for the ``livekit.agents`` names.
"""

from roomtone.config import AudioConfig, AudioSource, BuiltinAudioClip, SoundSpec
from roomtone.engine.cue import CueOptions
from roomtone.engine.ducker import Ducking
from roomtone.errors import (
    AudioFileNotFoundError,
    DecodeError,
    MissingExtraError,
    OutputError,
    PlayerStateError,
    RoomtoneError,
    SourceError,
    StreamError,
)
from roomtone.format import AudioFormat
from roomtone.offline import OfflineRenderer
from roomtone.outputs import AudioOutput, MemoryOutput, NullOutput, Renderer, WavFileOutput
from roomtone.outputs.reference import ReferenceBlock, ReferenceTap
from roomtone.player.events import AgentState, ScriptedSession, UserState
from roomtone.player.handle import PlayHandle
from roomtone.player.player import BackgroundAudioPlayer
from roomtone.player.tool_sounds import DEFAULT_CALL_CONTROL_TOOLS, ToolSoundSpec
from roomtone.sources.cache import ClipCache, default_cache
from roomtone.sources.frames import AudioFrame

__all__ = [
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
]

__version__ = "0.1.0"
