"""RealtimeClock: one task paces every client of a loop, on a shared grid, and outlives failures."""

from __future__ import annotations

import asyncio

import pytest

from roomtone.outputs.clock import ClockClient, RealtimeClock, clock_for_running_loop

pytestmark = pytest.mark.realtime

BLOCK = 0.02


class Counter:
    def __init__(self, fail_after: int | None = None) -> None:
        self.ticks = 0
        self.failures: list[Exception] = []
        self.fail_after = fail_after

    def tick(self) -> None:
        self.ticks += 1
        if self.fail_after is not None and self.ticks > self.fail_after:
            raise RuntimeError("broken")

    def client(self) -> ClockClient:
        return ClockClient(BLOCK, self.tick, 10, self.failures.append)


async def test_one_clock_per_loop() -> None:
    assert clock_for_running_loop() is clock_for_running_loop()


async def test_clients_tick_once_per_block_of_wall_time() -> None:
    clock = RealtimeClock()
    a, b = Counter(), Counter()
    clock.add(a.client())
    clock.add(b.client())
    await asyncio.sleep(0.3)
    for counter in (a, b):
        # The first block is due at once; load may delay, but catch-up keeps the count.
        assert 0.3 / BLOCK - 2 <= counter.ticks <= 0.3 / BLOCK + 2


async def test_a_failing_client_is_dropped_and_told_once() -> None:
    clock = RealtimeClock()
    healthy, broken = Counter(), Counter(fail_after=3)
    clock.add(broken.client())
    clock.add(healthy.client())
    await asyncio.sleep(0.2)
    before = healthy.ticks
    await asyncio.sleep(0.2)
    assert broken.ticks == 4 and len(broken.failures) == 1
    assert healthy.ticks - before >= 0.2 / BLOCK / 2  # the clock went on


async def test_the_task_ends_when_the_last_client_leaves() -> None:
    clock = RealtimeClock()
    counter = Counter()
    client = counter.client()
    clock.add(client)
    await asyncio.sleep(0.05)
    clock.remove(client)
    await asyncio.sleep(0.05)
    task = clock._task
    assert task is not None and task.done()
    ticks = counter.ticks
    await asyncio.sleep(0.05)
    assert counter.ticks == ticks
