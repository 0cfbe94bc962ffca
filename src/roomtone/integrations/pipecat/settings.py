"""``MixerUpdateSettingsFrame`` settings: which keys exist, what each accepts, what they mean.

Pipecat passes settings as a free-form mapping. A typo there would otherwise do nothing at all,
so every key is checked: the valid ones are applied and each problem (an unknown key, a value
of the wrong type, a sound that does not exist) is reported by name with the allowed keys.
A missing sound file is caught here, before the current bed is faded out for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from roomtone.config import (
    MAX_VOLUME,
    MAX_VOLUME_DB,
    MIN_VOLUME_DB,
    AudioConfig,
    SoundSpec,
    check_range,
    check_seconds,
    check_volume,
)
from roomtone.player.selection import coerce_spec, is_stream, sound_by_name

__all__ = ["ALLOWED_KEYS", "SettingsUpdate", "check_settings", "parse_settings"]

ALLOWED_KEYS: dict[str, str] = {
    "sound": "the ambient bed: a name from sounds=, a built-in name, a path or an AudioConfig",
    "volume": f"background level, 0 to {MAX_VOLUME:g} (ramped)",
    "volume_db": f"that level in dB, {MIN_VOLUME_DB:g} to {MAX_VOLUME_DB:.2f} (not with volume)",
    "loop": "True to loop the bed, False to let it play to its end",
    "crossfade": "seconds for this 'sound' change (default: the mixer's crossfade)",
    "ramp": "seconds for this 'volume' change (default: the mixer's volume_ramp)",
}
"""Every settings key the mixer understands, with what it does."""


@dataclass(frozen=True)
class SettingsUpdate:
    """The valid part of one settings mapping, plus a message for each invalid part."""

    has_sound: bool = False
    sound: SoundSpec | None = None
    volume: float | None = None
    loop: bool | None = None
    crossfade: float | None = None
    ramp: float | None = None
    problems: tuple[str, ...] = field(default=())


def _allowed() -> str:
    return ", ".join(repr(k) for k in ALLOWED_KEYS)


def _seconds(key: str, value: object) -> float:
    return check_seconds(f"setting {key!r}", value)


def _volume(value: object) -> float:
    return check_volume("setting 'volume'", value)


def _volume_db(value: object) -> float:
    db = check_range("setting 'volume_db'", value, MIN_VOLUME_DB, MAX_VOLUME_DB, " dB")
    return min(10 ** (db / 20), MAX_VOLUME)


def _check_files(spec: list[AudioConfig] | AudioConfig) -> None:
    for config in spec if isinstance(spec, list) else [spec]:
        source = config.source
        if isinstance(source, (str, os.PathLike)) and not os.path.isfile(source):
            raise FileNotFoundError(f"setting 'sound': no such file {os.fspath(source)!r}")


def resolve_sound(value: object, sounds: Mapping[str, SoundSpec]) -> SoundSpec | None:
    """A ``sound`` value as the player takes it: names first, then built-ins, then paths."""
    if value is None:
        return None
    if isinstance(value, str) and value in sounds:
        value = sounds[value]
    elif isinstance(value, str):
        try:
            value = sound_by_name(value)
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"setting 'sound': {exc}") from None
        except ValueError:
            names = ", ".join(repr(n) for n in sounds) or "none given"
            raise ValueError(
                f"setting 'sound': {value!r} is not a name from sounds= ({names}), "
                "a built-in sound or an existing file"
            ) from None
    spec = coerce_spec(value, "setting 'sound'")
    if spec is not None:
        if any(is_stream(c.source) for c in (spec if isinstance(spec, list) else [spec])):
            raise TypeError("setting 'sound' cannot be an async iterator: the bed must loop")
        _check_files(spec)
    return spec


def parse_settings(
    settings: Mapping[str, object], sounds: Mapping[str, SoundSpec] | None = None
) -> SettingsUpdate:
    """Split ``settings`` into what can be applied and a message for each problem."""
    if not isinstance(settings, Mapping):
        return SettingsUpdate(problems=(f"settings must be a mapping, got {settings!r}",))
    problems: list[str] = []
    update = SettingsUpdate()
    for key, value in settings.items():
        try:
            if key == "sound":
                sound = resolve_sound(value, sounds or {})
                update = replace(update, has_sound=True, sound=sound)
            elif key in ("volume", "volume_db"):
                if "volume" in settings and "volume_db" in settings:
                    raise ValueError("give setting 'volume' or 'volume_db', not both")
                level = _volume(value) if key == "volume" else _volume_db(value)
                update = replace(update, volume=level)
            elif key == "loop":
                if not isinstance(value, bool):
                    raise TypeError(f"setting 'loop' must be True or False, got {value!r}")
                update = replace(update, loop=value)
            elif key == "crossfade":
                update = replace(update, crossfade=_seconds(key, value))
            elif key == "ramp":
                update = replace(update, ramp=_seconds(key, value))
            else:
                problems.append(f"unknown mixer setting {key!r}; allowed keys: {_allowed()}")
        except (TypeError, ValueError, FileNotFoundError) as exc:
            problems.append(str(exc))
    return replace(update, problems=tuple(problems))


def check_settings(
    settings: Mapping[str, object], sounds: Mapping[str, SoundSpec] | None = None
) -> None:
    """Raise ``ValueError`` listing every problem in ``settings`` (to validate ahead of time)."""
    problems = parse_settings(settings, sounds).problems
    if problems:
        raise ValueError("; ".join(problems))
