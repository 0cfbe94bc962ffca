"""Engine cost and latency: N players in one process, real-time paced to NullOutput.

Each player has an ambient bed and a thinking sound toggled every few seconds (48 kHz mono,
20 ms frames). Prints CPU ms per session-second, underruns, resident memory per extra session,
and play()-to-first-sample / stop()-to-silence latencies measured on one extra player. A last
row runs idle players (no ambience, nothing playing), which should cost next to nothing.

    python bench/engine_bench.py                      # N = 1, 10, 100, 200, 500, 10 s each
    python bench/engine_bench.py --sessions 10 --seconds 5 --idle 0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from roomtone import (
    BackgroundAudioPlayer,
    BuiltinAudioClip,
    CueOptions,
    NullOutput,
    ScriptedSession,
)
from roomtone.outputs import PacedOutput, write_wav
from roomtone.samples import FloatArray


def sounds(workdir: Path) -> tuple[str, str]:
    """Built-in office ambience and typing when present, else generated noise files."""
    amb, think = BuiltinAudioClip.OFFICE_AMBIENCE, BuiltinAudioClip.KEYBOARD_TYPING
    if os.path.exists(amb.path()) and os.path.exists(think.path()):
        return amb.path(), think.path()
    rng = np.random.default_rng(0)
    write_wav(workdir / "amb.wav", rng.normal(0, 0.05, (48000 * 30, 2)).astype(np.float32), 48000)
    write_wav(workdir / "think.wav", rng.normal(0, 0.1, (48000 * 10, 1)).astype(np.float32), 48000)
    return str(workdir / "amb.wav"), str(workdir / "think.wav")


class ProbeOutput(PacedOutput):
    """Records when a block with sound (or the first silent one) was delivered."""

    def __init__(self) -> None:
        super().__init__(48000, 1, 0.02)
        self.events: list[tuple[float, bool]] = []

    def consume(self, block: FloatArray) -> None:
        self.events.append((time.monotonic(), bool(np.abs(block).max() > 1e-4)))


async def latencies(sound: str) -> tuple[float, float]:
    out = ProbeOutput()
    player = BackgroundAudioPlayer(ducking=False)
    await player.start(output=out)
    await asyncio.sleep(0.2)
    t_play = time.monotonic()
    handle = player.play(sound, loop=True)
    await asyncio.sleep(0.5)
    t_stop = time.monotonic()
    handle.stop()
    await asyncio.sleep(0.3)
    await player.aclose()
    first = next(t for t, loud in out.events if loud and t >= t_play)
    silent = next(t for t, loud in out.events if not loud and t >= t_stop)
    return first - t_play, silent - t_stop


async def child(n: int, seconds: float, workdir: Path, idle: bool) -> dict[str, float]:
    ambient, thinking = sounds(workdir)
    proc = psutil.Process()
    outputs, sessions, players = [], [], []
    for i in range(n):
        session = ScriptedSession()
        player = (
            BackgroundAudioPlayer(seed=i)
            if idle
            else BackgroundAudioPlayer(
                ambient_sound=ambient, thinking_sound=thinking, seed=i, thinking=CueOptions()
            )
        )
        out = NullOutput(48000, 1, 0.02)
        await player.start(room=out, agent_session=session)
        outputs.append(out)
        sessions.append(session)
        players.append(player)
        if i == 0:
            await asyncio.sleep(0.5)  # let the first decode finish before measuring memory
            rss_one = proc.memory_info().rss
    await asyncio.sleep(0.5)
    rss_all = proc.memory_info().rss
    cpu0, wall0 = time.process_time(), time.monotonic()
    frames0 = sum(o.delivered_frames() for o in outputs)
    toggles = 0
    while time.monotonic() - wall0 < seconds:
        await asyncio.sleep(0.5)
        toggles += 1
        for i, session in enumerate(() if idle else sessions):
            if (toggles + i) % 6 == 0:  # each session thinks for 1.5 s every 3 s
                session.set_agent_state("thinking")
            elif (toggles + i) % 6 == 3:
                session.set_agent_state("listening")
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    frames = sum(o.delivered_frames() for o in outputs) - frames0
    play_latency, stop_latency = await latencies(thinking)
    for player in players:
        await player.aclose()
    return {
        "n": n,
        "cpu_ms_per_session_second": 1000 * cpu / (n * wall),
        "realtime_ratio": frames / (n * 48000 * wall),
        "underruns": sum(o.underruns for o in outputs),
        "rss_mb_per_extra_session": (rss_all - rss_one) / max(1, n - 1) / 2**20,
        "rss_mb": rss_all / 2**20,
        "play_latency_ms": 1000 * play_latency,
        "stop_latency_ms": 1000 * stop_latency,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="1,10,100,200,500")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--idle", type=int, default=500, help="idle players in the last row")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-idle", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            result = child(args.child, args.seconds, Path(tmp), args.child_idle)
            print(json.dumps(asyncio.run(result)))
        return
    print(
        f"roomtone engine bench: {args.seconds:g} s per run, 48 kHz mono, 20 ms frames, "
        f"{os.cpu_count()} CPUs"
    )
    header = (
        f"{'N':>8} {'CPU ms/sess-s':>14} {'real time':>10} {'underruns':>10} "
        f"{'MB/extra sess':>14} {'RSS MB':>8} {'play ms':>8} {'stop ms':>8}"
    )
    print(header)
    runs = [(int(x), False) for x in args.sessions.split(",")]
    runs += [(args.idle, True)] if args.idle else []
    for n, idle in runs:
        cmd = [sys.executable, __file__, "--child", str(n), "--seconds", str(args.seconds)]
        cmd += ["--child-idle"] if idle else []
        result = json.loads(
            subprocess.run(cmd, capture_output=True, text=True, check=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        label = f"{n} idle" if idle else str(n)
        print(
            f"{label:>8} {result['cpu_ms_per_session_second']:>14.3f} "
            f"{result['realtime_ratio']:>9.3f}x {result['underruns']:>10d} "
            f"{result['rss_mb_per_extra_session']:>14.3f} {result['rss_mb']:>8.0f} "
            f"{result['play_latency_ms']:>8.1f} {result['stop_latency_ms']:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
