"""The timeline's call-flow steps, parsed and rendered by ``roomtone render``."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from roomtone.cli.main import main
from roomtone.timeline import Step, parse_timeline
from signals import band_db, segment


def test_call_flow_steps_parse() -> None:
    steps = parse_timeline("user:1, tool=search_flights:3, hold:5, speaking:2, closing")
    assert steps == [
        Step("user", 1.0),
        Step("tool", 3.0, "search_flights"),
        Step("hold", 5.0),
        Step("speaking", 2.0),
        Step("closing", 0.0),
    ]
    assert parse_timeline("closing:1.5") == [Step("closing", 1.5)]
    assert parse_timeline("tool:2") == [Step("tool", 2.0)]
    assert parse_timeline("filler:0.8") == [Step("filler", 0.8)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hold=x:2", "only tool steps take a name"),
        ("tool=:2", "give the tool's name"),
        ("hold", "must look like state:seconds"),
        ("tool=lookup:soon", "not a number"),
        ("ringing:2", "not one of"),
    ],
)
def test_bad_call_flow_steps_are_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_timeline(text)


def test_render_plays_per_tool_sounds_hold_and_closing(
    tmp_path: Path, tone_file: Callable[..., str]
) -> None:
    rate = 16000
    out = tmp_path / "call.wav"
    code = main(
        [
            "render",
            "--ambient",
            tone_file(300, 4.0, rate),
            "--tool",
            tone_file(2000, 2.0, rate),
            "--tool-sound",
            f"search_flights={tone_file(3000, 2.0, rate)}",
            "--hold-sound",
            tone_file(500, 4.0, rate),
            "--closing",
            tone_file(1500, 0.5, rate),
            "--thinking-delay",
            "0",
            "--duck-db",
            "0",
            "--rate",
            str(rate),
            "--timeline",
            "tool=search_flights:2,tool=lookup:2,hold:2,listening:1,closing",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    with wave.open(str(out)) as f:
        assert f.getframerate() == rate
        audio = np.frombuffer(f.readframes(f.getnframes()), np.int16) / 32768.0

    def level(freq: float, start: float, end: float) -> float:
        return band_db(segment(audio, rate, start, end), rate, freq)

    assert level(3000, 0.8, 1.9) > -25 and level(2000, 0.8, 1.9) < -60
    assert level(2000, 2.8, 3.9) > -25 and level(3000, 2.8, 3.9) < -60
    assert level(500, 4.8, 5.9) > -25 and level(300, 4.8, 5.9) < -60
    assert level(1500, 7.05, 7.45) > -25
    assert len(audio) == pytest.approx(7.5 * rate, abs=0.1 * rate)  # ends with the closing
    assert np.all(np.isfinite(audio))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tool-sound", "search_flights"], "must look like NAME=SOUND"),
        (["--timeline", "speaking:1,closing"], "give its sound with --closing"),
    ],
)
def test_call_flow_usage_errors_are_one_line(
    tmp_path: Path,
    tone_file: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    base = {"--timeline": "listening:1", "--out": str(tmp_path / "x.wav")}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["render", *[item for pair in base.items() for item in pair]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_render_filler_silences_the_tool_and_infer_wait_fills_the_gap(
    tmp_path: Path, tone_file: Callable[..., str]
) -> None:
    rate = 16000
    out = tmp_path / "filler.wav"
    code = main(
        [
            "render",
            "--tool",
            tone_file(2000, 2.0, rate),
            "--thinking",
            tone_file(1000, 2.0, rate),
            "--infer-wait",
            "--thinking-delay",
            "0.3",
            "--duck-db",
            "0",
            "--rate",
            str(rate),
            "--timeline",
            "tool=search:1.5,filler:1,tool=search:1.5,user:1,listening:1.5,speaking:1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    with wave.open(str(out)) as f:
        audio = np.frombuffer(f.readframes(f.getnframes()), np.int16) / 32768.0

    def level(freq: float, start: float, end: float) -> float:
        return band_db(segment(audio, rate, start, end), rate, freq)

    assert level(2000, 0.6, 1.5) > -25
    assert level(2000, 1.9, 2.5) < -60  # under the filler
    assert level(2000, 2.7, 4.0) > -25  # the same call, back after it
    assert level(1000, 5.0, 5.25) < -60  # the inferred wait keeps its delay
    assert level(1000, 5.45, 6.5) > -25  # then the thinking sound fills it
