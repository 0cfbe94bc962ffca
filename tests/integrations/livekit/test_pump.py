"""The capture pump: one task per loop drives every LiveKit output, and outlives their failures."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

import pytest

from roomtone.integrations.livekit.pump import Pump, pump_for_running_loop

pytestmark = pytest.mark.realtime

BLOCK = 0.02


class FakeFeed:
    """A pump client that counts its steps; ``broken`` makes its schedule raise."""

    def __init__(self, name: str, period: float = BLOCK) -> None:
        self.name = name
        self.busy = False
        self.broken = False
        self.steps = 0
        self.failures: list[Exception] = []
        self._period = period
        self._next = time.monotonic()

    def due_at(self) -> float:
        if self.broken:
            raise ValueError(f"{self.name}: schedule corrupted")
        return self._next

    async def step(self) -> None:
        self.steps += 1
        self._next = max(self._next + self._period, time.monotonic() - self._period)

    def describe(self) -> str:
        return f"FakeFeed({self.name!r})"

    def fail(self, exc: Exception) -> None:
        self.failures.append(exc)


async def test_the_capture_pump_survives_a_feed_that_raises() -> None:
    pump = Pump(asyncio.get_running_loop())
    healthy, broken = FakeFeed("healthy"), FakeFeed("broken")
    pump.add(healthy)
    pump.add(broken)
    await asyncio.sleep(0.1)
    broken.broken = True
    await asyncio.sleep(0.1)
    before = healthy.steps
    await asyncio.sleep(0.2)
    assert healthy.steps - before >= math.floor(0.2 / BLOCK) / 2  # not stopped (half: load)
    assert len(broken.failures) == 1 and "schedule corrupted" in str(broken.failures[0])
    pump.remove(healthy)
    await asyncio.sleep(0.05)


async def test_one_pump_per_loop() -> None:
    assert pump_for_running_loop() is pump_for_running_loop()


async def test_feeds_step_when_due_and_the_task_ends_with_the_last() -> None:
    pump = Pump(asyncio.get_running_loop())
    a, b = FakeFeed("a"), FakeFeed("b", period=2 * BLOCK)
    pump.add(a)
    pump.add(b)
    await asyncio.sleep(0.3)
    assert a.steps >= 0.3 / BLOCK / 2 and b.steps >= 0.3 / (2 * BLOCK) / 2
    assert a.steps > b.steps  # each at its own period
    pump.remove(a)
    pump.remove(b)
    await asyncio.sleep(0.05)
    task = pump._task
    assert task is not None and task.done()


async def test_a_feed_whose_step_raises_is_dropped_alone() -> None:
    pump = Pump(asyncio.get_running_loop())
    healthy, broken = FakeFeed("healthy"), FakeFeed("broken")

    async def fail() -> None:
        raise OSError("capture failed")

    broken.step = fail  # type: ignore[method-assign]
    pump.add(healthy)
    pump.add(broken)
    await asyncio.sleep(0.2)
    assert len(broken.failures) == 1 and healthy.steps >= 0.2 / BLOCK / 2
    pump.remove(healthy)
    await asyncio.sleep(0.05)


async def wait_until(condition: Callable[[], bool], what: str, patience: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while not condition():
        assert loop.time() < deadline, f"{what}: not within {patience:.0f} s"
        await asyncio.sleep(0.01)


async def test_a_feed_added_while_the_pump_winds_down_is_served() -> None:
    pump = Pump(asyncio.get_running_loop())
    leaving = FakeFeed("leaving")
    in_capture = asyncio.Event()

    async def slow_capture() -> None:
        in_capture.set()
        await asyncio.sleep(0.05)  # a capture in flight when its session closes

    leaving.step = slow_capture  # type: ignore[method-assign]
    pump.add(leaving)
    await asyncio.wait_for(in_capture.wait(), 10)
    pump.remove(leaving)  # no feeds left: the pump task ends, cancelling the busy lane
    await asyncio.sleep(0)  # ...and is now awaiting that lane in its finally
    arriving = FakeFeed("arriving")
    pump.add(arriving)  # a new session on the same loop, while the task is still alive
    await wait_until(lambda: arriving.steps >= 3, "the feed added during wind-down was served")
    pump.remove(arriving)
    await wait_until(lambda: pump._task is not None and pump._task.done(), "the pump ended")
