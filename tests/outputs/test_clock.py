"""RealtimeClock: one task paces every client of a loop, on a shared grid, and outlives failures.

The clock runs on a manual timebase: every claim is a count of blocks for a span of clock
time, exact however busy the machine is (tests never time real seconds).
"""

from __future__ import annotations

import asyncio

from roomtone.outputs.clock import ClockClient, RealtimeClock, clock_for_running_loop
from roomtone.outputs.timebase import MONOTONIC, ManualTime

BLOCK = 0.02
MAX_CATCH_UP = 10


class Counter:
    def __init__(self, fail_after: int | None = None, block: float = BLOCK) -> None:
        self.ticks = 0
        self.failures: list[Exception] = []
        self.fail_after = fail_after
        self.block = block

    def tick(self) -> None:
        self.ticks += 1
        if self.fail_after is not None and self.ticks > self.fail_after:
            raise RuntimeError("broken")

    def client(self) -> ClockClient:
        return ClockClient(self.block, self.tick, MAX_CATCH_UP, self.failures.append)


async def test_one_clock_per_loop_on_the_monotonic_timebase() -> None:
    clock = clock_for_running_loop()
    assert clock is clock_for_running_loop()
    assert clock.timebase is MONOTONIC


async def test_clients_tick_once_per_block_of_clock_time() -> None:
    time = ManualTime()
    clock = RealtimeClock(time)
    a, b, slow = Counter(), Counter(), Counter(block=2 * BLOCK)
    for counter in (a, b, slow):
        clock.add(counter.client())
    await time.run_ready()
    assert (a.ticks, b.ticks, slow.ticks) == (1, 1, 1)  # the first block is due at once
    for k in range(1, 16):
        await time.advance(BLOCK)
        assert a.ticks == b.ticks == k + 1  # one block per block of time, never two
        assert slow.ticks == k // 2 + 1  # each client at its own period


async def test_a_client_added_later_joins_the_grid() -> None:
    time = ManualTime()
    clock = RealtimeClock(time)
    first, late = Counter(), Counter()
    clock.add(first.client())
    await time.advance(0.05)  # 2.5 blocks in: the late client's block began at 0.04
    clock.add(late.client())
    await time.run_ready()
    assert late.ticks == 0  # served at the clock's next wake-up, not on a timer of its own
    await time.advance(0.01)  # 0.06: its block of 0.04 and the one due now, with the first's
    assert (first.ticks, late.ticks) == (4, 2)


async def test_a_late_loop_renders_the_missed_blocks_back_to_back() -> None:
    time = ManualTime()
    clock = RealtimeClock(time)
    counter = Counter()
    client = counter.client()
    clock.add(client)
    await time.advance(0.1)
    assert counter.ticks == 6
    time.stall(5 * BLOCK)  # the loop was blocked for five blocks
    await time.run_ready()
    await time.advance(BLOCK)  # the clock's timer fires late: everything missed is rendered
    assert counter.ticks == 12 and client.underruns == 0


async def test_a_stall_longer_than_the_catch_up_is_skipped_and_counted() -> None:
    time = ManualTime()
    clock = RealtimeClock(time)
    counter = Counter()
    client = counter.client()
    clock.add(client)
    await time.advance(BLOCK)
    assert counter.ticks == 2
    time.stall(30 * BLOCK)
    await time.advance(0.0)
    assert client.underruns == 1
    assert counter.ticks == 3  # one block now, the missed ones are not rendered
    await time.advance(BLOCK)
    assert counter.ticks == 4  # and the grid goes on from there


async def test_a_failing_client_is_dropped_and_told_once() -> None:
    time = ManualTime()
    clock = RealtimeClock(time)
    healthy, broken = Counter(), Counter(fail_after=3)
    clock.add(broken.client())
    clock.add(healthy.client())
    await time.advance(0.2)
    assert broken.ticks == 4 and len(broken.failures) == 1
    assert healthy.ticks == 11  # the clock went on: every block of 0.2 s, and the first
    await time.advance(0.2)
    assert broken.ticks == 4 and len(broken.failures) == 1
    assert healthy.ticks == 21


async def test_the_task_ends_when_the_last_client_leaves() -> None:
    time = ManualTime()
    clock = RealtimeClock(time)
    counter = Counter()
    client = counter.client()
    clock.add(client)
    await time.advance(0.05)
    clock.remove(client)
    await time.advance(BLOCK)  # the clock wakes, finds no client and ends
    task = clock._task
    assert task is not None and task.done()
    assert time.pending == 0  # and leaves no timer behind
    ticks = counter.ticks
    await time.advance(0.2)
    assert counter.ticks == ticks


async def test_the_real_timebase_paces_too() -> None:
    """The production timebase: blocks come (a hang guard only, no bound on how fast)."""
    clock = RealtimeClock()
    three = asyncio.Event()
    counter = Counter()

    def tick() -> None:
        counter.tick()
        if counter.ticks >= 3:
            three.set()

    client = ClockClient(BLOCK, tick, MAX_CATCH_UP, counter.failures.append)
    clock.add(client)
    await asyncio.wait_for(three.wait(), 30)  # fails only if the clock never ticks again
    clock.remove(client)
