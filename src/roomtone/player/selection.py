"""Turning what users pass (paths, built-ins, iterators, configs, lists) into one AudioConfig.

Sound descriptions of a framework (LiveKit's ``AudioConfig`` and ``BuiltinAudioClip``) are
read by the sound adapter its integration registers (see :mod:`roomtone.registry`).
"""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator
from typing import Any

from roomtone.config import AudioConfig, BuiltinAudioClip
from roomtone.player.not_given import is_not_given
from roomtone.registry import adapt_sound

__all__ = ["choose", "coerce_spec", "is_stream", "sound_by_name"]


def is_stream(source: object) -> bool:
    return isinstance(source, AsyncIterator)


def _is_own(item: object) -> bool:
    return isinstance(item, (str, os.PathLike, BuiltinAudioClip, AudioConfig, list)) or (
        type(item) is tuple or is_stream(item)
    )


def _adapted(item: object, what: str) -> Any:
    """A framework's sound description as ours, or ``None`` (never for roomtone's own types)."""
    if _is_own(item):
        return None
    try:
        return adapt_sound(item)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _coerce_source(source: object, what: str) -> Any:
    if isinstance(source, (str, os.PathLike, BuiltinAudioClip)) or is_stream(source):
        return source
    adapted = _adapted(source, what)
    if isinstance(adapted, BuiltinAudioClip):
        return adapted
    raise TypeError(
        f"{what} must be a file path, a BuiltinAudioClip, an async iterator of audio frames, "
        f"an AudioConfig or a list of AudioConfig; got {type(source).__name__}"
    )


def _coerce_config(item: object, what: str) -> AudioConfig:
    if isinstance(item, AudioConfig):
        return item
    adapted = _adapted(item, what)
    if isinstance(adapted, AudioConfig):
        return adapted
    return AudioConfig(_coerce_source(item, what))


def coerce_spec(spec: object, what: str) -> list[AudioConfig] | AudioConfig | None:
    """Validate a sound argument early: a wrong type is a TypeError naming the argument.

    ``None`` and LiveKit's ``NOT_GIVEN`` mean no sound.
    """
    if spec is None or is_not_given(spec):
        return None
    spec = _adapted(spec, what) or spec
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError(f"{what} is an empty list; pass None for no sound")
        return [_coerce_config(item, what) for item in spec]
    return _coerce_config(spec, what)


def sound_by_name(name: str) -> str | BuiltinAudioClip:
    """A sound typed by a person: an existing file, else a built-in by name (any case).

    A name that looks like a path (a folder or an extension) and does not exist is a
    ``FileNotFoundError``; anything else unknown is a ``ValueError`` listing the built-ins.
    """
    if os.path.isfile(name):
        return name
    if "/" in name or os.sep in name or os.path.splitext(name)[1]:
        raise FileNotFoundError(f"no such file {name!r}")
    try:
        return BuiltinAudioClip.from_name(name)
    except ValueError as exc:
        raise ValueError(
            f"{name!r} is neither a built-in sound nor an existing file; {exc}"
        ) from None


def choose(spec: list[AudioConfig] | AudioConfig, rng: random.Random) -> AudioConfig | None:
    """Pick one entry by probability; below a total of 1 the rest is silence, above it scales."""
    if isinstance(spec, AudioConfig):
        return spec
    total = sum(c.probability for c in spec)
    if total <= 0:
        return None
    r = rng.random()
    if total < 1.0 and r >= total:
        return None
    threshold = r * max(total, 1.0) if total >= 1.0 else r
    cumulative = 0.0
    for config in spec:
        cumulative += config.probability
        if threshold < cumulative:
            return config
    return spec[-1]
