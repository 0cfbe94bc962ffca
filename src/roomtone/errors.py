"""The one exception family of roomtone.

Every error roomtone raises on purpose derives from :class:`RoomtoneError` and also from the
built-in exception that fits, so callers can catch either::

    RoomtoneError
    ├── SourceError (ValueError)             a sound that cannot be used; ``.source`` names it
    │   ├── AudioFileNotFoundError (FileNotFoundError)
    │   ├── DecodeError                       corrupt, unsupported or audio-less file
    │   └── StreamError                       an async iterator that raised or yielded garbage
    ├── PlayerStateError (RuntimeError)       start twice, play before start, restart after close
    ├── OutputError (RuntimeError)            an output that failed or cannot be used
    └── MissingExtraError (ImportError)       an integration whose optional extra is not installed
"""

from __future__ import annotations

__all__ = [
    "AudioFileNotFoundError",
    "DecodeError",
    "MissingExtraError",
    "OutputError",
    "PlayerStateError",
    "RoomtoneError",
    "SourceError",
    "StreamError",
]


class RoomtoneError(Exception):
    """Base of every error roomtone raises on purpose."""


class SourceError(RoomtoneError, ValueError):
    """A sound that cannot be played; ``source`` names it (a path or a description)."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message)
        self.source = source


class AudioFileNotFoundError(SourceError, FileNotFoundError):
    """The path does not exist or is not a regular file."""


class DecodeError(SourceError):
    """The file exists but holds no decodable audio (corrupt, unsupported, no audio stream)."""


class StreamError(SourceError):
    """An async iterator source raised, or yielded something that is not an audio frame."""


class PlayerStateError(RoomtoneError, RuntimeError):
    """The player was used out of order: play before start, start twice, start after close."""


class OutputError(RoomtoneError, RuntimeError):
    """An output failed, or cannot be used with the given settings."""


class MissingExtraError(RoomtoneError, ImportError):
    """An optional integration was used without its extra installed."""

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(f"{feature} needs the extra: pip install 'roomtone[{extra}]'")
        self.extra = extra
