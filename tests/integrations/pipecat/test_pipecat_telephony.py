"""Telephony: an 8 kHz transport whose frames go out through Pipecat's Twilio serializer."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from pipecat.frames.frames import OutputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.transports.base_transport import TransportParams
from pipecat_harness import SPEECH_HZ, Driver, SinkOutput, run_pipeline, wait_frames
from pipecat_signals import BED_HZ, Tones, from_pcm16, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RoomtoneMixer

RATE = 8000


def ulaw_to_linear(data: bytes) -> np.ndarray:
    """G.711 μ-law to 16-bit linear, written out so the test needs no ``audioop``."""
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    magnitude = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 0x07)
    return np.where(u & 0x80, 0x84 - magnitude, magnitude - 0x84).astype(np.float64) / 32768


class TwilioSink(SinkOutput):
    """Serializes every chunk exactly as the websocket transport would, and keeps payloads."""

    def __init__(self, params: TransportParams, mode: str) -> None:
        super().__init__(params, mode)
        self.serializer = TwilioFrameSerializer(
            "MZ00000000000000000000000000000000",
            params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
        )
        self.payloads: list[bytes] = []

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        message = await self.serializer.serialize(frame)
        assert isinstance(message, str)
        self.payloads.append(base64.b64decode(json.loads(message)["media"]["payload"]))
        return await super().write_audio_frame(frame)


@pytest.mark.parametrize("speech_amp", [0.3, 0.95])
async def test_twilio_at_8k_carries_the_mix_without_distortion(
    tones: Tones, speech_amp: float
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.3)
        d.mark("speak")
        await d.say(0.8, amp=speech_amp)
        await wait_frames(d, 1.0)

    rec = await run_pipeline(RoomtoneMixer(player), script, rate=RATE, sink_cls=TwilioSink)
    sink = rec.sink
    assert isinstance(sink, TwilioSink)
    # One 320-byte μ-law payload per 40 ms chunk: no resampler bursts, nothing dropped.
    assert {len(p) for p in sink.payloads} == {320}
    phone = ulaw_to_linear(b"".join(sink.payloads))
    mixed = from_pcm16(bytes(sink.audio), 1)[:, 0]
    assert len(phone) == len(mixed)
    error_db = 10 * np.log10(np.mean((phone - mixed) ** 2) / np.mean(mixed**2))
    assert error_db < -30  # only μ-law's own quantisation
    origin = rec.marks["speak"]
    idle = phone[origin - round(0.25 * RATE) : origin]
    assert tone_db(idle, RATE, BED_HZ) == pytest.approx(-20.0, abs=0.5)
    words = phone[origin + round(0.2 * RATE) : origin + round(0.7 * RATE)]
    assert np.max(np.abs(words)) < 1.0  # the limiter keeps the sum off the rail
    expected = 20 * np.log10(speech_amp)
    assert tone_db(words, RATE, SPEECH_HZ) == pytest.approx(expected, abs=1.5)
    for harmonic in (2 * SPEECH_HZ, 3 * SPEECH_HZ, 4 * SPEECH_HZ):
        assert tone_db(words, RATE, harmonic) < expected - 40
