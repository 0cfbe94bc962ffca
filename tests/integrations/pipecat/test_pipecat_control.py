"""Mixer control: settings and enable frames obeyed, ramped and crossfaded, never clicking."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
from pipecat.frames.frames import MixerEnableFrame, MixerUpdateSettingsFrame
from pipecat_harness import Driver, mix_directly, run_pipeline, wait_frames
from pipecat_signals import BED2_HZ, BED_HZ, Tones, sine_max_jump, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import ALLOWED_KEYS, RoomtoneMixer, check_settings
from signals import max_jump

BED_DB = -20.0
BED_AMP = 0.1


def bed_mixer(tones: Tones, **kwargs: Any) -> RoomtoneMixer:
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    return RoomtoneMixer(player, **kwargs)


def no_click(audio: np.ndarray, freq: float, amp: float, rate: int) -> bool:
    """No step larger than the loudest sine in the mix makes on its own (plus 2 LSB)."""
    return max_jump(audio) <= sine_max_jump(freq, amp, rate) * 1.05 + 2 / 32768


async def test_volume_and_enable_frames_in_a_pipeline(tones: Tones) -> None:
    rate = 48000
    mixer = bed_mixer(tones, enable_fade=0.3)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.5)
        d.mark("volume")
        await d.queue(MixerUpdateSettingsFrame(settings={"volume": 0.5}))
        await wait_frames(d, 0.7)
        d.mark("off")
        await d.queue(MixerEnableFrame(enable=False))
        await wait_frames(d, 0.7)
        d.mark("on")
        await d.queue(MixerEnableFrame(enable=True))
        await wait_frames(d, 0.8)

    rec = await run_pipeline(mixer, script, rate=rate)
    before = tone_db(rec.at("volume", -0.4, 0.0), rate, BED_HZ)
    after = tone_db(rec.at("volume", 0.35, 0.7), rate, BED_HZ)
    assert before == pytest.approx(BED_DB, abs=0.3)
    assert after - before == pytest.approx(20 * np.log10(0.5), abs=0.3)
    silent = rec.at("off", 0.45, 0.7)
    assert np.max(np.abs(silent)) == 0.0  # faded all the way to digital silence
    assert no_click(rec.at("off", -0.1, 0.7), BED_HZ, BED_AMP / 2, rate)
    assert tone_db(rec.at("on", 0.45, 0.8), rate, BED_HZ) == pytest.approx(after, abs=0.3)
    assert no_click(rec.at("on", -0.1, 0.8), BED_HZ, BED_AMP / 2, rate)
    assert mixer.volume == 0.5 and mixer.enabled


async def test_fade_out_frames_end_the_call_without_a_cut(tones: Tones) -> None:
    rate = 48000
    mixer = bed_mixer(tones, enable_fade=0.2)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.4)
        d.mark("fade")
        await d.queue(*mixer.fade_out_frames())
        await wait_frames(d, 0.3)

    rec = await run_pipeline(mixer, script, rate=rate)
    tail = rec.audio[rec.marks["fade"] :]
    assert no_click(tail, BED_HZ, BED_AMP, rate)
    assert np.max(np.abs(rec.audio[-round(0.05 * rate) :])) == 0.0  # silent before the end


async def test_unknown_keys_are_named_and_the_rest_applied(
    tones: Tones, caplog: pytest.LogCaptureFixture
) -> None:
    rate = 8000
    mixer = bed_mixer(tones, realtime=False, volume_ramp=0.0)
    await mixer.start(rate)
    with caplog.at_level(logging.WARNING, logger="roomtone"):
        await mixer.process_frame(MixerUpdateSettingsFrame(settings={"volume": 0.5, "colume": 1}))
    out = await mix_directly(mixer, 0.5)
    await mixer.stop()
    message = caplog.text
    assert "'colume'" in message
    assert all(repr(key) in message for key in ALLOWED_KEYS)
    assert tone_db(out[800:], rate, BED_HZ) == pytest.approx(BED_DB - 6.02, abs=0.3)


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"volumen": 1.0}, "unknown mixer setting 'volumen'"),
        ({"volume": "loud"}, "'volume' must be a number"),
        ({"volume": 9.0}, "'volume' must be between 0 and 4"),
        ({"loop": "yes"}, "'loop' must be True or False"),
        ({"sound": "no_such_name"}, "'no_such_name' is not a name from sounds="),
        ({"sound": "/no/such/file.wav"}, "no such file"),
        ({"crossfade": -1}, "'crossfade' must be between 0 and 60"),
    ],
)
def test_check_settings_explains_each_problem(settings: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match="setting") as info:
        check_settings(settings)
    assert fragment in str(info.value)


async def test_sound_setting_crossfades_to_a_named_bed(tones: Tones) -> None:
    rate = 16000
    second = AudioConfig(tones.bed2, volume=0.5)
    mixer = bed_mixer(tones, realtime=False, sounds={"second": second})
    await mixer.start(rate)
    before = await mix_directly(mixer, 0.4)
    await mixer.process_frame(
        MixerUpdateSettingsFrame(settings={"sound": "second", "crossfade": 0.5})
    )
    after = await mix_directly(mixer, 1.2)
    await mixer.stop()
    assert tone_db(before, rate, BED_HZ) == pytest.approx(BED_DB, abs=0.3)
    settled = after[round(0.7 * rate) :]
    assert tone_db(settled, rate, BED2_HZ) == pytest.approx(BED_DB, abs=0.3)
    assert tone_db(settled, rate, BED_HZ) < BED_DB - 60
    assert no_click(after, BED2_HZ, BED_AMP * 1.5, rate)


async def test_a_missing_sound_keeps_the_current_bed(
    tones: Tones, caplog: pytest.LogCaptureFixture
) -> None:
    rate = 8000
    mixer = bed_mixer(tones, realtime=False)
    await mixer.start(rate)
    with caplog.at_level(logging.WARNING, logger="roomtone"):
        mixer.update_settings({"sound": "/no/such/bed.wav"})
    out = await mix_directly(mixer, 0.5)
    await mixer.stop()
    assert "no such file" in caplog.text
    assert tone_db(out, rate, BED_HZ) == pytest.approx(BED_DB, abs=0.3)


async def test_loop_false_lets_the_bed_run_out_and_true_restarts_it(tones: Tones) -> None:
    rate = 8000
    mixer = bed_mixer(tones, realtime=False, crossfade=0.1)
    await mixer.start(rate)
    mixer.update_settings({"loop": False})
    once = await mix_directly(mixer, 2.6)  # the file is 2 s long
    assert tone_db(once[round(0.2 * rate) : round(1.8 * rate)], rate, BED_HZ) > BED_DB - 0.5
    assert np.max(np.abs(once[round(2.1 * rate) :])) == 0.0
    await mix_directly(mixer, 0.1)  # the player settles the finished bed's handle
    mixer.update_settings({"loop": True})
    again = await mix_directly(mixer, 3.0)
    await mixer.stop()
    assert tone_db(again[round(0.3 * rate) :], rate, BED_HZ) == pytest.approx(BED_DB, abs=0.3)


async def test_settings_sent_before_start_apply_once_started(tones: Tones) -> None:
    rate = 8000
    mixer = bed_mixer(tones, realtime=False, volume_ramp=0.0)
    await mixer.process_frame(MixerUpdateSettingsFrame(settings={"volume": 0.25}))
    await mixer.start(rate)
    out = await mix_directly(mixer, 0.5)
    await mixer.stop()
    assert tone_db(out[800:], rate, BED_HZ) == pytest.approx(BED_DB - 12.04, abs=0.3)
