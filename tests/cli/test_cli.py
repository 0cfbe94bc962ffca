"""The command line: render writes what it says, errors are one line with the right exit code."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from roomtone.cli.main import main


def test_render_writes_wav_and_plot(
    tmp_path: Path, tone_file: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    out, png = tmp_path / "r.wav", tmp_path / "r.png"
    code = main(
        [
            "render",
            "--ambient",
            tone_file(300, 3.0),
            "--thinking",
            tone_file(2000, 1.0),
            "--timeline",
            "listening:1,thinking:1.5,speaking:1",
            "--out",
            str(out),
            "--rate",
            "16000",
            "--channels",
            "2",
            "--plot",
            str(png),
            "--duck-db",
            "12",
            "--thinking-delay",
            "0.2",
        ]
    )
    assert code == 0
    with wave.open(str(out)) as f:
        assert (f.getframerate(), f.getnchannels(), f.getnframes()) == (16000, 2, 16000 * 7 // 2)
    assert png.stat().st_size > 10_000
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--ambient", "no_such_sound"], 2, "neither a built-in"),
        (["--timeline", "thinking:abc"], 2, "not a number"),
        (["--timeline", "dancing:2"], 2, "not one of"),
        (["--rate", "12345"], 2, "sample_rate"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path,
    tone_file: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    base = {
        "--ambient": tone_file(300),
        "--timeline": "listening:1",
        "--out": str(tmp_path / "x.wav"),
    }
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    argv = ["render"] + [item for pair in base.items() for item in pair]
    assert main(argv) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_corrupt_file_is_a_failure_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    code = main(
        [
            "render",
            "--ambient",
            str(bad),
            "--timeline",
            "listening:1",
            "--out",
            str(tmp_path / "x.wav"),
        ]
    )
    assert code == 1
    assert "bad.wav" in capsys.readouterr().err
