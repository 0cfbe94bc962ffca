"""The call's shape: an opening cue, hold and unhold, a closing cue after the last words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from call_script import RATE, Call

from roomtone import AudioConfig, CueOptions, PlayerStateError
from roomtone.outputs import write_wav
from signals import tone

BED, THINK, OPEN, SPEECH, CLOSE = 300.0, 2000.0, 1200.0, 700.0, 1500.0
STEPS = (400.0, 600.0, 800.0, 1000.0)  # the hold music: one tone per second
ON, OFF = -20.0, -80.0


def stepped_music(tmp_path: Path) -> str:
    """Hold music whose pitch tells the position: 400 Hz in its first second, 600 in its
    second... so where it resumes is measured, not assumed."""
    music = np.concatenate([tone(f, 1.0) for f in STEPS])
    path = tmp_path / "steps.wav"
    write_wav(path, music, RATE, "float32")
    return str(path)


def loudest(call: Call, start: float, end: float) -> float:
    return max(STEPS, key=lambda f: call.level(f, start, end))


@pytest.mark.parametrize("who", ["user", "agent"])
async def test_opening_cue_is_cut_with_a_fade_when_anyone_speaks(
    tone_file: Callable[..., str], who: str
) -> None:
    call = await Call.start(
        ambient_sound=tone_file(BED, 4.0),
        opening_sound=AudioConfig(tone_file(OPEN, 3.0), fade_out=0.2),
        ducking=False,
    )
    await call.wait(1.0)
    if who == "user":
        call.session.set_user_state("speaking")
    else:
        call.session.set_agent_state("speaking")
    await call.wait(1.5)
    await call.close()
    assert call.level(OPEN, 0.05, 0.95) > ON
    assert call.level(OPEN, 1.0 + 0.2 + 0.02, 2.5) < OFF
    assert call.level(BED, 0.05, 2.5) > ON  # the bed plays under and after it


async def test_opening_cue_plays_once(tone_file: Callable[..., str]) -> None:
    call = await Call.start(opening_sound=tone_file(OPEN, 0.5), ducking=False)
    await call.wait(2.0)
    await call.close()
    assert call.level(OPEN, 0.05, 0.45) > ON
    assert call.level(OPEN, 0.6, 2.0) < OFF


async def test_hold_resumes_where_it_stopped(tmp_path: Path, tone_file: Callable[..., str]) -> None:
    call = await Call.start(ambient_sound=tone_file(BED, 6.0), ducking=False)
    await call.wait(0.5)
    call.player.hold(AudioConfig(stepped_music(tmp_path)), fade=0.05)
    assert call.player.on_hold
    await call.wait(1.5)  # plays 400 Hz, then half of 600 Hz
    call.player.unhold(fade=0.05)
    assert not call.player.on_hold
    await call.wait(1.0)
    call.player.hold(fade=0.05)  # the same music by default: it carries on
    await call.wait(1.6)
    await call.player.aclose()

    second = 0.5 + 1.5 + 1.0
    assert loudest(call, 0.6, 1.45) == 400.0
    assert loudest(call, second + 0.1, second + 0.4) == 600.0  # not 400: no restart
    assert loudest(call, second + 0.6, second + 1.5) == 800.0
    assert call.level(BED, 0.6, 1.45) < OFF  # the bed pauses under the music
    assert call.level(BED, 2.1, 2.95) > ON  # and comes back in between
    assert call.level(float(np.mean(STEPS[:2])), 2.1, 2.95) < OFF


async def test_cues_pause_under_hold(tone_file: Callable[..., str], tmp_path: Path) -> None:
    call = await Call.start(
        thinking_sound=tone_file(THINK, 3.0), thinking=CueOptions(delay=0.0), ducking=False
    )
    call.session.set_agent_state("thinking")
    await call.wait(1.0)
    call.player.hold(AudioConfig(stepped_music(tmp_path)), fade=0.1)
    await call.wait(1.0)
    call.player.unhold(fade=0.1)
    await call.wait(1.0)
    await call.close()
    assert call.level(THINK, 0.2, 1.0) > ON
    assert call.level(THINK, 1.0 + 0.4, 2.0) < OFF
    assert call.level(THINK, 2.0 + 0.5, 3.0) > ON  # still thinking after the hold


async def test_hold_with_mute_input_reports_the_muted_input(
    tone_file: Callable[..., str],
) -> None:
    call = await Call.start(ducking=False)
    assert not call.player.input_muted
    call.player.hold(tone_file(OPEN, 1.0), mute_input=True)
    assert call.player.input_muted
    await call.wait(0.5)
    call.player.unhold()
    assert not call.player.input_muted
    await call.close()


async def test_closing_waits_for_the_speech_then_returns_once_heard(
    tone_file: Callable[..., str],
) -> None:
    call = await Call.start(ducking=False)
    call.session.set_agent_state("speaking")
    words = call.player.play(tone_file(SPEECH, 1.0))  # the goodbye, still being spoken
    finished_at: list[float] = []
    closing = asyncio.ensure_future(call.player.play_closing(tone_file(CLOSE, 0.5)))
    closing.add_done_callback(lambda _: finished_at.append(call.now))
    await call.wait(1.0)
    assert not closing.done()
    call.session.set_agent_state("listening")
    await call.wait(1.0)
    assert words.done() and closing.done()
    await closing
    audio = await call.close()

    loud = np.flatnonzero(np.abs(audio[:, 0]) > 1e-4)
    close_start = round(1.0 * RATE)
    assert call.level(CLOSE, 0.0, 1.0) < OFF  # never over the words
    assert call.level(CLOSE, 1.05, 1.45) > ON
    last_sample = loud[-1] / RATE
    assert last_sample < 1.0 + 0.5 + 0.03
    assert finished_at[0] >= last_sample  # returned only after the last sample was delivered
    assert finished_at[0] <= 1.5 + 0.1  # and without dawdling (a few 20 ms blocks)
    assert close_start / RATE <= loud[loud > close_start][0] / RATE < 1.0 + 0.03


async def test_closing_without_speech_starts_at_once(tone_file: Callable[..., str]) -> None:
    call = await Call.start(ducking=False)
    call.session.set_agent_state("listening")
    closing = asyncio.ensure_future(call.player.play_closing(tone_file(CLOSE, 0.3)))
    await call.wait(0.5)
    assert closing.done()
    await call.close()
    assert call.level(CLOSE, 0.02, 0.28) > ON


async def test_the_apps_pause_outlasts_a_hold(
    tone_file: Callable[..., str], tmp_path: Path
) -> None:
    """The bed resumes only when no reason to pause it is left (app, hold, gaps speech)."""
    call = await Call.start(ambient_sound=tone_file(BED, 8.0), ducking=False)
    await call.wait(0.5)
    call.player.pause_ambient(fade=0.05)
    call.player.hold(AudioConfig(stepped_music(tmp_path)), fade=0.05)
    await call.wait(1.0)
    call.player.unhold(fade=0.05)
    await call.wait(1.0)  # off hold, but the app's pause still holds
    call.player.resume_ambient(fade=0.05)
    await call.wait(1.0)
    await call.close()
    assert call.level(BED, 0.1, 0.5) > ON
    assert call.level(BED, 1.6, 2.5) < OFF
    assert call.level(BED, 2.6, 3.5) > ON


async def test_a_closing_cue_waiting_for_speech_fails_cleanly_when_the_player_closes(
    tone_file: Callable[..., str],
) -> None:
    call = await Call.start(ducking=False)
    call.session.set_agent_state("speaking")
    closing = asyncio.ensure_future(call.player.play_closing(tone_file(CLOSE, 0.5)))
    await call.wait(0.2)
    assert not closing.done()
    await call.player.aclose()
    with pytest.raises(PlayerStateError, match="closed while a cue waited"):
        await asyncio.wait_for(closing, 30)
