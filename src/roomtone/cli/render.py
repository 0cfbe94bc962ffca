"""``roomtone render``: a scripted conversation to a WAV file (and a picture)."""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from roomtone import CueOptions, Ducking
from roomtone.cli.plot import require_plotting
from roomtone.cli.scenario import Scenario, render_scenario
from roomtone.format import AudioFormat
from roomtone.outputs import write_wav
from roomtone.samples import FloatArray
from roomtone.timeline import parse_timeline

__all__ = ["add_arguments", "check_writable", "render_with_progress", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ambient", help="built-in name (e.g. office_ambience) or a file")
    parser.add_argument("--thinking", help="sound while the agent thinks")
    parser.add_argument("--tool", help="sound while a tool runs (timeline state 'tool')")
    parser.add_argument(
        "--tool-sound",
        action="append",
        default=[],
        metavar="NAME=SOUND",
        help="the sound of one tool, for tool=NAME steps (repeatable); --tool is the rest's",
    )
    parser.add_argument("--hold-sound", help="music for hold steps (default: hold_music)")
    parser.add_argument("--opening", help="a cue at the start, cut when anyone speaks")
    parser.add_argument("--closing", help="the cue of the closing step, after the speech")
    parser.add_argument("--give-up", help="what a cue hands over to after --max-play seconds")
    parser.add_argument("--max-play", type=float, help="seconds before a cue gives up")
    parser.add_argument(
        "--ambient-mode",
        choices=("duck", "gaps"),
        default="duck",
        help="duck the bed under speech, or fade it out (gaps: comfort noise between words)",
    )
    parser.add_argument("--ambient-volume-db", type=float, help="the bed's level in dB")
    parser.add_argument(
        "--infer-wait",
        action="store_true",
        help="thinking sound from the user's end of turn to the answer (realtime models)",
    )
    parser.add_argument(
        "--timeline",
        required=True,
        help='states and seconds, e.g. "listening:2,thinking:3,speaking:4" (states: '
        "idle, listening, thinking, tool, speaking; the call: user:2 (the caller speaks), "
        "tool=search_flights:3, filler:1, hold:5, closing)",
    )
    parser.add_argument("--out", required=True, help="WAV file to write")
    parser.add_argument("--rate", type=int, default=48000, help="sample rate (default 48000)")
    parser.add_argument("--channels", type=int, default=1, choices=(1, 2))
    parser.add_argument("--seed", type=int, default=0, help="seed for random draws")
    parser.add_argument("--plot", help="also write a PNG: level, spectrogram, state bands")
    parser.add_argument(
        "--voice",
        help="speech file placed in the speaking segments ('synthetic' for a generated talker)",
    )
    parser.add_argument(
        "--duck-db", type=float, default=8.0, help="bed ducking under speech in dB (0 = off)"
    )
    parser.add_argument(
        "--thinking-delay",
        type=float,
        default=0.5,
        help="seconds of thinking before the thinking sound starts",
    )


def _progress(total: float) -> AbstractContextManager[Any]:
    """A tqdm bar that appears only if the render takes more than a second."""
    try:
        from tqdm import tqdm
    except ImportError:
        return nullcontext(None)
    bar: AbstractContextManager[Any] = tqdm(
        total=round(total, 2), unit="s", delay=1.0, leave=False, desc="rendering"
    )
    return bar


def render_with_progress(scenario: Scenario) -> tuple[FloatArray, float]:
    """Render, with a progress bar for long renders; returns (audio, seconds it took)."""
    started = time.perf_counter()
    with _progress(scenario.duration) as bar:
        update: Callable[[float], None] | None = None
        if bar is not None:

            def update(seconds: float) -> None:
                bar.update(round(seconds, 2))

        audio = asyncio.run(render_scenario(scenario, update))
    return audio, time.perf_counter() - started


def _tool_sounds(pairs: list[str]) -> dict[str, str]:
    sounds: dict[str, str] = {}
    for pair in pairs:
        name, sep, sound = pair.partition("=")
        if not sep or not name.strip() or not sound.strip():
            raise ValueError(f"--tool-sound {pair!r} must look like NAME=SOUND")
        sounds[name.strip()] = sound.strip()
    return sounds


def check_writable(flag: str, path: str | None) -> None:
    """Fail before rendering if ``path`` cannot be written, naming the flag the user typed."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError(f"{flag} {path!r} is a folder; give a file name")
    if not os.path.isdir(folder):
        raise ValueError(f"{flag} {path!r}: the folder {folder!r} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{flag} {path!r}: the folder {folder!r} is not writable")


_FLAGS = {
    "Ducking.amount_db": "--duck-db",
    "CueOptions.delay": "--thinking-delay",
    "sample_rate": "--rate",
    "CueOptions.max_play": "--max-play",
}


def _in_flag_terms(exc: ValueError) -> ValueError:
    """The same error, naming the command-line flag the user typed (not only the API field)."""
    message = str(exc)
    for field_name, flag in _FLAGS.items():
        if message.startswith(field_name):
            return ValueError(f"{flag}: {message}")
    return exc


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    check_writable("--out", args.out)
    check_writable("--plot", args.plot)
    if args.plot:
        require_plotting("--plot")
    try:
        Ducking(amount_db=args.duck_db)
        CueOptions(delay=args.thinking_delay, max_play=args.max_play)
        AudioFormat(args.rate, args.channels)
    except ValueError as exc:
        raise _in_flag_terms(exc) from None
    steps = parse_timeline(args.timeline)
    if any(step.state == "closing" for step in steps) and not args.closing:
        raise ValueError("the timeline has a closing step; give its sound with --closing")
    return Scenario(
        steps=steps,
        ambient=args.ambient,
        thinking=args.thinking,
        tool=args.tool,
        voice=args.voice,
        sample_rate=args.rate,
        num_channels=args.channels,
        seed=args.seed,
        duck_db=args.duck_db or None,
        thinking_delay=args.thinking_delay,
        ambient_volume_db=args.ambient_volume_db,
        ambient_mode=args.ambient_mode,
        tool_sounds=_tool_sounds(args.tool_sound),
        hold_sound=args.hold_sound,
        opening=args.opening,
        closing=args.closing,
        max_play=args.max_play,
        give_up=args.give_up,
        infer_wait=args.infer_wait,
    )


def run(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args)
    audio, took = render_with_progress(scenario)
    write_wav(args.out, audio, scenario.sample_rate)
    print(
        f"wrote {args.out}: {len(audio) / scenario.sample_rate:.2f} s, {scenario.sample_rate} Hz, "
        f"{scenario.num_channels} ch (rendered in {took:.2f} s)"
    )
    if args.plot:
        from roomtone.cli.plot import plot_render

        plot_render(audio, scenario.sample_rate, scenario.bands, args.plot, title=args.timeline)
        print(f"wrote {args.plot}")
    return 0
