"""Real-time pacing for ``mix()``: a transport that stops blocking cannot make us spin.

Pipecat's output loop asks the mixer for a chunk whenever its queue is empty and relies on the
transport's write to block for the chunk's duration. When the peer has hung up, the write
returns at once and the loop would call ``mix()`` as fast as the CPU allows (pipecat #2955).
Counting the audio handed out against the wall clock and sleeping once it runs more than
``max_lead`` ahead caps that at real time; a live transport, which is never ahead, is not
slowed at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from roomtone.config import check_seconds

__all__ = ["RealtimePacer"]


class RealtimePacer:
    """Keeps the audio produced at most ``max_lead`` seconds ahead of ``clock()``."""

    def __init__(
        self,
        max_lead: float = 0.25,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if check_seconds("max_lead", max_lead, 10.0) == 0.0:
            raise ValueError("max_lead must be more than 0 seconds, got 0")
        self.max_lead = max_lead
        self._clock = clock
        self._sleep = sleep
        self._until = 0.0  # wall time at which the audio handed out so far has played
        self.waits = 0  # how many times we had to sleep (a stalled or dead transport)

    def lead(self) -> float:
        """Seconds of audio handed out beyond the wall clock."""
        return max(0.0, self._until - self._clock())

    def advance(self, seconds: float) -> float:
        """Account for ``seconds`` more audio; returns how long to sleep (0.0 if in time).

        Synchronous so that the usual case costs no coroutine: ``mix()`` runs every chunk.
        """
        now = self._clock()
        # Behind or just in time: the transport is the pacer, start counting from now.
        self._until = max(self._until, now) + seconds
        return self._until - now - self.max_lead

    async def sleep(self, excess: float) -> None:
        """Sleep off ``excess`` seconds of lead (what :meth:`advance` returned)."""
        if excess > 0.0:
            self.waits += 1
            await self._sleep(excess)

    async def wait(self, seconds: float) -> None:
        """Account for ``seconds`` more audio; sleep if that puts us too far ahead."""
        await self.sleep(self.advance(seconds))
