"""Smaller asks: volume in dB, built-in names as strings, a gaps-only bed, an inferred wait."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from call_script import RATE, Call

from roomtone import (
    AudioConfig,
    AudioFileNotFoundError,
    BackgroundAudioPlayer,
    BuiltinAudioClip,
    CueOptions,
    OfflineRenderer,
)
from signals import band_db, rms_db, segment

BED, THINK = 300.0, 2000.0
ON, OFF = -20.0, -80.0


async def _level_of(config: AudioConfig) -> float:
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(ambient_sound=config, ducking=False)
    await player.start(room=r)
    await r.advance(1.0)
    await player.aclose()
    return band_db(segment(r.audio(), RATE, 0.2, 1.0), RATE, BED)


@pytest.mark.parametrize("db", [-12.0, -3.5, 0.0, 6.0])
async def test_volume_db_matches_volume_to_a_hundredth_of_a_db(
    tone_file: Callable[..., str], db: float
) -> None:
    path = tone_file(BED, 2.0, amp=0.1)
    by_db = await _level_of(AudioConfig(path, volume_db=db))
    by_gain = await _level_of(AudioConfig(path, volume=10 ** (db / 20)))
    unity = await _level_of(AudioConfig(path))
    assert by_db == pytest.approx(by_gain, abs=0.01)
    assert by_db - unity == pytest.approx(db, abs=0.01)


def test_volume_db_is_the_volume_in_decibels() -> None:
    config = AudioConfig("x.wav", volume_db=-6.0)
    assert config.volume == pytest.approx(10 ** (-6 / 20))
    assert config.volume_db == -6.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"volume": 0.5, "volume_db": -6.0}, "volume or volume_db, not both"),
        ({"volume_db": 20.0}, "volume_db must be between"),
        ({"volume_db": math.nan}, "volume_db must be between"),
        ({"volume_db": "loud"}, "volume_db must be a number"),
    ],
)
def test_bad_volume_db_is_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        AudioConfig("x.wav", **kwargs)  # type: ignore[arg-type]


def test_builtin_names_as_strings_resolve_when_no_such_file_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert AudioConfig("office_ambience").source is BuiltinAudioClip.OFFICE_AMBIENCE
    assert AudioConfig("Hold-Music").source is BuiltinAudioClip.HOLD_MUSIC
    player = BackgroundAudioPlayer(ambient_sound="city_ambience")
    assert player.ambient_sound == AudioConfig(BuiltinAudioClip.CITY_AMBIENCE)


def test_an_existing_path_wins_over_a_builtin_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tone_file: Callable[..., str]
) -> None:
    monkeypatch.chdir(tmp_path)
    os.rename(tone_file(BED, 1.0), tmp_path / "office_ambience")
    assert AudioConfig("office_ambience").source == "office_ambience"


async def test_a_missing_file_error_lists_the_builtin_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    player = BackgroundAudioPlayer(ambient_sound="ofice_ambience.ogg")
    with pytest.raises(AudioFileNotFoundError) as caught:
        await player.start(room=OfflineRenderer(RATE, 1))
    text = str(caught.value)
    assert "ofice_ambience.ogg" in text
    for clip in BuiltinAudioClip:
        assert clip.value in text


async def test_gaps_bed_fades_out_under_speech_instead_of_ducking(
    tone_file: Callable[..., str],
) -> None:
    call = await Call.start(ambient_sound=tone_file(BED, 8.0), ambient_mode="gaps")
    await call.wait(1.0)
    call.session.set_agent_state("speaking")
    await call.wait(2.0)
    call.session.set_agent_state("listening")
    await call.wait(2.0)
    await call.close()
    assert call.level(BED, 0.2, 1.0) > ON
    assert call.level(BED, 1.0 + 0.3, 3.0) < OFF  # gone, not 8 dB down
    assert call.level(BED, 3.0 + 0.8, 5.0) == pytest.approx(call.level(BED, 0.2, 1.0), abs=0.3)


def test_ambient_mode_is_validated() -> None:
    with pytest.raises(ValueError, match="ambient_mode must be one of"):
        BackgroundAudioPlayer(ambient_mode="mute")  # type: ignore[arg-type]


async def test_inferred_wait_obeys_the_delay(tone_file: Callable[..., str]) -> None:
    """A realtime model goes listening -> speaking: the wait runs from the user's end of
    turn to the agent's first audio, with the thinking cue's delay and fades."""
    call = await Call.start(
        thinking_sound=tone_file(THINK, 3.0),
        thinking=CueOptions(delay=0.5, fade_in=0.05, fade_out=0.1, min_play=0.0),
        infer_wait=True,
        ducking=False,
    )
    call.session.set_agent_state("listening")
    call.session.set_user_state("speaking")
    await call.wait(1.0)
    call.session.set_user_state("listening")  # end of turn; the model says nothing yet
    await call.wait(0.3)
    call.session.set_user_state("speaking")  # a short pause, the user goes on
    await call.wait(0.5)
    call.session.set_user_state("listening")
    await call.wait(2.0)
    call.session.set_agent_state("speaking")  # the first audio
    await call.wait(1.0)
    await call.close()
    assert call.level(THINK, 0.0, 1.8) < OFF  # a 0.3 s wait: shorter than the delay
    assert call.level(THINK, 1.8, 1.8 + 0.48) < OFF
    assert call.level(THINK, 1.8 + 0.6, 3.8) > ON
    assert call.level(THINK, 3.8 + 0.1 + 0.02, 4.8) < OFF


async def test_no_inferred_wait_unless_asked(tone_file: Callable[..., str]) -> None:
    call = await Call.start(
        thinking_sound=tone_file(THINK, 3.0), thinking=CueOptions(delay=0.0), ducking=False
    )
    call.session.set_agent_state("listening")
    call.session.set_user_state("speaking")
    await call.wait(1.0)
    call.session.set_user_state("listening")
    await call.wait(1.5)
    audio = await call.close()
    assert rms_db(segment(audio, RATE, 1.0, 2.5)) < -100
