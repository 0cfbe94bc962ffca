"""The capture pump: one task per loop drives every LiveKit output, and outlives their failures.

The pump and its fake feeds run on a manual timebase: the claims are step counts for a span of
pump time, exact however busy the machine is (tests never time real seconds).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from roomtone.integrations.livekit.pump import STUCK, Pump, pump_for_running_loop
from roomtone.outputs.timebase import MONOTONIC, ManualTime, Timebase

BLOCK = 0.02


class FakeFeed:
    """A pump client that counts its steps; ``broken`` makes its schedule raise."""

    def __init__(self, name: str, time: Timebase, period: float = BLOCK) -> None:
        self.name = name
        self.busy = False
        self.broken = False
        self.steps = 0
        self.failures: list[Exception] = []
        self._period = period
        self._time = time
        self._next = time.now()

    def due_at(self) -> float:
        if self.broken:
            raise ValueError(f"{self.name}: schedule corrupted")
        return self._next

    async def step(self) -> None:
        self.steps += 1
        self._next = max(self._next + self._period, self._time.now() - self._period)

    def describe(self) -> str:
        return f"FakeFeed({self.name!r})"

    def fail(self, exc: Exception) -> None:
        self.failures.append(exc)


async def test_the_capture_pump_survives_a_feed_that_raises() -> None:
    time = ManualTime()
    pump = Pump(asyncio.get_running_loop(), time)
    healthy, broken = FakeFeed("healthy", time), FakeFeed("broken", time)
    pump.add(healthy)
    pump.add(broken)
    await time.advance(0.1)
    broken.broken = True
    await time.advance(0.1)
    before = healthy.steps
    await time.advance(0.2)
    assert healthy.steps - before == 10  # not stopped, not slowed: one step per block
    assert len(broken.failures) == 1 and "schedule corrupted" in str(broken.failures[0])
    pump.remove(healthy)
    await time.advance(BLOCK)
    assert pump._task is not None and pump._task.done()


async def test_one_pump_per_loop_on_the_monotonic_timebase() -> None:
    pump = pump_for_running_loop()
    assert pump is pump_for_running_loop()
    assert pump.timebase is MONOTONIC


async def test_feeds_step_when_due_and_the_task_ends_with_the_last() -> None:
    time = ManualTime()
    pump = Pump(asyncio.get_running_loop(), time)
    a, b = FakeFeed("a", time), FakeFeed("b", time, period=2 * BLOCK)
    pump.add(a)
    pump.add(b)
    await time.run_ready()
    assert (a.steps, b.steps) == (1, 1)  # both due at once
    for k in range(1, 16):  # 0.3 s of pump time, block by block
        await time.advance(BLOCK)
        assert a.steps == k + 1 and b.steps == k // 2 + 1  # each at its own period
    pump.remove(a)
    pump.remove(b)
    await time.run_ready()
    task = pump._task
    assert task is not None and task.done()
    assert time.pending == 0


async def test_a_feed_whose_step_raises_is_dropped_alone() -> None:
    time = ManualTime()
    pump = Pump(asyncio.get_running_loop(), time)
    healthy, broken = FakeFeed("healthy", time), FakeFeed("broken", time)

    async def fail() -> None:
        raise OSError("capture failed")

    broken.step = fail  # type: ignore[method-assign]
    pump.add(healthy)
    pump.add(broken)
    await time.advance(0.2)
    assert len(broken.failures) == 1 and "capture failed" in str(broken.failures[0])
    assert healthy.steps == 11  # every block of 0.2 s, and the first
    pump.remove(healthy)
    await time.run_ready()


async def test_a_capture_that_never_returns_drops_its_feed_after_stuck_seconds() -> None:
    time = ManualTime()
    pump = Pump(asyncio.get_running_loop(), time)
    healthy, wedged = FakeFeed("healthy", time), FakeFeed("wedged", time)
    never = asyncio.Event()

    async def hang() -> None:
        await never.wait()

    wedged.step = hang  # type: ignore[method-assign]
    pump.add(wedged)
    pump.add(healthy)
    await time.advance(STUCK - BLOCK)
    assert wedged.failures == []  # not yet: a slow capture is not a stuck one
    await time.advance(2 * BLOCK)
    assert len(wedged.failures) == 1 and isinstance(wedged.failures[0], TimeoutError)
    before = healthy.steps
    await time.advance(0.2)
    assert healthy.steps - before == 10  # the other lane went on
    pump.remove(healthy)
    await time.run_ready()


async def wait_until(condition: Callable[[], bool], what: str, patience: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while not condition():
        assert loop.time() < deadline, f"{what}: not within {patience:.0f} s"
        await asyncio.sleep(0.01)


async def test_a_feed_added_while_the_pump_winds_down_is_served() -> None:
    pump = Pump(asyncio.get_running_loop())  # the real timebase: this race needs real tasks
    leaving = FakeFeed("leaving", MONOTONIC)
    in_capture = asyncio.Event()

    async def slow_capture() -> None:
        in_capture.set()
        await asyncio.sleep(0.05)  # a capture in flight when its session closes

    leaving.step = slow_capture  # type: ignore[method-assign]
    pump.add(leaving)
    await asyncio.wait_for(in_capture.wait(), 10)
    pump.remove(leaving)  # no feeds left: the pump task ends, cancelling the busy lane
    await asyncio.sleep(0)  # ...and is now awaiting that lane in its finally
    arriving = FakeFeed("arriving", MONOTONIC)
    pump.add(arriving)  # a new session on the same loop, while the task is still alive
    await wait_until(lambda: arriving.steps >= 3, "the feed added during wind-down was served")
    pump.remove(arriving)
    await wait_until(lambda: pump._task is not None and pump._task.done(), "the pump ended")
