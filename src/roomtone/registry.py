"""Where integrations plug in: output resolvers, frame adapters and sound adapters.

The core knows no framework. An integration (``roomtone.integrations.<name>``) registers
what it understands when it is imported: how to turn a framework object passed as
``start(room=...)`` into an output, how to read its audio frames, how to take its sound
descriptions. When the core meets an object nothing registered understands, it imports the
integration named after the object's top-level package, found through the
``roomtone.integrations`` entry points in ``pyproject.toml``, and asks again. So
``start(room=livekit_room)`` works without the user importing anything extra, and
``import roomtone`` imports no integration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import numpy as np

__all__ = [
    "EchoInstaller",
    "FrameAdapter",
    "InputMuter",
    "OutputRequest",
    "OutputResolver",
    "SoundAdapter",
    "adapt_frame",
    "adapt_sound",
    "install_echo_canceller",
    "mute_session_input",
    "register_echo_installer",
    "register_frame_adapter",
    "register_input_muter",
    "register_output_resolver",
    "register_sound_adapter",
    "resolve_output",
]

logger = logging.getLogger("roomtone")

ENTRY_POINT_GROUP = "roomtone.integrations"


@dataclass(frozen=True)
class OutputRequest:
    """What the player asks of an output it cannot name: the format and the track to publish."""

    track_name: str = "background_audio"
    publish_options: Any = None
    sample_rate: int = 48000
    num_channels: int = 1
    frame_duration: float = 0.05


OutputResolver = Callable[[Any, OutputRequest], Any]
"""Returns an ``AudioOutput`` for a target it recognises, else ``None``."""

FrameAdapter = Callable[[Any], "tuple[np.ndarray[Any, Any], int] | None"]
"""Returns (samples shaped (frames, channels), sample rate) for a frame it recognises."""

EchoInstaller = Callable[[Any, Any], "Callable[[], None] | None"]
"""Given an agent session it recognises and the player's ``reference.subscribe``, makes the
session's audio input echo-free and returns the call that undoes it; else ``None``."""

SoundAdapter = Callable[[Any], Any]
"""Returns a roomtone ``AudioConfig`` or source for a sound it recognises, else ``None``."""

InputMuter = Callable[[Any, bool], "bool | None"]
"""Mutes or unmutes the caller's audio into an agent session it recognises (True), else None."""

_resolvers: list[OutputResolver] = []
_input_muters: list[InputMuter] = []
_frame_adapters: list[FrameAdapter] = []
_sound_adapters: list[SoundAdapter] = []
_echo_installers: list[EchoInstaller] = []
_loaded: set[str] = set()


def register_output_resolver(resolver: OutputResolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def register_frame_adapter(adapter: FrameAdapter) -> None:
    if adapter not in _frame_adapters:
        _frame_adapters.append(adapter)


def register_sound_adapter(adapter: SoundAdapter) -> None:
    if adapter not in _sound_adapters:
        _sound_adapters.append(adapter)


def register_input_muter(muter: InputMuter) -> None:
    if muter not in _input_muters:
        _input_muters.append(muter)


def _first(hooks: list[Callable[..., Any]], *args: Any) -> Any:
    for hook in hooks:
        found = hook(*args)
        if found is not None:
            return found
    return None


def _ask(hooks: list[Callable[..., Any]], thing: object, *args: Any) -> Any:
    found = _first(hooks, thing, *args)
    if found is None and load_integration_for(thing):
        found = _first(hooks, thing, *args)
    return found


def resolve_output(target: object, request: OutputRequest) -> Any:
    """The output a registered integration makes for ``target``, or ``None``."""
    return _ask(_resolvers, target, request)


def adapt_frame(frame: object) -> tuple[np.ndarray[Any, Any], int] | None:
    """A framework's audio frame as (samples, sample rate), or ``None``."""
    found: tuple[np.ndarray[Any, Any], int] | None = _ask(_frame_adapters, frame)
    return found


def adapt_sound(item: object) -> Any:
    """A framework's sound description as a roomtone one, or ``None``."""
    return _ask(_sound_adapters, item)


def mute_session_input(session: object, muted: bool) -> bool:
    """Keep the caller's audio from ``session`` (or let it through); False if no integration
    knows the session."""
    return bool(_ask(_input_muters, session, muted))


def register_echo_installer(installer: EchoInstaller) -> None:
    if installer not in _echo_installers:
        _echo_installers.append(installer)


def install_echo_canceller(session: object, subscribe: Any) -> Callable[[], None] | None:
    """Cancel echo in a framework's agent session; the call that undoes it, or ``None``."""
    remove: Callable[[], None] | None = _ask(_echo_installers, session, subscribe)
    return remove


def load_integration_for(thing: object) -> bool:
    """Import the integration for ``thing``'s package, once; True if one was imported now.

    ``__class__`` rather than ``type()``: a mock that specs a framework class passes as it.
    """
    module = getattr(getattr(thing, "__class__", type(thing)), "__module__", "") or ""
    package = module.partition(".")[0]
    if not package or package in _loaded:
        return False
    _loaded.add(package)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == package:
            logger.debug("roomtone: loading the %s integration", package)
            point.load()
            return True
    return False
