"""Render the pictures of docs/call-flow.md with ``roomtone render`` (one per behaviour).

python docs/call_flow_figures.py

The two cues that are not built-ins (a chime and a soft "scanning" pulse) are synthesised here
first, into a temporary folder; every picture is then the CLI's own ``--plot``.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import numpy as np

from roomtone.cli.main import main
from roomtone.outputs import write_wav

RATE = 48000
IMAGES = Path(__file__).parent / "images"


def _chime(path: Path, rings: int) -> str:
    """A soft two-note chime (E6, then B5), ``rings`` times a second apart."""
    t = np.arange(RATE) / RATE
    note = np.zeros(RATE)
    for start, freq in ((0.0, 1318.5), (0.18, 987.8)):
        tail = t[: RATE - int(start * RATE)]
        ring = np.sin(2 * np.pi * freq * tail) + 0.3 * np.sin(2 * np.pi * 2 * freq * tail)
        note[int(start * RATE) :] += ring * np.exp(-tail * 5.0) * (1 - np.exp(-tail * 400))
    audio = np.tile(note, rings) * 0.12
    write_wav(path, audio.astype(np.float32)[:, None], RATE, "float32")
    return str(path)


def _pulse(path: Path) -> str:
    """A soft 660 Hz pulse, four a second: a "scanning" sound for one tool."""
    t = np.arange(RATE) / RATE
    gate = (np.sin(2 * np.pi * 4 * t) > 0.3).astype(float)
    smooth = np.convolve(gate, np.hanning(480) / np.hanning(480).sum(), mode="same")
    audio = 0.08 * np.sin(2 * np.pi * 660 * t) * smooth
    write_wav(path, audio.astype(np.float32)[:, None], RATE, "float32")
    return str(path)


def figures(chime: str, chimes: str, pulse: str) -> dict[str, str]:
    """Picture name -> the ``roomtone render`` arguments that make it."""
    bed = "--ambient office_ambience --voice synthetic --seed 3"
    return {
        "filler": f"{bed} --tool keyboard_typing --timeline "
        "listening:1,tool=search_flights:2.5,filler:1.5,tool=search_flights:2.5,speaking:2.5",
        "per-tool": f"{bed} --tool keyboard_typing --tool-sound search_flights={pulse} "
        "--timeline listening:1,tool=search_flights:3,tool=lookup_order:3,"
        "tool=transfer_call:2.5,speaking:2",
        "give-up": f"{bed} --tool keyboard_typing --max-play 4 --give-up hold_music "
        "--timeline listening:1,tool=slow_lookup:10,speaking:2",
        "opening": f"{bed} --opening {chimes} --timeline "
        "listening:1.5,user:2,thinking:1,speaking:2.5",
        "hold": f"{bed} --hold-sound hold_music --timeline "
        "speaking:2,hold:5,speaking:2,hold:4,speaking:1.5",
        "closing": f"{bed} --closing {chime} --timeline listening:1,speaking:3,closing:1",
        "infer-wait": f"{bed} --thinking keyboard_typing --infer-wait --timeline "
        "user:2,listening:0.3,user:1,listening:2.5,speaking:2.5",
        "gaps": "--ambient room_tone --ambient-volume-db 6 --ambient-mode gaps --voice synthetic "
        "--timeline listening:2,speaking:3,listening:2,speaking:2,listening:1",
    }


def run() -> None:
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        chime = _chime(work / "chime.wav", 1)
        chimes = _chime(work / "chimes.wav", 4)
        pulse = _pulse(work / "pulse.wav")
        for name, args in figures(chime, chimes, pulse).items():
            png = IMAGES / f"call-flow-{name}.png"
            argv = ["render", *shlex.split(args), "--out", str(work / f"{name}.wav")]
            if main([*argv, "--plot", str(png)]) != 0:
                raise SystemExit(f"rendering {name} failed")


if __name__ == "__main__":
    run()
