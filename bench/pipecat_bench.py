"""Cost of a background mixer inside a real Pipecat pipeline, side by side in one run.

Each run is a real ``PipelineWorker`` whose output transport (a ``BaseOutputTransport`` that
blocks each write for the chunk's duration, like a sound card or a websocket) sends 20 ms
chunks. Three mixers take turns: a passthrough (Pipecat's mixer path, nothing added),
Pipecat's own ``SoundfileMixer`` and roomtone's ``RoomtoneMixer``, at 8, 16 and 48 kHz, with
the bot silent or speaking (TTS audio at 24 kHz, resampled by the transport). The whole
process's CPU time is measured over the steady part of each call; the figures are CPU ms per
second of call and, beyond the passthrough, CPU ms per 20 ms chunk. Runs are interleaved and
repeated, and the median is printed: the machine is shared, so expect noise of +-0.05 ms.

    python bench/pipecat_bench.py                     # 3 rounds of 4 s per run (~2.5 min)
    python bench/pipecat_bench.py --seconds 2 --rounds 1 --rates 16000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile

with warnings.catch_warnings():  # Pipecat imports the deprecated audioop on Python 3.11
    warnings.simplefilter("ignore", DeprecationWarning)
    from pipecat.audio.mixers.base_audio_mixer import BaseAudioMixer
    from pipecat.audio.mixers.soundfile_mixer import SoundfileMixer
    from pipecat.frames.frames import (
        MixerControlFrame,
        OutputAudioRawFrame,
        StartFrame,
        TTSAudioRawFrame,
        TTSStartedFrame,
        TTSStoppedFrame,
    )
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.processors.frame_processor import FrameProcessor
    from pipecat.transports.base_output import BaseOutputTransport
    from pipecat.transports.base_transport import BaseTransport, TransportParams
    from pipecat.workers.runner import WorkerRunner

from loguru import logger

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RoomtoneMixer

MIXERS = ("passthrough", "soundfile", "roomtone")
CHUNK_SECONDS = 0.02
TTS_RATE = 24000
WARMUP_SECONDS = 0.6


class PassthroughMixer(BaseAudioMixer):
    """Pipecat's mixer path with nothing added: the baseline."""

    async def start(self, sample_rate: int) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def process_frame(self, frame: MixerControlFrame) -> None:
        pass

    async def mix(self, audio: bytes) -> bytes:
        return audio


class DeviceOutput(BaseOutputTransport):
    """Blocks each write for the chunk's duration, as a device or a paced websocket does."""

    def __init__(self, params: TransportParams) -> None:
        super().__init__(params, name="BenchDevice")
        self.chunks = 0

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        self.chunks += 1
        await asyncio.sleep(len(frame.audio) / (2 * frame.num_channels * frame.sample_rate))
        return True


class DeviceTransport(BaseTransport):
    def __init__(self, params: TransportParams) -> None:
        super().__init__()
        self._output = DeviceOutput(params)

    def input(self) -> FrameProcessor:
        raise NotImplementedError("output-only bench transport")

    def output(self) -> DeviceOutput:
        return self._output


def bed_file(folder: Path, rate: int) -> str:
    """A 10 s mono int16 noise bed at ``rate`` (SoundfileMixer needs the transport's rate)."""
    path = folder / f"bed_{rate}.wav"
    if not path.exists():
        noise = np.random.default_rng(rate).normal(0.0, 0.05, rate * 10)
        soundfile.write(path, noise.astype(np.float32), rate, subtype="PCM_16")
    return str(path)


def make_mixer(kind: str, rate: int, folder: Path) -> BaseAudioMixer:
    bed = bed_file(folder, rate)
    if kind == "soundfile":
        return SoundfileMixer(sound_files={"bed": bed}, default_sound="bed", volume=0.5)
    if kind == "roomtone":
        player = BackgroundAudioPlayer(ambient_sound=AudioConfig(bed, volume=0.5))
        return RoomtoneMixer(player, num_channels=1)  # 20 ms chunks: mono or 10 ms stereo
    return PassthroughMixer()


def speech(seconds: float) -> bytes:
    t = np.arange(round(seconds * TTS_RATE)) / TTS_RATE
    tone = 0.3 * np.sin(2 * np.pi * 220.0 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3.0 * t))
    return (tone * 32767).astype("<i2").tobytes()


async def one_call(kind: str, rate: int, speaking: bool, seconds: float, folder: Path) -> float:
    """CPU seconds the process spent during ``seconds`` of steady call; returns per chunk too."""
    params = TransportParams(
        audio_out_enabled=True,
        audio_out_sample_rate=rate,
        audio_out_10ms_chunks=round(CHUNK_SECONDS / 0.01),
        audio_out_mixer=make_mixer(kind, rate, folder),
        audio_out_end_silence_secs=0,
    )
    transport = DeviceTransport(params)
    worker = PipelineWorker(
        Pipeline([transport.output()]),
        params=PipelineParams(audio_out_sample_rate=rate),
        idle_timeout_secs=None,
        enable_rtvi=False,
        enable_turn_tracking=False,
    )
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    sink = transport.output()
    measured: list[float] = []

    async def script() -> None:
        if speaking:
            audio = speech(seconds + WARMUP_SECONDS + 1.0)
            await worker.queue_frames(
                [
                    TTSStartedFrame(),
                    TTSAudioRawFrame(audio, sample_rate=TTS_RATE, num_channels=1),
                    TTSStoppedFrame(),
                ]
            )
        await asyncio.sleep(WARMUP_SECONDS)
        cpu0, chunks0 = time.process_time(), sink.chunks
        await asyncio.sleep(seconds)
        measured.extend([time.process_time() - cpu0, float(sink.chunks - chunks0)])
        await worker.cancel(reason="bench run over")

    await asyncio.gather(runner.run(), script())
    cpu, chunks = measured
    return cpu / max(chunks, 1.0)


def run(rates: list[int], seconds: float, rounds: int) -> dict[tuple[str, int, bool], float]:
    """Median CPU seconds per chunk for every (mixer, rate, speaking), interleaved."""
    samples: dict[tuple[str, int, bool], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(rounds):
            for rate in rates:
                for speaking in (False, True):
                    for kind in MIXERS:
                        cost = asyncio.run(one_call(kind, rate, speaking, seconds, folder))
                        samples.setdefault((kind, rate, speaking), []).append(cost)
    return {key: statistics.median(values) for key, values in samples.items()}


def report(medians: dict[tuple[str, int, bool], float], out: Callable[[str], None]) -> None:
    ms_per_s = 1000.0 / CHUNK_SECONDS  # CPU s per chunk -> CPU ms per second of call
    out(
        f"{'rate':>6} {'bot':>8} | {'CPU ms per s of call':^30} | "
        f"{'ms per 20 ms chunk beyond passthrough':^38}"
    )
    out(
        f"{'':>6} {'':>8} | {'pass':>9} {'soundfile':>10} {'roomtone':>9} | "
        f"{'soundfile':>10} {'roomtone':>9} {'roomtone/soundfile':>17}"
    )
    for rate in sorted({key[1] for key in medians}):
        for speaking in (False, True):
            base, sf, rt = (medians[(kind, rate, speaking)] for kind in MIXERS)
            sf_extra, rt_extra = 1000 * (sf - base), 1000 * (rt - base)
            ratio = f"{rt_extra / sf_extra:.2f}x" if sf_extra > 0.005 else "n/a"
            out(
                f"{rate:>6} {'speaking' if speaking else 'silent':>8} | "
                f"{base * ms_per_s:>9.1f} {sf * ms_per_s:>10.1f} {rt * ms_per_s:>9.1f} | "
                f"{sf_extra:>10.3f} {rt_extra:>9.3f} {ratio:>17}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="8000,16000,48000")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    rates = [int(r) for r in args.rates.split(",")]
    print(
        f"Pipecat mixer bench: {args.rounds} round(s) x {args.seconds:g} s per run, "
        f"{CHUNK_SECONDS * 1000:g} ms chunks, median of rounds (whole-process CPU time)"
    )
    report(run(rates, args.seconds, args.rounds), print)


if __name__ == "__main__":
    main()
