"""Turning what users pass (paths, built-ins, iterators, configs, lists) into one AudioConfig.

Also accepts ``livekit.agents`` ``AudioConfig`` and ``BuiltinAudioClip`` objects, so code written
for LiveKit's player works unchanged.
"""

from __future__ import annotations

import enum
import os
import random
from collections.abc import AsyncIterator
from typing import Any

from roomtone.config import AudioConfig, BuiltinAudioClip
from roomtone.player.not_given import is_not_given

__all__ = ["choose", "coerce_spec", "is_stream"]


def is_stream(source: object) -> bool:
    return isinstance(source, AsyncIterator)


def _coerce_source(source: object, what: str) -> Any:
    if isinstance(source, (str, os.PathLike, BuiltinAudioClip)) or is_stream(source):
        return source
    if isinstance(source, enum.Enum) and type(source).__module__.startswith("livekit."):
        try:
            return BuiltinAudioClip[source.name]
        except KeyError:
            raise ValueError(f"{what}: roomtone has no built-in named {source.name}") from None
    raise TypeError(
        f"{what} must be a file path, a BuiltinAudioClip, an async iterator of audio frames, "
        f"an AudioConfig or a list of AudioConfig; got {type(source).__name__}"
    )


def _is_livekit_config(item: object) -> bool:
    """livekit.agents' AudioConfig (a NamedTuple, so also a tuple)."""
    return type(item).__module__.startswith("livekit.") and hasattr(item, "probability")


def _coerce_config(item: object, what: str) -> AudioConfig:
    if isinstance(item, AudioConfig):
        return item
    if _is_livekit_config(item):
        lk: Any = item
        return AudioConfig(
            _coerce_source(lk.source, what),
            volume=lk.volume,
            probability=lk.probability,
            fade_in=getattr(lk, "fade_in", 0.0),
            fade_out=getattr(lk, "fade_out", 0.0),
        )
    return AudioConfig(_coerce_source(item, what))


def coerce_spec(spec: object, what: str) -> list[AudioConfig] | AudioConfig | None:
    """Validate a sound argument early: a wrong type is a TypeError naming the argument.

    ``None`` and LiveKit's ``NOT_GIVEN`` mean no sound.
    """
    if spec is None or is_not_given(spec):
        return None
    if isinstance(spec, (list, tuple)) and not _is_livekit_config(spec):
        if not spec:
            raise ValueError(f"{what} is an empty list; pass None for no sound")
        return [_coerce_config(item, what) for item in spec]
    return _coerce_config(spec, what)


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
