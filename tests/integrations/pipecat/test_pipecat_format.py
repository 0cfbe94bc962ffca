"""The transport's format: channels learned from its chunks, a second start() at another rate.

Pipecat tells a mixer its rate but never its channel count. A wrong count used to play the bed
an octave off (and pace a stereo call at half speed) without a word; now the mixer learns the
count, or refuses loudly and lets the bot's audio through untouched.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
from pipecat_harness import SPEECH_HZ, Driver, run_pipeline, wait_frames
from pipecat_signals import BED_HZ, Tones, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RoomtoneMixer

BED_DB = -20.0
SPEECH_DB = 20 * np.log10(0.3)


def bed_mixer(tones: Tones, **kwargs: Any) -> RoomtoneMixer:
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    return RoomtoneMixer(player, **kwargs)


async def bed_then_speech(d: Driver) -> None:
    await wait_frames(d, 0.4)
    d.mark("bed")
    await wait_frames(d, 0.6)
    d.mark("speak")
    await d.say(0.8)
    await wait_frames(d, 1.0)


async def test_a_stereo_transport_is_learned_from_its_chunks(tones: Tones) -> None:
    """Default mixer, stereo transport: the bed at its own pitch in both channels."""
    rate = 16000
    mixer = bed_mixer(tones)
    rec = await run_pipeline(mixer, bed_then_speech, rate=rate, channels=2)
    for channel in (0, 1):
        bed = rec.at("bed", 0.0, 0.5)[:, channel]
        assert tone_db(bed, rate, BED_HZ) == pytest.approx(BED_DB, abs=0.5)
        assert tone_db(bed, rate, 2 * BED_HZ) < BED_DB - 50  # not an octave up
        words = rec.at("speak", 0.2, 0.6)[:, channel]
        assert tone_db(words, rate, SPEECH_HZ) == pytest.approx(SPEECH_DB, abs=0.5)
    assert mixer.num_channels == 2 and mixer.start_error is None


async def test_a_mono_transport_is_learned_from_its_chunks(tones: Tones) -> None:
    rate = 8000
    mixer = bed_mixer(tones)
    rec = await run_pipeline(mixer, bed_then_speech, rate=rate)
    assert mixer.num_channels == 1
    bed = rec.at("bed", 0.0, 0.5)
    assert tone_db(bed, rate, BED_HZ) == pytest.approx(BED_DB, abs=0.5)
    assert tone_db(bed, rate, BED_HZ / 2) < BED_DB - 50  # not an octave down


@pytest.mark.parametrize(("channels", "claimed"), [(1, 2), (2, 1)])
async def test_a_contradicting_num_channels_is_refused_loudly(
    tones: Tones, caplog: pytest.LogCaptureFixture, channels: int, claimed: int
) -> None:
    """num_channels that the transport contradicts: an error naming the fix, speech untouched."""
    rate = 16000
    mixer = bed_mixer(tones, num_channels=claimed)
    with caplog.at_level(logging.ERROR, logger="roomtone"):
        rec = await run_pipeline(mixer, bed_then_speech, rate=rate, channels=channels)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(f"num_channels={claimed}" in m and "audio_out_channels" in m for m in errors)
    assert isinstance(mixer.start_error, ValueError)
    assert not mixer.running
    for freq in (BED_HZ, BED_HZ / 2, BED_HZ * 2):  # no bed at any pitch
        assert tone_db(rec.at("bed", 0.0, 0.5), rate, freq) < -90
    words = rec.at("speak", 0.2, 0.6)
    assert tone_db(words, rate, SPEECH_HZ) == pytest.approx(SPEECH_DB, abs=0.5)


async def test_an_unreadable_chunking_is_refused_loudly(
    tones: Tones, caplog: pytest.LogCaptureFixture
) -> None:
    """60 ms mono or 30 ms stereo? Without num_channels the mixer says so rather than guess."""
    rate = 8000
    mixer = bed_mixer(tones)
    with caplog.at_level(logging.ERROR, logger="roomtone"):
        rec = await run_pipeline(mixer, bed_then_speech, rate=rate, chunks_10ms=6)
    assert "cannot tell the transport's channel count" in caplog.text
    assert "audio_out_10ms_chunks" in caplog.text
    assert tone_db(rec.at("bed", 0.0, 0.5), rate, BED_HZ) < -90
    # Told the chunking, the same transport is read correctly.
    mixer = bed_mixer(tones, audio_out_10ms_chunks=6)
    rec = await run_pipeline(mixer, bed_then_speech, rate=rate, chunks_10ms=6)
    assert mixer.num_channels == 1
    assert tone_db(rec.at("bed", 0.0, 0.5), rate, BED_HZ) == pytest.approx(BED_DB, abs=0.5)


async def test_the_transport_start_wins_over_one_made_by_hand(
    tones: Tones, caplog: pytest.LogCaptureFixture
) -> None:
    """Started by hand at 16 kHz, then by an 8 kHz transport: the bed plays at its pitch."""
    mixer = bed_mixer(tones)
    await mixer.start(16000)
    with caplog.at_level(logging.INFO, logger="roomtone"):
        rec = await run_pipeline(mixer, bed_then_speech, rate=8000)
    assert mixer.sample_rate == 8000
    assert "8000 Hz" in caplog.text and "16000 Hz" in caplog.text
    bed = rec.at("bed", 0.0, 0.5)
    assert tone_db(bed, 8000, BED_HZ) == pytest.approx(BED_DB, abs=0.5)
    assert tone_db(bed, 8000, BED_HZ / 2) < BED_DB - 50


async def test_another_rate_after_the_player_runs_is_refused_loudly(
    tones: Tones, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the player runs at 16 kHz it cannot play an 8 kHz call at the right pitch: refuse."""
    mixer = bed_mixer(tones, num_channels=1)
    await mixer.start(16000)
    assert mixer.running
    with caplog.at_level(logging.ERROR, logger="roomtone"):
        rec = await run_pipeline(mixer, bed_then_speech, rate=8000)
    assert "start(8000)" in caplog.text and "16000 Hz" in caplog.text
    assert isinstance(mixer.start_error, ValueError)
    for freq in (BED_HZ, BED_HZ / 2):
        assert tone_db(rec.at("bed", 0.0, 0.5), 8000, freq) < -90
    assert tone_db(rec.at("speak", 0.2, 0.6), 8000, SPEECH_HZ) == pytest.approx(SPEECH_DB, abs=0.5)
