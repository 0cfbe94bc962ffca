"""``roomtone demo``: a short scripted conversation to demo.wav and demo.png, played if possible."""

from __future__ import annotations

import argparse
import os

from roomtone.cli.plot import can_plot, plot_render
from roomtone.cli.render import render_with_progress
from roomtone.cli.scenario import Scenario
from roomtone.outputs import write_wav
from roomtone.samples import FloatArray
from roomtone.timeline import parse_timeline

__all__ = ["add_arguments", "run"]

DEMO_TIMELINE = (
    "listening:3,thinking:0.3,listening:1.2,thinking:3,speaking:4,thinking:1.5,tool:3.5,"
    "speaking:3,listening:2"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out-dir", default=".", help="where demo.wav and demo.png go")
    parser.add_argument("--no-play", action="store_true", help="do not try the sound device")


def _play(audio: FloatArray, sample_rate: int) -> str:
    """Play on the default sound device if there is one; say what happened."""
    try:
        import sounddevice
    except ImportError:
        return "not played (install 'roomtone[device]' to hear it on a sound card)"
    except OSError:  # the package is there, the PortAudio library is not
        return (
            "not played: the sound-card library PortAudio is not installed "
            "(Debian/Ubuntu: apt-get install libportaudio2; macOS: brew install portaudio); "
            "demo.wav has the sound"
        )
    try:
        sounddevice.play(audio, sample_rate, blocking=True)
    except Exception as exc:  # no device, busy device, no audio server: all mean "cannot play"
        return f"not played: no usable sound device ({exc})"
    return "played on the default sound device"


def run(args: argparse.Namespace) -> int:
    scenario = Scenario(
        steps=parse_timeline(DEMO_TIMELINE),
        ambient="office_ambience",
        thinking="keyboard_typing",
        tool="keyboard_typing2",
        voice="synthetic",
        seed=7,
    )
    if os.path.exists(args.out_dir) and not os.path.isdir(args.out_dir):
        raise ValueError(f"--out-dir {args.out_dir!r} is a file; give a folder")
    os.makedirs(args.out_dir, exist_ok=True)
    wav = os.path.join(args.out_dir, "demo.wav")
    png = os.path.join(args.out_dir, "demo.png")
    print("roomtone demo: an agent call with office ambience, typing while it thinks,")
    print("a second typing sound while a tool runs, and the bed ducked while it speaks")
    print("(the agent's voice is a synthetic stand-in talker).")
    print(f"timeline: {DEMO_TIMELINE}")
    audio, took = render_with_progress(scenario)
    write_wav(wav, audio, scenario.sample_rate)
    seconds = len(audio) / scenario.sample_rate
    print(
        f"rendered {seconds:.1f} s of 48 kHz mono in {took:.2f} s ({seconds / took:.0f}x real time)"
    )
    print(f"wrote {os.path.abspath(wav)}")
    if can_plot():  # the picture is a bonus: the core install renders and plays without it
        plot_render(audio, scenario.sample_rate, scenario.bands, png, title="roomtone demo")
        print(f"wrote {os.path.abspath(png)}")
    else:
        print("no picture: install 'roomtone[plot]' (matplotlib) for demo.png")
    print(_play(audio, scenario.sample_rate) if not args.no_play else "not played (--no-play)")
    return 0
