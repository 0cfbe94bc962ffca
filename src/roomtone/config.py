"""What to play: :class:`AudioConfig`, :class:`BuiltinAudioClip` and the ``AudioSource`` union.

These mirror ``livekit.agents`` names and defaults so code written for LiveKit runs unchanged;
roomtone adds a few keyword-only extras with defaults that keep the original behaviour.
"""

from __future__ import annotations

import enum
import math
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

__all__ = [
    "AudioConfig",
    "AudioSource",
    "BuiltinAudioClip",
    "SoundSpec",
    "check_range",
    "check_seconds",
    "check_volume",
]

MAX_VOLUME = 4.0
MAX_FADE_SECONDS = 60.0
MIN_VOLUME_DB = -96.0
MAX_VOLUME_DB = 20 * math.log10(MAX_VOLUME)


class BuiltinAudioClip(enum.Enum):
    """Sounds that ship with roomtone, all synthesized by code in this repository."""

    OFFICE_AMBIENCE = "office_ambience"
    KEYBOARD_TYPING = "keyboard_typing"
    KEYBOARD_TYPING2 = "keyboard_typing2"
    CITY_AMBIENCE = "city_ambience"
    FOREST_AMBIENCE = "forest_ambience"
    CROWDED_ROOM = "crowded_room"
    HOLD_MUSIC = "hold_music"
    CALL_CENTER = "call_center"
    COFFEE_SHOP = "coffee_shop"
    ROOM_TONE = "room_tone"

    def path(self) -> str:
        """The packaged file, so built-ins take the same decode path as user files."""
        return str(Path(__file__).parent / "clips" / "data" / f"{self.value}.ogg")

    @classmethod
    def from_name(cls, name: str) -> BuiltinAudioClip:
        """Find a member by name, case-insensitively (``office_ambience``, ``Office-Ambience``)."""
        key = name.strip().upper().replace("-", "_")
        try:
            return cls[key]
        except KeyError:
            raise ValueError(
                f"unknown built-in sound {name!r}; choose one of: {cls.names()}"
            ) from None

    @classmethod
    def names(cls) -> str:
        """The built-in names, comma-separated, for messages."""
        return ", ".join(m.value for m in cls)

    @classmethod
    def for_missing_path(cls, path: str) -> BuiltinAudioClip | None:
        """The built-in a string names when no file of that name exists (a path always wins)."""
        if not path or os.path.exists(path):
            return None
        try:
            return cls.from_name(path)
        except ValueError:
            return None


AudioSource = Union[str, "os.PathLike[str]", BuiltinAudioClip, AsyncIterator[Any]]
"""A file path, a built-in clip, or an async iterator of audio frames."""


def check_range(field: str, value: object, low: float, high: float, unit: str = "") -> float:
    """``value`` as a float if it is a finite number (not a bool) within [low, high].

    The one range check of roomtone: ``field`` names the setting as the user wrote it.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{field} must be between {low:g} and {high:g}{unit}, got {value!r}")
    return float(value)


def check_volume(field: str, value: object) -> float:
    return check_range(field, value, 0.0, MAX_VOLUME)


def check_seconds(field: str, value: object, high: float = MAX_FADE_SECONDS) -> float:
    return check_range(field, value, 0.0, high, " seconds")


@dataclass(frozen=True)
class AudioConfig:
    """One sound with its volume, selection probability and fades (seconds, equal-power).

    ``volume_db`` gives the volume in decibels instead (``volume_db=-12`` is ``volume=0.251``);
    pass one or the other. A string source that is no existing file but a built-in name
    (``"office_ambience"``) plays the built-in.

    ``loop_crossfade`` (seconds) overlaps the end of a looping sound with its start instead of
    jumping back to the first sample; ``None`` picks the default (0.25 s for user files; built-ins
    are made to loop seamlessly and get only a 5 ms de-click). ``target_lufs`` normalises the
    file's integrated loudness once, when it is decoded.
    """

    source: AudioSource
    volume: float = 1.0
    probability: float = 1.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    loop_crossfade: float | None = None
    target_lufs: float | None = None
    volume_db: float | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if isinstance(self.source, str):
            builtin = BuiltinAudioClip.for_missing_path(self.source)
            if builtin is not None:
                object.__setattr__(self, "source", builtin)
        if self.volume_db is not None:
            wanted = 10 ** (self.volume_db / 20) if isinstance(self.volume_db, (int, float)) else 1
            if self.volume != 1.0 and not math.isclose(self.volume, wanted, rel_tol=1e-9):
                raise ValueError(
                    f"pass volume or volume_db, not both (got volume={self.volume!r}, "
                    f"volume_db={self.volume_db!r})"
                )
            db = check_range("volume_db", self.volume_db, MIN_VOLUME_DB, MAX_VOLUME_DB)
            object.__setattr__(self, "volume_db", db)
            object.__setattr__(self, "volume", min(10 ** (db / 20), MAX_VOLUME))
        object.__setattr__(self, "volume", check_range("volume", self.volume, 0.0, MAX_VOLUME))
        object.__setattr__(
            self, "probability", check_range("probability", self.probability, 0.0, 1e6)
        )
        for name in ("fade_in", "fade_out"):
            value = check_range(name, getattr(self, name), 0.0, MAX_FADE_SECONDS)
            object.__setattr__(self, name, value)
        if self.loop_crossfade is not None:
            value = check_range("loop_crossfade", self.loop_crossfade, 0.0, 10.0)
            object.__setattr__(self, "loop_crossfade", value)
        if self.target_lufs is not None:
            value = check_range("target_lufs", self.target_lufs, -70.0, 0.0)
            object.__setattr__(self, "target_lufs", value)


SoundSpec = Union[AudioSource, AudioConfig, "list[AudioConfig]"]
"""What ``ambient_sound``, ``thinking_sound`` and ``play()`` accept."""
