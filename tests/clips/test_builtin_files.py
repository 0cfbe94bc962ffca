"""The committed Ogg Opus clips: names, formats, durations, loudness targets, peaks, size."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from roomtone.analysis.loudness import integrated_loudness, true_peak_dbfs
from roomtone.cli.clips_command import add_arguments, run
from roomtone.clips import data_dir
from roomtone.clips.catalog import CLIPS, clip_names, clip_path, get_spec
from roomtone.clips.measure import describe_clips
from roomtone.clips.pictures import plot_spectrograms
from roomtone.config import BuiltinAudioClip

EXPECTED = {
    "office_ambience",
    "keyboard_typing",
    "keyboard_typing2",
    "city_ambience",
    "forest_ambience",
    "crowded_room",
    "hold_music",
    "call_center",
    "coffee_shop",
    "room_tone",
}
NAMES = sorted(EXPECTED)
TYPING = ("keyboard_typing", "keyboard_typing2")


def test_catalog_and_files_match_the_ten_sounds() -> None:
    assert set(clip_names()) == EXPECTED
    on_disk = {p.stem for p in data_dir().glob("*.ogg")}
    assert on_disk == EXPECTED
    with pytest.raises(KeyError):
        get_spec("no_such_clip")


def test_catalog_recipes_are_the_public_builtin_clips() -> None:
    # The recipes and the public enum list the same ten sounds, in the same order, and an
    # enum member plays exactly the file its recipe writes.
    assert [member.value for member in BuiltinAudioClip] == clip_names()
    for member in BuiltinAudioClip:
        assert Path(member.path()) == clip_path(member.value)
        assert Path(member.path()).is_file()


def test_whole_set_fits_in_8_mb() -> None:
    total = sum(p.stat().st_size for p in data_dir().glob("*.ogg"))
    assert total <= 8 * 1024 * 1024


@pytest.mark.parametrize("name", NAMES)
def test_duration_and_channels(name: str, decoded: Callable[[str], np.ndarray]) -> None:
    spec = get_spec(name)
    audio = decoded(name)
    # Opus files decode to exactly the synthesised length (pre-skip and end trim).
    assert audio.shape == (round(spec.duration_s * 48000), spec.channels)
    if name in TYPING:
        assert spec.channels == 1
        assert (
            (9.0 <= spec.duration_s <= 11.0)
            if name == "keyboard_typing"
            else (3.0 <= spec.duration_s <= 4.0)
        )
    else:
        assert spec.duration_s >= 30.0


@pytest.mark.parametrize("name", NAMES)
def test_loudness_target_and_true_peak(name: str, decoded: Callable[[str], np.ndarray]) -> None:
    audio = decoded(name)
    assert integrated_loudness(audio, 48000) == pytest.approx(get_spec(name).target_lufs, abs=0.5)
    assert true_peak_dbfs(audio, 48000) < -1.0


def test_targets_sit_under_agent_speech() -> None:
    for spec in CLIPS:
        assert spec.target_lufs <= -26.0  # speech is ~-16 to -23 LUFS


def test_describe_clips_and_spectrograms(tmp_path: Path) -> None:
    infos = describe_clips(names=TYPING)
    assert [i.name for i in infos] == list(TYPING)
    assert all(abs(i.integrated_lufs - i.target_lufs) < 0.5 and i.channels == 1 for i in infos)
    pngs = plot_spectrograms(tmp_path, names=TYPING)
    assert [p.name for p in pngs] == [f"{n}.png" for n in TYPING]
    assert all(0 < p.stat().st_size < 40_000 for p in pngs)


def test_cli_table(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from roomtone.clips import measure

    real = measure.describe_clips
    monkeypatch.setattr(measure, "describe_clips", lambda: real(names=TYPING))
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([])
    assert args.plot is None
    assert run(args) == 0
    out = capsys.readouterr().out
    assert "keyboard_typing2" in out and "LUFS" in out
