"""Where the schedulers get the time: the monotonic clock, or a manual one that tests drive.

The shared real-time clock (and the LiveKit capture pump) read the time and set their timers
only through a :class:`Timebase`. In production that is ``time.monotonic()`` and the running
loop's timers; a test passes a :class:`ManualTime` and moves it block by block, so what is
checked is counts and order (blocks per period, catch-up after a stall), never how many real
milliseconds something took on a busy machine.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

__all__ = ["MONOTONIC", "ManualTime", "MonotonicTime", "Timebase", "Timer", "sleep"]

T = TypeVar("T")


class Timer(Protocol):
    """A pending ``call_later``: cancelling it means the callback never runs."""

    def cancel(self) -> None: ...


class Timebase(Protocol):
    """A clock in seconds and timers on it (called on the event loop)."""

    def now(self) -> float: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer: ...


class MonotonicTime:
    """The real one: ``time.monotonic()`` and the running loop's timers."""

    def now(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(delay, callback)


MONOTONIC = MonotonicTime()


async def sleep(timebase: Timebase, delay: float) -> None:
    """Sleep ``delay`` seconds of ``timebase`` time."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    timer = timebase.call_later(max(0.0, delay), lambda: _resolve(future))
    try:
        await future
    finally:
        timer.cancel()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_SAME_INSTANT = 1e-9  # sums of block lengths land a rounding error either side of a deadline


class _ManualTimer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualTime:
    """A timebase that moves only when told (a test double).

    ``await advance(seconds)`` fires the timers that fall due on the way, earliest first, and
    lets the event loop run what each one woke before firing the next, as a real clock would
    with an idle loop. Nothing else moves it, however slow the machine.
    """

    _YIELDS = 20  # loop turns given to woken tasks: a timer, its task, the lanes it starts

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._timers: list[tuple[float, int, _ManualTimer]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = _ManualTimer(callback)
        heapq.heappush(self._timers, (self._now + max(0.0, delay), next(self._order), timer))
        return timer

    @property
    def pending(self) -> int:
        """Timers set and neither fired nor cancelled."""
        return sum(1 for _, _, timer in self._timers if not timer.cancelled)

    async def advance(self, seconds: float) -> None:
        """Move ``seconds`` forward, firing every timer due by then in order."""
        target = self._now + seconds
        await self.run_ready()
        while self._timers and self._timers[0][0] <= target + _SAME_INSTANT:
            when, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, when)
            timer.callback()
            await self.run_ready()
        self._now = target
        await self.run_ready()

    def stall(self, seconds: float) -> None:
        """Jump ``seconds`` ahead without firing anything: a loop that was blocked."""
        self._now += seconds

    async def run_ready(self) -> None:
        """Let the loop run what is ready now (tasks woken by a timer) without moving time."""
        for _ in range(self._YIELDS):
            await asyncio.sleep(0)

    async def drive(self, awaitable: Awaitable[T], step: float, limit: float = 60.0) -> T:
        """Await ``awaitable`` while moving ``step`` seconds at a time, as a running clock
        would (a player closing, a handle being heard). Raises ``TimeoutError`` once ``limit``
        seconds of this clock have passed without it finishing: a hang, not a slow machine
        (each step also gives threads, such as decoders and file writers, up to 10 ms)."""
        task = asyncio.ensure_future(awaitable)
        moved = 0.0
        try:
            while not task.done():
                if moved >= limit:
                    raise TimeoutError(f"not done after {limit:g} s of manual time")
                await self.advance(step)
                moved += step
                await asyncio.wait({task}, timeout=0.01)
        finally:
            if not task.done():
                task.cancel()
        return task.result()
