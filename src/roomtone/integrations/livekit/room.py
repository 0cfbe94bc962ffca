"""Choosing the output for ``start(room=...)``: a published track, or the console's speaker."""

from __future__ import annotations

import logging
from typing import Any

from livekit import rtc

from roomtone.integrations.livekit.console import ConsoleOutput, console_instance
from roomtone.integrations.livekit.output import DEFAULT_FRAME_DURATION, RoomOutput
from roomtone.outputs.base import AudioOutput

__all__ = ["is_livekit_room", "output_for_room"]

logger = logging.getLogger("roomtone")


def is_livekit_room(target: object) -> bool:
    """An ``rtc.Room``, the console's autospec mock of one, or anything that can publish.

    ``isinstance`` sees through ``create_autospec(rtc.Room)`` (it sets ``__class__``); the duck
    test accepts test stand-ins that only provide ``local_participant.publish_track``.
    """
    if isinstance(target, rtc.Room):
        return True
    participant = getattr(target, "local_participant", None)
    return callable(getattr(participant, "publish_track", None))


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
