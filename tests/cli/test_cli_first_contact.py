"""First contact: each mistake a new user makes gets its own one-line message, before any work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from roomtone.cli import demo
from roomtone.cli.main import main


def render(tmp_path: Path, ambient: str, *extra: str) -> int:
    argv = ["render", "--ambient", ambient, "--timeline", "listening:0.5"]
    if "--out" not in extra:
        argv += ["--out", str(tmp_path / "x.wav")]
    return main([*argv, *extra])


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_an_empty_file_is_called_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "bed.wav"
    empty.write_bytes(b"")
    assert render(tmp_path, str(empty)) == 1
    assert "empty (0 bytes)" in error_line(capsys)


def test_a_missing_file_and_an_unknown_built_in_are_told_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert render(tmp_path, str(tmp_path / "sounds" / "bed.wav")) == 2
    missing = error_line(capsys)
    assert "no such file" in missing and "bed.wav" in missing
    assert render(tmp_path, "office_ambiance") == 2
    unknown = error_line(capsys)
    assert "built-in" in unknown and "office_ambience" in unknown  # lists the real names


@pytest.mark.parametrize("flag", ["--out", "--plot"])
def test_an_output_into_a_missing_folder_fails_before_writing_anything(
    tmp_path: Path, tone_file: Callable[..., str], capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    out = tmp_path / "x.wav"
    target = str(tmp_path / "nowhere" / "file")
    extra = ["--out", target] if flag == "--out" else ["--out", str(out), "--plot", target]
    assert render(tmp_path, tone_file(300), *extra) == 2
    line = error_line(capsys)
    assert flag in line and "does not exist" in line
    assert not out.exists()


def test_clips_plot_into_a_file_fails_before_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "f.png"
    a_file.write_bytes(b"x")
    assert main(["clips", "--plot", str(a_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--plot" in captured.err and "is a file" in captured.err


@pytest.mark.parametrize(
    ("flag", "value"), [("--duck-db", "99"), ("--thinking-delay", "-1"), ("--rate", "12345")]
)
def test_bad_values_name_the_flag_the_user_typed(
    tmp_path: Path,
    tone_file: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
    flag: str,
    value: str,
) -> None:
    assert render(tmp_path, tone_file(300), flag, value) == 2
    line = error_line(capsys)
    assert line.split("error: ", 1)[1].startswith(flag), line


def test_a_voice_file_that_does_not_decode_fails_the_render(
    tmp_path: Path, tone_file: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "fake.mp3"
    fake.write_text("this is not audio")
    code = main(
        [
            "render",
            "--ambient",
            tone_file(300),
            "--timeline",
            "listening:0.3,speaking:0.5",
            "--voice",
            str(fake),
            "--out",
            str(tmp_path / "x.wav"),
        ]
    )
    assert code == 1
    assert "fake.mp3" in error_line(capsys)


def test_the_demo_works_without_the_plot_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo, "can_plot", lambda: False)
    assert main(["demo", "--no-play", "--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "demo.wav").stat().st_size > 100_000
    assert not (tmp_path / "demo.png").exists()
    assert "roomtone[plot]" in capsys.readouterr().out


def test_a_thinking_sound_that_does_not_decode_fails_the_render(
    tmp_path: Path, tone_file: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "fake.mp3"
    fake.write_text("this is not audio")
    argv = ["--thinking", str(fake), "--out", str(tmp_path / "x.wav")]
    assert render(tmp_path, tone_file(300), *argv) == 1
    assert "fake.mp3" in error_line(capsys)
