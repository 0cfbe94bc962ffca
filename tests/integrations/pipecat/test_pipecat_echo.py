"""RoomtoneEchoCanceller in a real Pipecat pipeline: the bot does not hear its bed or itself.

A transport with both sides: the output (RoomtoneMixer, paced like a phone line) writes the
mix, and the caller's loudspeaker plays it where the player's reference tap says it left (the
tap carries what the transport wrote: checked), through a simulated echo path (room response,
120 ms, 0 dB loss, microphone noise). The input transport hears that path in real time, 20 ms
at a time, with the caller's speech from an exact sample on. The path lives on the tap's
sample timeline, not on when the loop gets round to a chunk, so a stall of this shared
machine's loop cannot move the echo (see ``TimelineEchoPath``), and the issue's numbers are
asserted on what the bot received. Pipecat's own Silero VAD (``VADProcessor(
SileroVADAnalyzer())``) runs after the input filter, as in a real bot. Sent: a babble bed
and the bot's own (synthetic) voice.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.frames.frames import (
    EndFrame,
    Frame,
    InputAudioRawFrame,
    OutputAudioRawFrame,
    StartFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    VADUserStartedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams
from pipecat.workers.runner import WorkerRunner
from pipecat_harness import SinkOutput
from pipecat_signals import from_pcm16, pcm16

from echo.echo_path import EchoPath, TimelineEchoPath, mic_noise
from echo.vad import longest_run_s, speech_windows, window_seconds
from echo.voices import BOT, CALLER, babble, talker
from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RoomtoneEchoCanceller, RoomtoneMixer
from roomtone.outputs import write_wav
from signals import rms_db

CHUNK_S = 0.02
BOT_FROM, BOT_S = 1.0, 2.0  # the bot speaks over the bed
CALLER_FROM, CALLER_S = 3.6, 2.4  # then the caller talks over the bed
END_S = 6.2
CONVERGE_S = 1.0


class EchoingSink(SinkOutput):
    """The output side, paced like Pipecat's websocket transports, against the clock (a sleep
    per chunk would drift slower than real time)."""

    _started: float | None = None
    _sent_s = 0.0

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        self.writes += 1
        self.audio.extend(frame.audio)
        if self._started is None:
            self._started = time.monotonic()
        self._sent_s += len(frame.audio) / (2 * frame.num_channels * frame.sample_rate)
        await asyncio.sleep(max(0.0, self._started + self._sent_s - time.monotonic()))
        return True


class MicInput(BaseInputTransport):
    """The input side: the caller's microphone, 20 ms at a time, paced by the clock."""

    def __init__(self, params: TransportParams, path: TimelineEchoPath) -> None:
        super().__init__(params, name="SimulatedMic")
        self.path = path
        self._task: asyncio.Task[None] | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)
        self._task = self.create_task(self._hear())

    async def _stop_hearing(self) -> None:
        if self._task is not None:
            await self.cancel_task(self._task)
            self._task = None

    async def stop(self, frame: EndFrame) -> None:
        await self._stop_hearing()
        await super().stop(frame)

    async def cancel(self, frame: Frame) -> None:
        await self._stop_hearing()
        await super().cancel(frame)  # type: ignore[arg-type]

    async def _hear(self) -> None:
        rate = self.path.rate
        n = round(CHUNK_S * rate)
        start = time.monotonic()
        k = 0
        while True:
            k += 1
            await asyncio.sleep(max(0.0, start + k * CHUNK_S - time.monotonic()))
            audio = pcm16(self.path.hear(n, start=start))
            await self.push_audio_frame(InputAudioRawFrame(audio, sample_rate=rate, num_channels=1))


class EchoTransport(BaseTransport):
    def __init__(self, params: TransportParams, path: TimelineEchoPath) -> None:
        super().__init__()
        self._input = MicInput(params, path)
        self._output = EchoingSink(params, "paced")

    def input(self) -> MicInput:
        return self._input

    def output(self) -> EchoingSink:
        return self._output


class AgentEar(FrameProcessor):
    """What the bot receives after the input filter, and when its VAD said "speaking"."""

    def __init__(self, path: TimelineEchoPath) -> None:
        super().__init__()
        self.path = path
        self.audio = bytearray()
        self.started_at: list[float] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self.audio.extend(frame.audio)
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            self.started_at.append(self.path.heard / self.path.rate)
        await self.push_frame(frame, direction)


async def run_call(
    rate: int, tmp_path: Path, *, cancel: bool
) -> tuple[AgentEar, np.ndarray, np.ndarray, bytes]:
    """One simulated call: what the bot heard, the caller's clean speech, what the tap said
    was sent and what the transport wrote."""
    bed = tmp_path / f"babble_{rate}.wav"
    write_wav(bed, babble(8.0, rate).astype(np.float32)[:, None], rate, "float32")
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(str(bed), volume=1.0))
    mixer = RoomtoneMixer(player)
    path = TimelineEchoPath(rate, EchoPath(0.12, 0.0))
    caller = talker(CALLER, CALLER_S, rate)
    path.talk(caller, from_sample=round(CALLER_FROM * rate))
    tapped: list[np.ndarray] = []

    def loudspeaker(block: Any) -> None:  # the transport's output, where and when it left
        samples = block.float32()
        tapped.append(samples.copy())
        path.play(samples, block.plays_at)

    player.reference.subscribe(loudspeaker)
    params = TransportParams(
        audio_in_enabled=True,
        audio_in_sample_rate=rate,
        audio_in_filter=RoomtoneEchoCanceller(mixer) if cancel else None,
        audio_out_enabled=True,
        audio_out_sample_rate=rate,
        audio_out_mixer=mixer,
        audio_out_end_silence_secs=0,
    )
    transport = EchoTransport(params, path)
    ear = AgentEar(path)
    worker = PipelineWorker(
        Pipeline(
            [
                transport.input(),
                VADProcessor(vad_analyzer=SileroVADAnalyzer()),
                ear,
                transport.output(),
            ]
        ),
        params=PipelineParams(audio_in_sample_rate=rate, audio_out_sample_rate=rate),
        idle_timeout_secs=None,
        enable_rtvi=False,
        enable_turn_tracking=False,
    )
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)

    async def until(seconds: float) -> None:
        while path.heard < seconds * rate:  # noqa: ASYNC110 - the simulated call's own clock
            await asyncio.sleep(0.01)

    async def script() -> None:
        try:
            await until(BOT_FROM)
            voice = talker(BOT, BOT_S, 24000)
            await worker.queue_frames(
                [
                    TTSStartedFrame(),
                    TTSAudioRawFrame(pcm16(voice), sample_rate=24000, num_channels=1),
                    TTSStoppedFrame(),
                ]
            )
            await until(END_S)
        finally:
            await worker.queue_frame(EndFrame())

    await asyncio.wait_for(asyncio.gather(runner.run(), script()), 30.0)
    sent = np.concatenate(tapped) if tapped else np.zeros((0, 1), np.float32)
    return ear, caller, sent, bytes(transport.output().audio)


def _heard(ear: AgentEar) -> np.ndarray:
    return from_pcm16(bytes(ear.audio), 1)[:, 0]


@pytest.mark.parametrize("rate", [8000, 16000])
async def test_pipeline_vad_does_not_fire_on_bed_or_bot_but_hears_the_caller(
    rate: int, tmp_path: Path
) -> None:
    ear, caller, tapped, written = await run_call(rate, tmp_path, cancel=True)
    # The loudspeaker played what the transport wrote: the tap is the mixer's output (the
    # transport writes silence of its own before the mixer's first block).
    wrote = from_pcm16(written, 1)[:, 0]
    tap = tapped[:, 0]
    assert tap.shape[0] > 5 * rate
    lead = int(np.argmax(np.abs(wrote) > 0) - np.argmax(np.abs(tap) > 0))
    n = min(tap.shape[0], wrote.shape[0] - lead)
    np.testing.assert_allclose(tap[:n], wrote[lead : lead + n], atol=1.5 / 32768)
    heard = _heard(ear)
    # The numbers, on what the bot received: from 1 s on, the bed and the bot's own
    # voice are speech in <= 1 % of Silero's windows, in no run of 200 ms or more ...
    w = window_seconds(rate)
    echo_only = speech_windows(heard, rate)[int(CONVERGE_S / w) : int(CALLER_FROM / w)]
    run = longest_run_s(echo_only, rate)
    # ... and the caller's words keep >= 95 % of the windows Silero finds on them alone,
    # within 3 dB. Silero listens to the whole call, as Pipecat runs it.
    start = round(CALLER_FROM * rate)
    alone = np.zeros(heard.shape[0])
    alone[start : start + caller.shape[0]] = caller[: heard.shape[0] - start]
    alone += mic_noise(heard.shape[0], rate)
    first = int(np.ceil(CALLER_FROM / w))
    clean = speech_windows(alone, rate)[first:]
    kept_share = (clean & speech_windows(heard, rate)[first:]).sum() / clean.sum()
    received = heard[start : start + caller.shape[0]]
    talking = np.abs(caller[: received.shape[0]]) > 0
    change = rms_db(received[talking]) - rms_db(caller[talking])
    figures = (
        f"VAD {echo_only.mean():.1%} of windows before the caller (longest run {run:.3f} s); "
        f"caller windows kept {kept_share:.1%}, level change {change:+.2f} dB"
    )
    print(f"pipecat live {rate} Hz, bed + bot voice, 120 ms, ERL 0 dB: {figures}")
    assert echo_only.mean() <= 0.01, figures
    assert run < 0.2, figures
    assert kept_share >= 0.95, figures
    assert abs(change) <= 3.0, figures
    # And so Pipecat's VAD: no start of speech from 1 s until the caller talks; one once they do.
    assert not [t for t in ear.started_at if CONVERGE_S <= t < CALLER_FROM], ear.started_at
    assert [t for t in ear.started_at if CALLER_FROM <= t < CALLER_FROM + CALLER_S]


@pytest.mark.parametrize("rate", [8000, 16000])
async def test_without_the_filter_the_pipeline_vad_fires_on_the_echo(
    rate: int, tmp_path: Path
) -> None:
    ear, *_ = await run_call(rate, tmp_path, cancel=False)
    assert [t for t in ear.started_at if 1.0 <= t < CALLER_FROM]
    w = window_seconds(rate)
    flags = speech_windows(_heard(ear), rate)
    assert flags[int(1.0 / w) : int(CALLER_FROM / w)].mean() > 0.3


async def test_filter_settings_and_control_frames() -> None:
    from pipecat.frames.frames import FilterEnableFrame

    mixer = RoomtoneMixer(BackgroundAudioPlayer())
    with pytest.raises(TypeError, match="needs the RoomtoneMixer"):
        RoomtoneEchoCanceller(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_channels must be at least 1"):
        RoomtoneEchoCanceller(mixer, num_channels=0)
    stereo = RoomtoneEchoCanceller(mixer, num_channels=2)
    await stereo.start(16000)
    with pytest.raises(ValueError, match="set num_channels to audio_in_channels"):
        await stereo.filter(b"\x00\x00" * 3)
    await stereo.stop()
    filt = RoomtoneEchoCanceller(mixer)
    audio = pcm16(np.full((320, 1), 0.1))
    assert await filt.filter(audio) == audio  # before start: passes through
    await filt.start(16000)
    await filt.process_frame(FilterEnableFrame(enable=False))
    assert not filt.enabled
    assert await filt.filter(audio) == audio  # disabled: passes through untouched
    await filt.process_frame(FilterEnableFrame(enable=True))
    assert len(await filt.filter(audio)) == len(audio)
    assert filt.canceller is not None and filt.canceller.frames_processed == 2
    await filt.stop()
    await filt.stop()  # a second stop is harmless
    await mixer.aclose()
