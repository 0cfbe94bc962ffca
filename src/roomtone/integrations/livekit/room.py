"""Choosing the output for ``start(room=...)``: a published track, or the console's speaker."""

from __future__ import annotations

import logging
from typing import Any

from roomtone.integrations.livekit.console import ConsoleOutput, console_instance
from roomtone.integrations.livekit.output import DEFAULT_FRAME_DURATION, RoomOutput
from roomtone.outputs.base import AudioOutput
from roomtone.registry import OutputRequest

__all__ = ["is_livekit_room", "output_for_room", "resolve_room"]

logger = logging.getLogger("roomtone")


def is_livekit_room(target: Any) -> bool:
    """An ``rtc.Room`` (also the console's autospec mock, whose ``__class__`` is rtc.Room) or
    anything that can publish a track."""
    module = getattr(getattr(target, "__class__", type(target)), "__module__", "") or ""
    if module.startswith("livekit."):
        return True
    participant = getattr(target, "local_participant", None)
    return callable(getattr(participant, "publish_track", None))


def resolve_room(target: Any, request: OutputRequest) -> AudioOutput | None:
    """The output resolver this integration registers: ``start(room=...)`` for a room."""
    if not is_livekit_room(target):
        return None
    return output_for_room(
        target,
        track_name=request.track_name,
        publish_options=request.publish_options,
        sample_rate=request.sample_rate,
        num_channels=request.num_channels,
        frame_duration=request.frame_duration,
    )


def output_for_room(
    room: Any,
    *,
    track_name: str = "background_audio",
    publish_options: Any = None,
    sample_rate: int = 48000,
    num_channels: int = 1,
    frame_duration: float = DEFAULT_FRAME_DURATION,
) -> AudioOutput:
    """A :class:`RoomOutput` for ``room``; in console mode a :class:`ConsoleOutput` instead.

    The console's room is a mock: a track published there would play to no one.
    """
    console = console_instance()
    if console is not None:
        logger.info("roomtone: console mode, background audio plays through the console")
        return ConsoleOutput(console)
    return RoomOutput(
        room,
        track_name=track_name,
        publish_options=publish_options,
        sample_rate=sample_rate,
        num_channels=num_channels,
        frame_duration=frame_duration,
    )
