"""One capture pump per event loop: makes every room output's ``capture_frame`` calls.

Why not one task per output: each would wake on its own timer, and every pending
``capture_frame`` is woken by *every* FFI event of the process (the SDK subscribes each call
to all events), so N outputs with their own tasks cost O(N²) wake-ups. The pump wakes once
when outputs are due (they keep their due times on a shared grid), then a few *lanes* (at most
:data:`LANES`) capture for them one after another: at most ``LANES`` captures are pending at
any time and the loop does one timer wake-up per block for all sessions. A capture that fails
ends only its own output; so does one that has not returned after :data:`STUCK` seconds (a
wedged SDK or room): its lane is cancelled and its output told with a ``TimeoutError``, so
the others keep going and its player ends instead of looking alive forever.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from typing import Protocol

from roomtone.loops import PerLoop
from roomtone.outputs.timebase import MONOTONIC, Timebase

__all__ = ["LANES", "STUCK", "Feed", "Pump", "pump_for_running_loop"]

logger = logging.getLogger("roomtone")

LANES = 2
"""Captures pending at once per loop: more wakes more waiters per FFI event, fewer serialises."""

PER_LANE = 16
"""A second lane opens only when more outputs than this are due at once (fewer wasted wakes)."""

WINDOW = 0.01
"""Outputs due within this many seconds are served in the same wake-up."""

STUCK = 1.0
"""Seconds a capture may take before its output is dropped (a healthy one returns at once)."""

_STOP_TIMEOUT = 0.5
_LATE = 0.1  # woken this much after the planned time: the loop stalled, captures lag with it


class Feed(Protocol):
    """What the pump drives: an output that captures one block per step."""

    busy: bool

    def due_at(self) -> float:
        """Monotonic time at which the next block should be captured."""
        ...

    async def step(self) -> None:
        """Render one block and capture it; raises if the output cannot go on."""
        ...

    def describe(self) -> str:
        """A short name for messages (the output and its track)."""
        ...

    def fail(self, exc: Exception) -> None:
        """The output's capture failed: stop feeding it (the pump has already dropped it)."""
        ...


class Pump:
    """Serves registered feeds on one task until none remain."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timebase: Timebase = MONOTONIC) -> None:
        self._loop = loop
        self.timebase = timebase  # monotonic seconds; tests pass a manual one
        self.origin = timebase.now()  # feeds align their due times to origin + k * block
        self._feeds: list[Feed] = []
        self._queue: deque[Feed] = deque()
        self._lanes: dict[asyncio.Task[None], float] = {}  # lane -> when its step began
        self._serving: dict[asyncio.Task[None], Feed] = {}  # lane -> the feed it is stepping
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
        cancelled = False
        stalled = False
        try:
            while self._feeds:
                now = self.timebase.now()
                if not stalled:  # after a stall, completions that are due get one turn first
                    self._drop_stuck(now)
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
                stepping = [
                    t for lane, t in self._lanes.items() if now - t < STUCK or lane in self._serving
                ]
                if stepping:
                    # Look again when the oldest capture would count as stuck: nothing else
                    # wakes this task if it never returns (and feeds may queue behind it).
                    soonest = min(soonest, min(stepping) + STUCK)
                await self._sleep(soonest - now)
                stalled = self.timebase.now() - max(soonest, now) > _LATE
        except asyncio.CancelledError:
            cancelled = True  # the loop is shutting down: do not start again
            raise
        finally:
            lanes = list(self._lanes)
            for lane in lanes:
                lane.cancel()
            if lanes:
                await asyncio.wait(lanes, timeout=_STOP_TIMEOUT)
            # A feed added while the lanes wound down saw this task alive and poked nobody:
            # serve it on a fresh task rather than leave it registered and never captured.
            if self._feeds and not cancelled:
                self._task = self._loop.create_task(self._run(), name="roomtone:capture-pump")

    def _spawn_lanes(self, now: float) -> None:
        working = sum(1 for started in self._lanes.values() if now - started < STUCK)
        wanted = min(LANES, 1 + len(self._queue) // PER_LANE)
        while self._queue and working < wanted:
            lane = self._loop.create_task(self._lane(), name="roomtone:capture-lane")
            self._lanes[lane] = now
            lane.add_done_callback(self._lane_done)
            working += 1

    def _drop_stuck(self, now: float) -> None:
        """Cancel each lane whose capture has not returned for ``STUCK`` s; drop its feed."""
        for lane, feed in list(self._serving.items()):
            if now - self._lanes.get(lane, now) < STUCK:
                continue
            del self._serving[lane]
            lane.cancel()
            self._drop(
                feed,
                TimeoutError(
                    f"a capture of {feed.describe()} did not return within {STUCK:g} s "
                    "(the SDK or the room is wedged)"
                ),
            )

    def _lane_done(self, lane: asyncio.Task[None]) -> None:
        self._lanes.pop(lane, None)
        self._serving.pop(lane, None)
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
            self._lanes[me] = self.timebase.now()
            self._serving[me] = feed
            try:
                await feed.step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # this output is gone; the others go on
                self._drop(feed, exc)
            finally:
                self._serving.pop(me, None)
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
            timer = self.timebase.call_later(max(delay, 0.0), lambda: _resolve(wake))
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
