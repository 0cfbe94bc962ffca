"""A tiny driver for call-flow renders: a player on an offline renderer, a scripted session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roomtone import BackgroundAudioPlayer, OfflineRenderer, ScriptedSession
from signals import band_db, segment

RATE = 48000


@dataclass
class Call:
    """Start with ``await Call.start(**player_options)``; ``await call.wait(s)`` renders."""

    player: BackgroundAudioPlayer
    renderer: OfflineRenderer
    session: ScriptedSession
    marks: dict[str, float] = field(default_factory=dict)

    @classmethod
    async def start(cls, **options: Any) -> Call:
        session = ScriptedSession()
        renderer = OfflineRenderer(RATE, 1)
        player = BackgroundAudioPlayer(**options)
        await player.start(room=renderer, agent_session=session)
        return cls(player, renderer, session)

    @property
    def now(self) -> float:
        return self.renderer.time

    def mark(self, name: str) -> None:
        self.marks[name] = self.renderer.time

    async def wait(self, seconds: float) -> None:
        await self.renderer.advance(seconds)

    async def close(self) -> np.ndarray:
        await self.player.aclose()
        return self.renderer.audio()

    def level(self, freq: float, start: float, end: float, width: float = 30.0) -> float:
        """dB in a band around ``freq`` between two times (seconds from the call's start)."""
        return band_db(segment(self.renderer.audio(), RATE, start, end), RATE, freq, width)
