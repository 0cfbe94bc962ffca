"""A real Pipecat pipeline around a local sink transport, driven by a script, recorded.

The sink is a real ``BaseOutputTransport`` subclass: Pipecat's own output machinery chunks,
resamples, queues and mixes; we only receive the written chunks. ``paced`` blocks each write for
the chunk's duration like a sound card or websocket; ``unpaced`` returns at once; ``dead``
returns False at once, as a hung-up websocket does (pipecat #2955).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pipecat.frames.frames import (
    EndFrame,
    Frame,
    OutputAudioRawFrame,
    StartFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from pipecat.observers.base_observer import BaseObserver
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams
from pipecat.workers.runner import WorkerRunner
from pipecat_signals import Array, from_pcm16, pcm16, sine

from roomtone.integrations.pipecat import RoomtoneMixer

SPEECH_HZ = 700.0
TTS_RATE = 24000


class SinkOutput(BaseOutputTransport):
    """Keeps every written chunk; paces (or not) like a real device."""

    def __init__(self, params: TransportParams, mode: str) -> None:
        super().__init__(params, name="RoomtoneTestSink")
        self.mode = mode
        self.audio = bytearray()
        self.writes = 0

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)  # creates the media sender, starts the mixer

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        self.writes += 1
        if self.mode == "dead":
            return False
        self.audio.extend(frame.audio)
        if self.mode == "paced":
            await asyncio.sleep(len(frame.audio) / (2 * frame.num_channels * frame.sample_rate))
        return True


class SinkTransport(BaseTransport):
    def __init__(
        self, params: TransportParams, mode: str, sink_cls: type[SinkOutput] = SinkOutput
    ) -> None:
        super().__init__()
        self._output = sink_cls(params, mode)

    def input(self) -> FrameProcessor:
        raise NotImplementedError("output-only test transport")

    def output(self) -> SinkOutput:
        return self._output


@dataclass
class Driver:
    """What a scenario script uses: queue frames, speak, wait, and mark moments in the audio."""

    worker: PipelineWorker
    sink: SinkOutput
    rate: int
    channels: int
    marks: dict[str, int] = field(default_factory=dict)

    @property
    def frames_written(self) -> int:
        return len(self.sink.audio) // (2 * self.channels)

    def mark(self, name: str) -> None:
        self.marks[name] = self.frames_written

    async def queue(self, *frames: Frame) -> None:
        await self.worker.queue_frames(list(frames))

    async def say(self, seconds: float, amp: float = 0.3, gap: float = 0.0) -> None:
        """Queue one TTS turn of ``seconds``: a tone, with a silent ``gap`` in the middle."""
        rate = TTS_RATE if self.channels == 1 else self.rate
        half = sine(SPEECH_HZ, (seconds - gap) / 2, rate, amp, self.channels)
        pause = np.zeros((round(gap * rate), self.channels))
        audio = pcm16(np.concatenate([half, pause, half]))
        await self.queue(
            TTSStartedFrame(),
            TTSAudioRawFrame(audio, sample_rate=rate, num_channels=self.channels),
            TTSStoppedFrame(),
        )


@dataclass
class Recording:
    audio: Array  # (frames, channels), full scale 1.0
    rate: int
    marks: dict[str, int]
    sink: SinkOutput

    def at(self, name: str, start: float, end: float) -> Array:
        """Audio from ``start`` to ``end`` seconds after the mark ``name``."""
        origin = self.marks[name]
        return self.audio[origin + round(start * self.rate) : origin + round(end * self.rate)]


async def run_pipeline(
    mixer: RoomtoneMixer,
    script: Callable[[Driver], Awaitable[None]],
    *,
    rate: int,
    channels: int = 1,
    mode: str = "paced",
    observers: Sequence[BaseObserver] = (),
    end: bool = True,
    timeout: float = 30.0,
    sink_cls: type[SinkOutput] = SinkOutput,
) -> Recording:
    """Run ``script`` against a pipeline whose output transport uses ``mixer``."""
    params = TransportParams(
        audio_out_enabled=True,
        audio_out_sample_rate=rate,
        audio_out_channels=channels,
        audio_out_mixer=mixer,
        audio_out_end_silence_secs=0,
    )
    transport = SinkTransport(params, mode, sink_cls)
    worker = PipelineWorker(
        Pipeline([transport.output()]),
        params=PipelineParams(audio_out_sample_rate=rate),
        observers=list(observers),
        idle_timeout_secs=None,
        enable_rtvi=False,
        enable_turn_tracking=False,
    )
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    driver = Driver(worker, transport.output(), rate, channels)

    async def drive() -> None:
        try:
            await script(driver)
        finally:
            if end:
                await worker.queue_frame(EndFrame())
            else:
                await worker.cancel(reason="test over")

    await asyncio.wait_for(asyncio.gather(runner.run(), drive()), timeout)
    audio = from_pcm16(bytes(driver.sink.audio), channels)
    return Recording(audio, rate, driver.marks, driver.sink)


async def wait_frames(driver: Driver, seconds: float) -> None:
    """Sleep until ``seconds`` more audio has been written (robust to a slow loop)."""
    target = driver.frames_written + round(seconds * driver.rate)
    deadline = time.monotonic() + seconds * 4 + 2
    # Polling is the point: the condition is the sink's progress, which has no event.
    while driver.frames_written < target and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def mix_directly(
    mixer: RoomtoneMixer, seconds: float, *, bot: Array | None = None, chunk: float = 0.04
) -> Array:
    """Call ``mix()`` the way the transport does, chunk by chunk, without a pipeline.

    Faster than real time, so before each chunk it waits (like the offline renderer) until
    the sounds have decoded that far: the result does not depend on the machine's speed.
    """
    rate, channels = mixer.sample_rate, mixer.num_channels
    assert rate is not None, "start the mixer first"
    step = round(chunk * rate)
    total = round(seconds * rate)
    source = np.zeros((total, channels)) if bot is None else bot[:total]
    out = []
    for begin in range(0, total, step):
        while mixer.running and not mixer._output._renderer.prepare(step):  # noqa: ASYNC110 - decoder
            await asyncio.sleep(0.001)
        mixed = await mixer.mix(pcm16(source[begin : begin + step]))
        out.append(from_pcm16(mixed, channels))
    return np.concatenate(out)
