"""The shared real-time clock: one task per event loop paces every clock-driven output.

Deadlines come from a sample counter and ``time.monotonic()`` (through a
:class:`~roomtone.outputs.timebase.Timebase`, which tests replace with a manual one), never
from summed sleeps, so there is no drift. All outputs on a loop are served in one wake-up per
block, which keeps the per-session cost at a few microseconds. A late loop renders the missed
blocks back to back (continuous audio, no clicks); beyond ``max_catch_up`` it skips ahead and
counts an underrun.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable

from roomtone.loops import PerLoop
from roomtone.outputs.timebase import MONOTONIC, Timebase, sleep

__all__ = ["ClockClient", "RealtimeClock", "clock_for_running_loop"]

logger = logging.getLogger("roomtone")

_EARLY = 0.002


class ClockClient:
    """One paced output: ``tick()`` renders and delivers one block.

    If ``tick()`` raises, the clock drops this client and calls ``fail(exc)`` once; the
    other clients go on.
    """

    def __init__(
        self,
        block_seconds: float,
        tick: Callable[[], None],
        max_catch_up: int,
        fail: Callable[[Exception], None],
    ) -> None:
        self.block_seconds = block_seconds
        self.tick = tick
        self.fail = fail
        self.max_catch_up = max_catch_up
        self.blocks = 0
        self.underruns = 0
        self.t0 = 0.0


class RealtimeClock:
    """Serves registered clients on one asyncio task until none remain."""

    def __init__(self, timebase: Timebase = MONOTONIC) -> None:
        self.timebase = timebase
        self._clients: list[ClockClient] = []
        self._task: asyncio.Task[None] | None = None
        self._origin = timebase.now()

    def now(self) -> float:
        """The time on this clock's timebase (monotonic seconds in production)."""
        return self.timebase.now()

    def add(self, client: ClockClient) -> None:
        """Start pacing ``client``; its blocks fall on a grid shared with the other clients."""
        now = self.timebase.now()
        block = client.block_seconds
        client.t0 = self._origin + math.floor((now - self._origin) / block) * block
        self._clients.append(client)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="roomtone-clock")

    def remove(self, client: ClockClient) -> None:
        if client in self._clients:
            self._clients.remove(client)

    async def _run(self) -> None:
        while self._clients:
            # Timers wake a little early or late; a block due within 2 ms is served now
            # rather than with another sub-millisecond sleep (which would spin the loop).
            timebase = self.timebase
            now = timebase.now() + _EARLY
            deadline = math.inf
            for client in list(self._clients):  # hot: inlined arithmetic, one pass
                block = client.block_seconds
                due = int((now - client.t0) / block) + 1 - client.blocks
                if due > client.max_catch_up:
                    client.underruns += 1
                    client.blocks += due - 1
                    due = 1
                if due > 0:
                    tick = client.tick
                    try:
                        for _ in range(due):
                            client.blocks += 1
                            tick()
                    except Exception as exc:  # that output is broken; the others go on
                        self.remove(client)
                        _report(client, exc)
                        continue
                deadline = min(deadline, client.t0 + client.blocks * block)
            if not self._clients:
                break
            await sleep(timebase, deadline - timebase.now())


def _report(client: ClockClient, exc: Exception) -> None:
    try:
        client.fail(exc)
    except Exception:
        logger.exception("roomtone: a paced output failed and could not be told")


clock_for_running_loop = PerLoop(lambda loop: RealtimeClock())
"""The clock of the running event loop (created on first use)."""
