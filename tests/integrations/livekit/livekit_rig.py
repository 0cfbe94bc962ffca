"""LiveKit test rig: the real SDK objects, and a room stand-in only for the connection.

``stand_in_room()`` is a real ``rtc.Room`` whose local participant records publications
instead of talking to a server; ``AudioSource``, ``LocalAudioTrack`` and ``AudioFrame`` are the
SDK's own, so pacing and queueing are real. ``captured`` records every ``capture_frame`` call.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from livekit import rtc

_sids = itertools.count(1)


@dataclass
class Publication:
    track: Any
    options: Any
    sid: str = field(default_factory=lambda: f"TR_test{next(_sids)}")

    @property
    def name(self) -> str:
        return str(self.track.name)


class StandInParticipant:
    """Records publish/unpublish; ``hang_unpublish`` makes unpublishing never return.

    Unpublishing emits the room's ``local_track_unpublished`` with the publication, as the SDK
    does for every unpublish of a local track, whoever asked for it.
    """

    def __init__(self, room: Any = None) -> None:
        self.room = room
        self.track_publications: dict[str, Publication] = {}
        self.published: list[Publication] = []
        self.unpublished: list[str] = []
        self.hang_unpublish = False
        self.fail_publish: Exception | None = None

    async def publish_track(self, track: Any, options: Any = None) -> Publication:
        if self.fail_publish is not None:
            raise self.fail_publish
        pub = Publication(track, options)
        self.published.append(pub)
        self.track_publications[pub.sid] = pub
        return pub

    async def unpublish_track(self, sid: str) -> None:
        if self.hang_unpublish:
            await asyncio.Event().wait()
        pub = self.track_publications.pop(sid, None)
        self.unpublished.append(sid)
        if pub is not None and self.room is not None:
            self.room.emit("local_track_unpublished", pub)


def stand_in_room(connected: bool = True) -> Any:
    """A real, unconnected ``rtc.Room`` with a recording local participant."""
    room = rtc.Room()
    room._local_participant = StandInParticipant(room)
    state = {"connected": connected}
    room.isconnected = lambda: state["connected"]
    room.set_connected = lambda value: state.__setitem__("connected", value)
    return room


@dataclass
class Frame:
    source: int
    time: float  # when capture_frame was called (the block was rendered just before)
    samples: np.ndarray  # float32, (n, channels)


class Captured:
    """Every frame given to ``rtc.AudioSource.capture_frame``, per source, in order."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []

    def of(self, source: Any) -> list[Frame]:
        return [f for f in self.frames if f.source == id(source)]

    def audio(self, source: Any, start: float = 0.0, end: float = float("inf")) -> np.ndarray:
        """Samples of the frames captured between ``start`` and ``end`` (monotonic seconds)."""
        return self.audio_by_id(id(source), start, end)

    def audio_by_id(self, source_id: int, start: float, end: float) -> np.ndarray:
        parts = [f.samples for f in self.frames if f.source == source_id and start <= f.time < end]
        return np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)
