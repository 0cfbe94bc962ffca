"""A thousand full lifecycles in one process leave nothing behind: memory, threads, tasks, fds."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from collections.abc import Callable

import psutil
import pytest

from roomtone import AudioConfig, BackgroundAudioPlayer, NullOutput, ScriptedSession

LIFECYCLES = 1000
POOLS = ("asyncio_", "roomtone-decode_")
pytestmark = pytest.mark.realtime


async def lifecycle(bed: str, cue: str, effect: str) -> None:
    session = ScriptedSession()
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(bed, volume=0.5), thinking_sound=cue)
    await player.start(output=NullOutput(16000, 1, 0.02), agent_session=session)
    session.set_agent_state("thinking")
    handle = player.play(effect)
    session.set_agent_state("speaking")
    handle.stop()
    await player.aclose()


def snapshot() -> tuple[float, int, int, int]:
    gc.collect()
    process = psutil.Process()
    tasks = len([t for t in asyncio.all_tasks() if t.get_name() != "roomtone-clock"])
    # Pool workers (asyncio's default executor, the decoders) start lazily up to a fixed
    # size: they are counted by the bound test below, not as leaks.
    threads = [t for t in threading.enumerate() if not t.name.startswith(POOLS)]
    return process.memory_info().rss / 2**20, len(threads), tasks, process.num_fds()


async def test_a_thousand_lifecycles_leak_nothing(tone_file: Callable[..., str]) -> None:
    bed, cue, effect = tone_file(300, 2.0, 16000), tone_file(2000, 1.0), tone_file(5000, 0.5)
    for _ in range(100):  # warm up: decoder threads, caches, the clock
        await lifecycle(bed, cue, effect)
    rss0, threads0, tasks0, fds0 = snapshot()
    for _ in range(LIFECYCLES):
        await lifecycle(bed, cue, effect)
    rss1, threads1, tasks1, fds1 = snapshot()
    assert threads1 <= threads0, (threads0, threads1)
    assert tasks1 <= tasks0, (tasks0, tasks1)
    assert fds1 <= fds0, (fds0, fds1)
    # Allocator noise moves RSS by a few MB; a leak of even 20 kB per lifecycle would be 20 MB.
    assert rss1 - rss0 < 16, f"RSS grew {rss1 - rss0:.1f} MB over {LIFECYCLES} lifecycles"
    workers = [t for t in threading.enumerate() if t.name.startswith(POOLS)]
    assert len(workers) <= (os.cpu_count() or 1) + 4 + 4  # asyncio's pool + 4 decoders
