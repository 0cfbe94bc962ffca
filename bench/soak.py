"""Soak: N LiveKit sessions for M minutes with state churn and plays, in one process.

Each session is a roomtone player published into its own room stand-in (a real, unconnected
``rtc.Room`` whose publish is a no-op; the track has a real ``rtc.AudioSource`` that paces
``capture_frame`` in real time), with an office bed, a thinking and a tool sound. A driver walks
every session through listening -> thinking -> (tool) -> speaking turns with random timing and
plays a short effect now and then. Every ``--every`` seconds it prints RSS, threads, tasks and
underruns so far; at the end, CPU per session-second and delivered audio per session.

    python bench/soak.py                        # 100 sessions, 10 minutes (the README figures)
    python bench/soak.py --sessions 20 --minutes 1
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from livekit_vs_roomtone import make_session, stand_in_room
from roomtone import AudioConfig, BackgroundAudioPlayer, BuiltinAudioClip


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def delivered_seconds(player: BackgroundAudioPlayer) -> float:
    output = player.output
    assert output is not None
    return output.delivered_frames() / output.format.sample_rate


async def churn(session: Any, player: BackgroundAudioPlayer, rng: random.Random, end: float) -> int:
    """Walk one session through turns until ``end``; returns how many effects it played."""
    plays = 0
    while time.monotonic() < end:
        session.set_state("listening")
        await asyncio.sleep(rng.uniform(0.5, 3.0))
        session.set_state("thinking")
        await asyncio.sleep(rng.uniform(0.1, 2.0))
        if rng.random() < 0.3:
            player.set_tools_running(True)
            await asyncio.sleep(rng.uniform(0.5, 3.0))
            player.set_tools_running(False)
        session.set_state("speaking")
        if rng.random() < 0.2:
            player.play(AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.5))
            plays += 1
        await asyncio.sleep(rng.uniform(1.0, 4.0))
    return plays


async def soak(sessions: int, minutes: float, every: float, frame: float) -> None:
    rng = random.Random(1)
    players: list[BackgroundAudioPlayer] = []
    rooms_sessions = []
    for _ in range(sessions):
        room, session = stand_in_room(), make_session()
        player = BackgroundAudioPlayer(
            ambient_sound=AudioConfig(BuiltinAudioClip.OFFICE_AMBIENCE, volume=0.8),
            thinking_sound=AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING, volume=0.7),
            tool_sound=AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.7),
            frame_duration=frame,
        )
        await player.start(room=room, agent_session=session)
        players.append(player)
        rooms_sessions.append(session)
    process = psutil.Process()
    before = [delivered_seconds(p) for p in players]
    start_cpu, start = cpu_seconds(), time.monotonic()
    end = start + minutes * 60
    tasks = [
        asyncio.create_task(churn(s, p, random.Random(rng.random()), end))
        for s, p in zip(rooms_sessions, players, strict=True)
    ]
    print(f"{sessions} sessions, {minutes:g} min, {frame * 1000:.0f} ms frames")
    print(f"{'t (s)':>6} {'RSS MB':>7} {'threads':>7} {'tasks':>6} {'underruns':>9}")
    while time.monotonic() < end:
        await asyncio.sleep(min(every, max(0.0, end - time.monotonic())))
        underruns = sum(getattr(p.output, "underruns", 0) for p in players)
        print(
            f"{time.monotonic() - start:6.0f} {process.memory_info().rss / 2**20:7.1f} "
            f"{threading.active_count():7d} {len(asyncio.all_tasks()):6d} {underruns:9d}",
            flush=True,
        )
    plays = sum(await asyncio.gather(*tasks))
    wall, cpu = time.monotonic() - start, cpu_seconds() - start_cpu
    delivered = [delivered_seconds(p) - b for p, b in zip(players, before, strict=True)]
    for player in players:
        await player.aclose()
    print(f"effects played: {plays}")
    print(f"CPU per session-second: {1000 * cpu / (wall * sessions):.2f} ms")
    print(
        f"audio delivered per session: min {min(delivered):.1f} s, max {max(delivered):.1f} s "
        f"of about {wall:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between reports")
    parser.add_argument("--frames", type=float, default=0.05, help="frame duration in seconds")
    args = parser.parse_args()
    asyncio.run(soak(args.sessions, args.minutes, args.every, args.frames))


if __name__ == "__main__":
    main()
