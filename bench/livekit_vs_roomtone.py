"""roomtone vs livekit.agents.BackgroundAudioPlayer: N sessions in one process, side by side.

Each configuration runs in its own process (this script re-invoked with ``--worker``): N players,
each with its own room stand-in and agent session, play an office ambience while the session
toggles "thinking" (a keyboard sound) every few seconds. The stand-in room is a real, unconnected
``rtc.Room`` whose publish is a no-op; every track still has a real ``rtc.AudioSource``, which
paces ``capture_frame`` in real time. Both players get the same files and the same stand-ins.

Reported per N: CPU per session-second (all threads, per second of wall time and per second of
audio actually delivered), sessions that kept real time (>= 98 % of the expected samples), RSS
per session, and stop-to-silence latency: from ``handle.stop()`` to the moment the last
non-silent sample leaves the AudioSource queue (measured on an extra player, while the N run).

    python bench/livekit_vs_roomtone.py                       # full run, a few minutes
    python bench/livekit_vs_roomtone.py --seconds 5 --sessions 10,50 --frames 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

SR = 48000
SILENT = 16  # int16 peak at or below which a sample counts as silent (-66 dBFS)
KEPT = 0.98  # a session keeps real time if it delivered this share of the expected audio
WARMUP = 1.0

# -- stand-ins (worker side) -------------------------------------------------------------------
_sids = itertools.count(1)


class Publication:
    def __init__(self, track: Any, options: Any) -> None:
        self.sid, self.name, self.track, self.options = (
            f"TR_b{next(_sids)}",
            track.name,
            track,
            options,
        )


class Participant:
    """What both players touch: publish, unpublish and the publication map."""

    def __init__(self) -> None:
        self.track_publications: dict[str, Publication] = {}

    async def publish_track(self, track: Any, options: Any = None) -> Publication:
        pub = Publication(track, options)
        self.track_publications[pub.sid] = pub
        return pub

    async def unpublish_track(self, sid: str) -> None:
        self.track_publications.pop(sid, None)


def stand_in_room() -> Any:
    from livekit import rtc

    room = rtc.Room()
    room._local_participant = Participant()  # type: ignore[assignment]
    room.isconnected = lambda: True  # type: ignore[method-assign]
    return room


def make_session() -> Any:
    from livekit import rtc
    from livekit.agents import AgentStateChangedEvent

    class Session(rtc.EventEmitter[str]):
        agent_state = "listening"

        def set_state(self, new: str) -> None:
            old, self.agent_state = self.agent_state, new
            self.emit("agent_state_changed", AgentStateChangedEvent(old_state=old, new_state=new))

    return Session()


# -- counting what reaches the AudioSources ----------------------------------------------------
class SourceStats:
    def __init__(self) -> None:
        self.samples = 0
        self.queue_end = 0.0
        self.loud_leaves: list[float] | None = None  # when each frame's last loud sample leaves


STATS: dict[int, SourceStats] = {}


def install_counter() -> None:
    """Wrap capture_frame: count samples, model the queue as the SDK does (real-time drain)."""
    from livekit import rtc

    original = rtc.AudioSource.capture_frame

    async def counting(self: Any, frame: Any) -> None:
        stats = STATS.setdefault(id(self), SourceStats())
        n = frame.samples_per_channel
        stats.queue_end = max(stats.queue_end, time.monotonic()) + n / frame.sample_rate
        stats.samples += n
        if stats.loud_leaves is not None:
            pcm = np.frombuffer(frame.data, np.int16)[: n * frame.num_channels]
            loud = np.flatnonzero(np.abs(pcm) > SILENT)
            if loud.size:
                last = int(loud[-1]) // frame.num_channels
                stats.loud_leaves.append(stats.queue_end - (n - 1 - last) / frame.sample_rate)
        await original(self, frame)

    rtc.AudioSource.capture_frame = counting  # type: ignore[method-assign]


LIVEKIT_FILES = "--livekit-files" in sys.argv


def sound_files() -> list[str]:
    """Office ambience and two keyboard sounds: roomtone's if generated, else LiveKit's."""
    names = ("office_ambience", "keyboard_typing", "keyboard_typing2")
    ours = Path(__file__).resolve().parents[1] / "src" / "roomtone" / "clips" / "data"
    if not LIVEKIT_FILES and all((ours / f"{n}.ogg").exists() for n in names):
        return [str(ours / f"{n}.ogg") for n in names]
    from livekit.agents import BuiltinAudioClip

    return [BuiltinAudioClip[n.upper()].path() for n in names]


def make_player(impl: str, frame: float, ambient: bool) -> Any:
    amb, key1, key2 = sound_files()
    if impl == "livekit":
        from livekit.agents import AudioConfig, BackgroundAudioPlayer

        return BackgroundAudioPlayer(
            ambient_sound=AudioConfig(amb, volume=0.8) if ambient else None,
            thinking_sound=[AudioConfig(key1, volume=0.8), AudioConfig(key2, volume=0.7)],
        )
    import roomtone

    return roomtone.BackgroundAudioPlayer(
        ambient_sound=roomtone.AudioConfig(amb, volume=0.8) if ambient else None,
        thinking_sound=[
            roomtone.AudioConfig(key1, volume=0.8),
            roomtone.AudioConfig(key2, volume=0.7),
        ],
        thinking=roomtone.CueOptions.immediate(),  # LiveKit's rules: no delay, once, stop on leave
        frame_duration=frame,
    )


def source_of(player: Any) -> Any:
    return player._audio_source if hasattr(player, "_audio_source") else player.output.source


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def stop_trials(impl: str, frame: float, count: int) -> list[float]:
    """An extra player (no ambience) loops the ambience file; stop it and time the silence.

    A trial counts only if the sound was heard before the stop (an overloaded process may
    not have delivered anything yet).
    """
    player = make_player(impl, frame, ambient=False)
    await player.start(room=stand_in_room())
    stats = STATS.setdefault(id(source_of(player)), SourceStats())
    stats.loud_leaves = []
    rng, latencies = random.Random(7), []
    for _ in range(count):
        stats.loud_leaves.clear()
        handle = player.play(sound_files()[0], loop=True)
        await asyncio.sleep(0.6 + 0.3 * rng.random())
        heard = any(t <= time.monotonic() for t in stats.loud_leaves)
        stats.loud_leaves.clear()
        stopped = time.monotonic()
        handle.stop()
        await asyncio.sleep(0.9)
        if heard:
            latencies.append(max([stopped, *stats.loud_leaves]) - stopped)
    await player.aclose()
    return latencies


class Window(threading.Thread):
    """Takes the measurement on wall-clock time, in a thread of its own.

    A saturated event loop (LiveKit's player at N >= 50 here) runs its timers seconds late, so
    a window timed by the loop would never end within the time budget.
    """

    def __init__(self, n: int, seconds: float, sources: list[int], rss0: float) -> None:
        super().__init__(daemon=True)
        self.n, self.seconds, self.sources, self.rss0 = n, seconds, sources, rss0
        self.lag = 0.0  # the toggler's worst lateness, written by the loop
        self.done = threading.Event()
        self.overloaded = False

    def run(self) -> None:
        time.sleep(WARMUP)
        base = [STATS[k].samples if k in STATS else 0 for k in self.sources]
        t0, c0 = time.monotonic(), time.process_time()
        time.sleep(self.seconds)
        wall, cpu = time.monotonic() - t0, time.process_time() - c0
        got = [STATS[k].samples if k in STATS else 0 for k in self.sources]
        ratios = [(g - b) / (SR * wall) for g, b in zip(got, base, strict=True)]
        self.overloaded = float(np.mean(ratios)) < 0.5
        figures = {
            "n": self.n,
            "cpu_wall": 1000 * cpu / (self.n * wall),
            "cpu_audio": 1000 * cpu / (sum(ratios) * wall) if sum(ratios) > 0.01 else None,
            "realtime": float(np.mean(ratios)),
            "kept": sum(r >= KEPT for r in ratios),
            "rss": (rss_mb() - self.rss0) / self.n,
            "lag_ms": 1000 * self.lag,
            "stop_ms": [],
        }
        emit(figures)
        if self.overloaded:  # trials and a clean close would take minutes and mean little
            os._exit(0)
        self.done.set()


async def worker(args: argparse.Namespace) -> None:
    install_counter()
    rss0 = rss_mb()
    n = args.worker_n
    sessions = [make_session() for _ in range(n)]
    players = [make_player(args.worker, args.frame, ambient=True) for _ in range(n)]
    for player, session in zip(players, sessions, strict=True):
        await player.start(room=stand_in_room(), agent_session=session)
    window = Window(n, args.seconds, [id(source_of(p)) for p in players], rss0)
    window.start()
    # Each session toggles thinking every `toggle` s; sessions are staggered over one period.
    t0 = time.monotonic()
    due = sorted((t0 + i * args.toggle / n, i) for i in range(n))
    thinking = [False] * n
    while not window.done.is_set():
        at, i = due.pop(0)
        await asyncio.sleep(min(max(0.0, at - time.monotonic()), 0.1))
        if time.monotonic() < at:
            due.insert(0, (at, i))
            continue
        window.lag = max(window.lag, time.monotonic() - at)
        thinking[i] = not thinking[i]
        sessions[i].set_state("thinking" if thinking[i] else "listening")
        due.append((at + args.toggle, i))
        due.sort()
    latencies = await stop_trials(args.worker, args.frame, args.trials)
    began = time.monotonic()
    for player in players:
        await player.aclose()
    emit({"stop_ms": [1000 * x for x in latencies], "close_s": time.monotonic() - began})
    await asyncio.sleep(0.5)  # let the FFI answer captures still in flight before exit


def emit(figures: dict[str, Any]) -> None:
    """One JSON line per phase, so a run cut short by its time budget still reports."""
    print(json.dumps(figures), flush=True)


# -- orchestration -----------------------------------------------------------------------------
def run_config(impl: str, n: int, frame: float, args: argparse.Namespace) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--worker", impl, "--worker-n", str(n), "--frame", str(frame)]
    cmd += ["--seconds", str(args.seconds), "--toggle", str(args.toggle)]
    cmd += ["--trials", str(args.trials)] + (["--livekit-files"] if args.livekit_files else [])
    budget = 2 * args.seconds + 2.5 * args.trials + 30
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, check=False)
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        stdout = out.decode() if isinstance(out, bytes) else out
        stderr = f"stopped after {budget:.0f} s"
    result: dict[str, Any] = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            result.update(json.loads(line))
    if not result:
        print(f"  {impl} N={n}: no figures ({stderr.strip()[-300:]})", flush=True)
        return None
    return result


def fmt_row(label: str, r: dict[str, Any] | None) -> str:
    if r is None:
        return f"{label:<22} (no result)"
    stop = r["stop_ms"]
    median, worst = (f"{statistics.median(stop):.0f}", f"{max(stop):.0f}") if stop else ("-", "-")
    per_audio = "-" if r["cpu_audio"] is None else f"{r['cpu_audio']:.1f}"
    return (
        f"{label:<22} {r['cpu_wall']:>8.1f} {per_audio:>9} {r['realtime']:>7.2f} "
        f"{r['kept']:>4}/{r['n']:<4} {r['rss']:>7.2f} {median:>8} {worst:>6} {r['lag_ms']:>7.0f}"
    )


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", default="5,10,50,100,200", help="comma-separated N values")
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    ap.add_argument("--toggle", type=float, default=3.0, help="seconds between thinking toggles")
    ap.add_argument("--frames", default="0.05", help="roomtone frame durations to run")
    ap.add_argument("--trials", type=int, default=3, help="stop-latency trials per run")
    ap.add_argument(
        "--livekit-files", action="store_true", help="use LiveKit's bundled files for both"
    )
    ap.add_argument("--json", type=Path, help="also write all results here")
    ap.add_argument("--worker", choices=["roomtone", "livekit"], help=argparse.SUPPRESS)
    ap.add_argument("--worker-n", type=int, default=10, help=argparse.SUPPRESS)
    ap.add_argument("--frame", type=float, default=0.05, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        logging.basicConfig(level=logging.ERROR)
        asyncio.run(worker(args))
        return
    frames = [float(f) for f in args.frames.split(",")]
    files = ", ".join(str(Path(f).relative_to(Path(f).parents[2])) for f in sound_files())
    print(f"files: {files}; {args.seconds:g} s measured per run; kept = >= {KEPT:.0%} of real time")
    head = (
        f"{'':<22} {'CPU ms/':>8} {'CPU ms/':>9} {'audio/':>7} {'kept':>9} {'RSS MB/':>7} "
        f"{'stop ms':>8} {'max':>6} {'lag ms':>7}\n{'':<22} {'sess-s':>8} {'audio-s':>9} "
        f"{'wall':>7} {'':>9} {'sess':>7} {'median':>8}"
    )
    results: list[dict[str, Any]] = []
    for n in (int(x) for x in args.sessions.split(",")):
        print(f"\nN = {n}\n{head}", flush=True)
        lk = run_config("livekit", n, 0.1, args)
        print(fmt_row("livekit (100 ms)", lk), flush=True)
        results.append({"impl": "livekit", "frame": 0.1, "result": lk})
        for frame in frames:
            rt = run_config("roomtone", n, frame, args)
            print(fmt_row(f"roomtone ({frame * 1000:.0f} ms)", rt), flush=True)
            results.append({"impl": "roomtone", "frame": frame, "result": rt})
            if lk and rt:
                stops = [statistics.median(r["stop_ms"]) if r["stop_ms"] else 0 for r in (rt, lk)]
                print(
                    f"{'  roomtone/livekit':<22} {ratio(rt['cpu_wall'], lk['cpu_wall']):>8} "
                    f"{ratio(rt['cpu_audio'], lk['cpu_audio']):>9} {'':>7} "
                    f"{ratio(rt['kept'], lk['kept']):>9} {ratio(rt['rss'], lk['rss']):>7} "
                    f"{ratio(stops[0], stops[1]):>8}",
                    flush=True,
                )
    summary(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def summary(results: list[dict[str, Any]]) -> None:
    """Capacity: the largest N whose sessions all kept real time, per configuration."""
    capacity: dict[str, int] = {}
    for entry in results:
        label = f"{entry['impl']} ({entry['frame'] * 1000:.0f} ms)"
        r = entry["result"]
        capacity.setdefault(label, 0)
        if r and r["kept"] == r["n"]:
            capacity[label] = max(capacity[label], r["n"])
    print("\nlargest N with every session in real time:")
    base = capacity.get("livekit (100 ms)", 0)
    for label, n in capacity.items():
        times = f" ({n / base:.0f}x livekit)" if base and not label.startswith("livekit") else ""
        print(f"  {label:<20} {n}{times}")


if __name__ == "__main__":
    main()
