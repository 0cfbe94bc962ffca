"""Choosing the output for ``start(room=...)``: a published track, or the console's speaker."""

from __future__ import annotations

import logging
from typing import Any

from roomtone.integrations.livekit.console import ConsoleOutput, console_instance
from roomtone.integrations.livekit.output import DEFAULT_FRAME_DURATION, RoomOutput
from roomtone.outputs.base import AudioOutput
from roomtone.player.player import looks_like_livekit_room

__all__ = ["is_livekit_room", "output_for_room"]

logger = logging.getLogger("roomtone")


is_livekit_room = looks_like_livekit_room
"""An ``rtc.Room``, the console's autospec mock of one, or anything that can publish (the
player's own test, so both always agree)."""


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
