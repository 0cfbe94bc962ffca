"""One capture pump per event loop: makes every room output's ``capture_frame`` calls.

Why not one task per output: each would wake on its own timer, and every pending
``capture_frame`` is woken by *every* FFI event of the process (the SDK subscribes each call
to all events), so N outputs with their own tasks cost O(N²) wake-ups. The pump wakes once
when outputs are due (they keep their due times on a shared grid), then a few *lanes* (at most
:data:`LANES`) capture for them one after another: at most ``LANES`` captures are pending at
any time and the loop does one timer wake-up per block for all sessions. A capture that fails
ends only its own output; a lane stuck in a capture that never returns stops being counted,
so the others keep going.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from typing import Protocol

from roomtone.loops import PerLoop

__all__ = ["LANES", "Feed", "Pump", "pump_for_running_loop"]

logger = logging.getLogger("roomtone")

LANES = 2
"""Captures pending at once per loop: more wakes more waiters per FFI event, fewer serialises."""

PER_LANE = 16
"""A second lane opens only when more outputs than this are due at once (fewer wasted wakes)."""

WINDOW = 0.01
"""Outputs due within this many seconds are served in the same wake-up."""

_STUCK = 1.0  # a lane whose capture has not returned for this long no longer counts
_STOP_TIMEOUT = 0.5


class Feed(Protocol):
    """What the pump drives: an output that captures one block per step."""

    busy: bool

    def due_at(self) -> float:
        """Monotonic time at which the next block should be captured."""
        ...

    async def step(self) -> None:
        """Render one block and capture it; raises if the output cannot go on."""
        ...

    def fail(self, exc: Exception) -> None:
        """The output's capture failed: stop feeding it (the pump has already dropped it)."""
        ...


class Pump:
    """Serves registered feeds on one task until none remain."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.origin = time.monotonic()  # feeds align their due times to origin + k * block
        self._feeds: list[Feed] = []
        self._queue: deque[Feed] = deque()
        self._lanes: dict[asyncio.Task[None], float] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Future[None] | None = None

    def add(self, feed: Feed) -> None:
        self._feeds.append(feed)
        if self._task is None or self._task.done():
            self._task = self._loop.create_task(self._run(), name="roomtone:capture-pump")
        self._poke()

    def remove(self, feed: Feed) -> None:
        if feed in self._feeds:
            self._feeds.remove(feed)
        if not self._feeds:
            self._poke()  # let the task end

    def _poke(self) -> None:
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def _run(self) -> None:
        try:
            while self._feeds:
                now = time.monotonic()
                soonest = math.inf
                for feed in list(self._feeds):
                    if feed.busy:
                        continue
                    try:
                        due = feed.due_at()
                    except Exception as exc:  # this output is broken; the others go on
                        self._drop(feed, exc)
                        continue
                    if due <= now + WINDOW:
                        feed.busy = True
                        self._queue.append(feed)
                    else:
                        soonest = min(soonest, due)
                self._spawn_lanes(now)
                busy_since = [t for t in self._lanes.values() if now - t < _STUCK]
                if self._queue and busy_since:
                    # Feeds wait behind lanes whose captures have not returned yet: look again
                    # when the oldest would count as stuck, so a capture that never returns
                    # cannot hold the feeds queued behind it (nothing else wakes this task).
                    soonest = min(soonest, min(busy_since) + _STUCK)
                await self._sleep(soonest - now)
        finally:
            lanes = list(self._lanes)
            for lane in lanes:
                lane.cancel()
            if lanes:
                await asyncio.wait(lanes, timeout=_STOP_TIMEOUT)

    def _spawn_lanes(self, now: float) -> None:
        working = sum(1 for started in self._lanes.values() if now - started < _STUCK)
        wanted = min(LANES, 1 + len(self._queue) // PER_LANE)
        while self._queue and working < wanted:
            lane = self._loop.create_task(self._lane(), name="roomtone:capture-lane")
            self._lanes[lane] = now
            lane.add_done_callback(self._lane_done)
            working += 1

    def _lane_done(self, lane: asyncio.Task[None]) -> None:
        self._lanes.pop(lane, None)
        if not lane.cancelled() and lane.exception() is not None:
            logger.error("roomtone: capture lane crashed", exc_info=lane.exception())
        self._poke()

    async def _lane(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while self._queue:
            feed = self._queue.popleft()
            if feed not in self._feeds:
                feed.busy = False
                continue
            self._lanes[me] = time.monotonic()
            try:
                await feed.step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # this output is gone; the others go on
                self._drop(feed, exc)
            finally:
                feed.busy = False

    def _drop(self, feed: Feed, exc: Exception) -> None:
        """Stop serving ``feed`` and tell it why, once; nothing it raises reaches the pump."""
        self.remove(feed)
        try:
            feed.fail(exc)
        except Exception:
            logger.exception("roomtone: a capture feed failed and could not be told")

    async def _sleep(self, delay: float) -> None:
        """Sleep ``delay`` seconds or until poked (a new feed, a lane that finished)."""
        wake = self._loop.create_future()
        self._wake = wake
        timer = None
        if math.isfinite(delay):
            timer = self._loop.call_later(max(delay, 0.0), _resolve, wake)
        try:
            await wake
        finally:
            self._wake = None
            if timer is not None:
                timer.cancel()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


pump_for_running_loop = PerLoop(Pump)
"""The capture pump of the running event loop (created on first use)."""
