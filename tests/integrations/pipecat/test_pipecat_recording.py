"""What users meet at the edges of a call: recordings and the end of the call.

An ``AudioBufferProcessor`` after the output transport records what the caller heard, bed
included; one just before it records the bot's voice alone. At ``EndFrame`` the bed stops
dead unless ``fade_out_frames()`` were queued first (docs/pipecat.md says both).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor
from pipecat_harness import SPEECH_HZ, Driver, run_pipeline, wait_frames
from pipecat_signals import BED_HZ, Tones, from_pcm16, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RoomtoneMixer

RATE = 16000


def bed_mixer(tones: Tones, **kwargs: Any) -> RoomtoneMixer:
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    return RoomtoneMixer(player, **kwargs)


def recorder(into: list[bytes]) -> AudioBufferProcessor:
    buffer = AudioBufferProcessor(sample_rate=RATE, auto_start_recording=True)

    @buffer.event_handler("on_audio_data")
    async def keep(_: Any, audio: bytes, sample_rate: int, num_channels: int) -> None:
        into.append(audio)

    return buffer


async def test_a_recording_after_the_transport_has_the_bed_one_before_it_has_not(
    tones: Tones,
) -> None:
    heard: list[bytes] = []
    voice: list[bytes] = []

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.4)
        await d.say(1.0)
        await wait_frames(d, 1.6)

    rec = await run_pipeline(
        bed_mixer(tones),
        script,
        rate=RATE,
        before_output=[recorder(voice)],
        after_output=[recorder(heard)],
    )
    caller = from_pcm16(b"".join(heard), 1)
    bot = from_pcm16(b"".join(voice), 1)
    assert len(caller) >= 0.9 * len(rec.audio)
    assert tone_db(caller, RATE, BED_HZ) == pytest.approx(tone_db(rec.audio, RATE, BED_HZ), abs=0.5)
    assert tone_db(bot, RATE, SPEECH_HZ) > -20  # the bot's words are there
    assert tone_db(bot, RATE, BED_HZ) < -80  # and nothing of the bed


async def test_at_end_frame_the_bed_stops_dead_without_fade_out_frames(tones: Tones) -> None:
    async def script(d: Driver) -> None:
        await wait_frames(d, 0.5)

    rec = await run_pipeline(bed_mixer(tones), script, rate=RATE)
    last = rec.audio[-round(0.02 * RATE) :]
    # Full level in the last 20 ms written: the next sample is silence, a cut.
    assert tone_db(last, RATE, BED_HZ) > -26
    assert np.max(np.abs(last)) > 0.05
