"""Cost of a background mixer inside a real Pipecat pipeline, side by side in one run.

Each run is a real ``PipelineWorker`` whose output transport (a ``BaseOutputTransport`` that
blocks each write for the chunk's duration, like a sound card or a websocket) sends 20 ms
chunks. Three mixers take turns: a passthrough (Pipecat's mixer path, nothing added),
Pipecat's own ``SoundfileMixer`` and roomtone's ``RoomtoneMixer``, at 8, 16 and 48 kHz, with
the bot silent or speaking (TTS audio at 24 kHz, resampled by the transport). The whole
process's CPU time is measured over the steady part of each call; the figures are CPU ms per
second of call and, beyond the passthrough, CPU ms per 20 ms chunk; beside it, the thread CPU
spent inside ``mix()`` itself (less noisy: other processes' work does not land in it). Runs are
interleaved and repeated; the medians are printed, and each roomtone/soundfile ratio with its
range over the rounds: on a shared machine expect noise of +-0.05 ms in the process figures.

    python bench/pipecat_bench.py                     # 3 rounds of 4 s per run (~2.5 min)
    python bench/pipecat_bench.py --seconds 2 --rounds 1 --rates 16000
"""

from __future__ import annotations

import argparse
import asyncio
import math
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


class TimedMixer(BaseAudioMixer):
    """Counts the thread CPU time spent inside ``mix()``: every mixer is wrapped alike."""

    def __init__(self, inner: BaseAudioMixer) -> None:
        self.inner = inner
        self.counting = False
        self.cpu_ns = 0
        self.calls = 0

    async def start(self, sample_rate: int) -> None:
        await self.inner.start(sample_rate)

    async def stop(self) -> None:
        await self.inner.stop()

    async def process_frame(self, frame: MixerControlFrame) -> None:
        await self.inner.process_frame(frame)

    async def mix(self, audio: bytes) -> bytes:
        if not self.counting:
            return await self.inner.mix(audio)
        start = time.thread_time_ns()
        mixed = await self.inner.mix(audio)
        self.cpu_ns += time.thread_time_ns() - start
        self.calls += 1
        return mixed


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


def make_mixer(kind: str, rate: int, folder: Path) -> TimedMixer:
    bed = bed_file(folder, rate)
    if kind == "soundfile":
        return TimedMixer(SoundfileMixer(sound_files={"bed": bed}, default_sound="bed", volume=0.5))
    if kind == "roomtone":
        player = BackgroundAudioPlayer(ambient_sound=AudioConfig(bed, volume=0.5))
        # 20 ms chunks: mono or 10 ms stereo
        return TimedMixer(RoomtoneMixer(player, num_channels=1))
    return TimedMixer(PassthroughMixer())


def speech(seconds: float) -> bytes:
    t = np.arange(round(seconds * TTS_RATE)) / TTS_RATE
    tone = 0.3 * np.sin(2 * np.pi * 220.0 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3.0 * t))
    return (tone * 32767).astype("<i2").tobytes()


async def one_call(
    kind: str, rate: int, speaking: bool, seconds: float, folder: Path
) -> tuple[float, float]:
    """CPU seconds per chunk over ``seconds`` of steady call: the whole process's, and the
    thread time inside ``mix()``."""
    mixer = make_mixer(kind, rate, folder)
    params = TransportParams(
        audio_out_enabled=True,
        audio_out_sample_rate=rate,
        audio_out_10ms_chunks=round(CHUNK_SECONDS / 0.01),
        audio_out_mixer=mixer,
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
        mixer.counting = True
        await asyncio.sleep(seconds)
        mixer.counting = False
        measured.extend([time.process_time() - cpu0, float(sink.chunks - chunks0)])
        await worker.cancel(reason="bench run over")

    await asyncio.gather(runner.run(), script())
    cpu, chunks = measured
    return cpu / max(chunks, 1.0), mixer.cpu_ns * 1e-9 / max(mixer.calls, 1)


Key = tuple[str, int, bool]  # mixer, rate, speaking


def run(rates: list[int], seconds: float, rounds: int) -> dict[Key, list[tuple[float, float]]]:
    """(process, inside mix()) CPU seconds per chunk for every key and round, interleaved."""
    samples: dict[Key, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(rounds):
            for rate in rates:
                for speaking in (False, True):
                    for kind in MIXERS:
                        cost = asyncio.run(one_call(kind, rate, speaking, seconds, folder))
                        samples.setdefault((kind, rate, speaking), []).append(cost)
    return samples


def _ratio(roomtone_ms: float, soundfile_ms: float) -> float:
    """roomtone's cost over SoundfileMixer's; NaN when SoundfileMixer's is lost in the noise."""
    return roomtone_ms / soundfile_ms if soundfile_ms > 0.005 else math.nan


def report(samples: dict[Key, list[tuple[float, float]]], out: Callable[[str], None]) -> None:
    """Medians of the rounds; the roomtone/soundfile ratios with their range over rounds."""
    ms_per_s = 1000.0 / CHUNK_SECONDS  # CPU s per chunk -> CPU ms per second of call
    out(
        f"{'rate':>6} {'bot':>8} | {'CPU ms per s of call':^26} | "
        f"{'ms/chunk beyond passthrough':^34} | {'ms/chunk inside mix()':^34}"
    )
    out(
        f"{'':>6} {'':>8} | {'pass':>7} {'soundfile':>9} {'roomtone':>8} | "
        + " | ".join([f"{'soundfile':>9} {'roomtone':>8} {'rt/sf (range)':>15}"] * 2)
    )
    for rate in sorted({key[1] for key in samples}):
        for speaking in (False, True):
            base, sf, rt = (samples[(kind, rate, speaking)] for kind in MIXERS)
            process = [statistics.median(x[0] for x in runs) for runs in (base, sf, rt)]
            line = (
                f"{rate:>6} {'speaking' if speaking else 'silent':>8} | "
                f"{process[0] * ms_per_s:>7.1f} {process[1] * ms_per_s:>9.1f} "
                f"{process[2] * ms_per_s:>8.1f} | "
            )
            for metric in (0, 1):
                offset = [b[metric] if metric == 0 else 0.0 for b in base]
                sf_ms = [1000 * (x[metric] - o) for x, o in zip(sf, offset, strict=True)]
                rt_ms = [1000 * (x[metric] - o) for x, o in zip(rt, offset, strict=True)]
                ratios = [_ratio(r, f) for r, f in zip(rt_ms, sf_ms, strict=True)]
                sf_med, rt_med = statistics.median(sf_ms), statistics.median(rt_ms)
                known = [r for r in ratios if not math.isnan(r)]
                spread = f"{min(known):.2f}-{max(known):.2f}" if known else "n/a"
                line += (
                    f"{sf_med:>9.3f} {rt_med:>8.3f} {_ratio(rt_med, sf_med):>5.2f}x {spread:>9} | "
                )
            out(line.rstrip(" |"))


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
        f"{CHUNK_SECONDS * 1000:g} ms chunks, median of rounds; whole-process CPU, and the "
        "thread CPU inside mix() (every mixer wrapped alike)"
    )
    report(run(rates, args.seconds, args.rounds), print)


if __name__ == "__main__":
    main()
