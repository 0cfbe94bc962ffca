"""A Pipecat bot with a roomtone soundscape: office ambience, typing while it thinks, a tool sound.

The two lines that matter in a real bot::

    mixer = RoomtoneMixer(player)                       # TransportParams(audio_out_mixer=mixer)
    worker = PipelineWorker(pipeline, observers=[RoomtoneObserver(player)])

Modes (no API keys, no network):

- ``demo`` (default): a scripted conversation through a real Pipecat pipeline whose output
  transport writes to memory, paced like a device; the mix is saved to ``--out``.
- ``local``: the same conversation on your speakers (needs ``pip install "pipecat-ai[local]"``).

Run: ``python examples/pipecat_bot.py --sample-rate 8000 --out call.wav``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["demo", "local"], default="demo")
    parser.add_argument(
        "--sample-rate", type=int, default=16000, choices=[8000, 16000, 24000, 48000]
    )
    parser.add_argument("--channels", type=int, default=1, choices=[1, 2])
    parser.add_argument("--out", default="pipecat_demo.wav", help="WAV file for the demo mix")
    parser.add_argument("--ambient", default=None, help="bed: a built-in name or a file path")
    parser.add_argument("--volume", type=float, default=0.8, help="background level, 0 to 4")
    parser.add_argument("--log-level", default="WARNING", help="Pipecat's log level (loguru)")
    return parser.parse_args(argv)


# -- sounds ---------------------------------------------------------------------------------------
def demo_sounds(folder: Path, ambient: str | None) -> dict[str, Any]:
    """The demo's sounds; ``ambient`` (a built-in name or a path) replaces the bed."""
    from roomtone import BuiltinAudioClip

    sounds = builtin_or_generated(folder)
    if ambient:
        is_file = Path(ambient).is_file()
        sounds["ambient"] = ambient if is_file else BuiltinAudioClip.from_name(ambient)
    return sounds


def builtin_or_generated(folder: Path) -> dict[str, Any]:
    """Built-in sounds when they are installed, else simple generated stand-ins."""
    from roomtone import AudioConfig, BuiltinAudioClip
    from roomtone.outputs import write_wav

    office, typing = BuiltinAudioClip.OFFICE_AMBIENCE, BuiltinAudioClip.KEYBOARD_TYPING
    if Path(office.path()).is_file() and Path(typing.path()).is_file():
        return {"ambient": office, "thinking": typing, "tool": BuiltinAudioClip.KEYBOARD_TYPING2}
    rate, rng = 48000, np.random.default_rng(7)
    noise = np.cumsum(rng.normal(0, 1, rate * 4))  # brown noise: a soft room rumble
    noise = np.convolve(noise - np.convolve(noise, np.ones(4801) / 4801, "same"), np.ones(8) / 8)
    bed = (0.05 * noise[: rate * 4] / np.std(noise)).astype(np.float32)[:, None]
    ticks = np.zeros(rate * 2, np.float32)
    for start in rng.integers(0, rate * 2 - 400, 14):
        ticks[start : start + 400] += rng.normal(0, 0.3, 400) * np.exp(-np.arange(400) / 60)
    write_wav(folder / "bed.wav", bed, rate)
    write_wav(folder / "typing.wav", ticks[:, None], rate)
    hum = (
        0.1
        * np.sin(2 * np.pi * 523 * np.arange(rate) / rate)
        * np.sin(np.pi * np.arange(rate) / rate)
    )
    write_wav(folder / "tool.wav", hum.astype(np.float32)[:, None], rate)
    return {
        "ambient": AudioConfig(str(folder / "bed.wav"), loop_crossfade=0.5),
        "thinking": str(folder / "typing.wav"),
        "tool": str(folder / "tool.wav"),
    }


def speech(seconds: float, rate: int = 24000, channels: int = 1) -> bytes:
    """A voice-like stand-in for TTS: a 140 Hz buzz with syllable-rate loudness."""
    t = np.arange(round(seconds * rate)) / rate
    buzz = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 12))
    syllables = 0.5 - 0.5 * np.cos(2 * np.pi * 4 * t)
    fade = np.minimum(1, np.minimum(t, seconds - t) / 0.02)
    wave = 0.3 * buzz * syllables * fade
    # Pipecat does not up-mix: a stereo transport needs stereo TTS audio.
    return np.repeat((wave * 32767).astype("<i2")[:, None], channels, axis=1).tobytes()


# -- transports -----------------------------------------------------------------------------------
def memory_transport(params: Any) -> Any:
    """An output transport that keeps what it would send, blocking like a device."""
    from pipecat.transports.base_output import BaseOutputTransport
    from pipecat.transports.base_transport import BaseTransport

    class MemoryOutput(BaseOutputTransport):  # type: ignore[misc,unused-ignore]
        def __init__(self) -> None:
            super().__init__(params, name="MemoryOutput")
            self.audio = bytearray()

        async def start(self, frame: Any) -> None:
            await super().start(frame)
            await self.set_transport_ready(frame)  # starts the mixer at the transport's rate

        async def write_audio_frame(self, frame: Any) -> bool:
            self.audio.extend(frame.audio)
            await asyncio.sleep(len(frame.audio) / (2 * frame.num_channels * frame.sample_rate))
            return True

    class MemoryTransport(BaseTransport):  # type: ignore[misc,unused-ignore]
        def __init__(self) -> None:
            super().__init__()
            self._out = MemoryOutput()

        def input(self) -> Any:
            raise NotImplementedError("the demo has no microphone")

        def output(self) -> MemoryOutput:
            return self._out

    return MemoryTransport()


def local_transport(args: argparse.Namespace, mixer: Any) -> Any:
    try:
        from pipecat.transports.local.audio import (
            LocalAudioTransport,
            LocalAudioTransportParams,
        )
    except ImportError as exc:
        sys.exit(f"--mode local needs: pip install 'pipecat-ai[local]' ({exc})")
    return LocalAudioTransport(
        LocalAudioTransportParams(
            audio_out_enabled=True,
            audio_out_sample_rate=args.sample_rate,
            audio_out_channels=args.channels,
            audio_out_mixer=mixer,
        )
    )


# -- the bot --------------------------------------------------------------------------------------
async def conversation(worker: Any, mixer: Any) -> None:
    """User speaks, the bot thinks (typing), looks something up (tool sound), answers."""
    from pipecat.frames.frames import (
        EndFrame,
        FunctionCallInProgressFrame,
        FunctionCallResultFrame,
        MixerUpdateSettingsFrame,
        TTSAudioRawFrame,
        TTSStartedFrame,
        TTSStoppedFrame,
        UserStartedSpeakingFrame,
        UserStoppedSpeakingFrame,
    )

    async def say(seconds: float) -> None:
        # Pipecat resamples and chunks assuming the transport's channel count and treats PCM
        # as mono when resampling, so stereo TTS must already be at the transport's rate.
        channels = mixer.num_channels
        rate = 24000 if channels == 1 else (mixer.sample_rate or 24000)
        pcm = speech(seconds, rate, channels)
        audio = TTSAudioRawFrame(pcm, sample_rate=rate, num_channels=channels)
        await worker.queue_frames([TTSStartedFrame(), audio, TTSStoppedFrame()])
        await asyncio.sleep(seconds + 0.3)

    call: dict[str, Any] = {"function_name": "check_order", "tool_call_id": "c1", "arguments": {}}
    steps: list[tuple[str, float, list[Any]]] = [
        ("ambience only", 1.5, [UserStartedSpeakingFrame()]),
        ("user speaking", 1.2, [UserStoppedSpeakingFrame()]),
        ("thinking: typing", 1.8, [FunctionCallInProgressFrame(**call)]),
        ("tool running", 2.5, [FunctionCallResultFrame(**call, result={"status": "shipped"})]),
        ("thinking again", 0.8, []),
    ]
    for label, seconds, frames in steps:
        print(f"  {label}")
        await asyncio.sleep(seconds)
        if frames:
            await worker.queue_frames(frames)
    print("  bot speaking (the bed ducks under its words)")
    await say(2.5)
    print("  volume 0.4 via MixerUpdateSettingsFrame")
    await worker.queue_frame(MixerUpdateSettingsFrame(settings={"volume": 0.4}))
    await asyncio.sleep(1.5)
    print("  fading out and ending")
    await worker.queue_frames([*mixer.fade_out_frames(), EndFrame()])


async def run(args: argparse.Namespace) -> None:
    # Pipecat is imported only now, so --help needs nothing but the standard library.
    from loguru import logger  # Pipecat's logger
    from pipecat.pipeline.pipeline import Pipeline
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.transports.base_transport import TransportParams
    from pipecat.workers.runner import WorkerRunner

    from roomtone import BackgroundAudioPlayer
    from roomtone.integrations.pipecat import RoomtoneMixer, RoomtoneObserver
    from roomtone.outputs import write_wav

    logger.remove()
    logger.add(sys.stderr, level=args.log_level.upper())

    with tempfile.TemporaryDirectory() as folder:
        sounds = demo_sounds(Path(folder), args.ambient)
        player = BackgroundAudioPlayer(
            ambient_sound=sounds["ambient"],
            thinking_sound=sounds["thinking"],
            tool_sound=sounds["tool"],
            master_volume=args.volume,
        )
        mixer = RoomtoneMixer(player, num_channels=args.channels)
        if args.mode == "local":
            transport = local_transport(args, mixer)
        else:
            transport = memory_transport(
                TransportParams(
                    audio_out_enabled=True,
                    audio_out_sample_rate=args.sample_rate,
                    audio_out_channels=args.channels,
                    audio_out_mixer=mixer,
                    audio_out_end_silence_secs=0,
                )
            )
        # A real bot: [transport.input(), stt, user_aggregator, llm, tts, transport.output(),
        # assistant_aggregator]. The observer needs no place in that list.
        worker = PipelineWorker(
            Pipeline([transport.output()]),
            params=PipelineParams(audio_out_sample_rate=args.sample_rate),
            observers=[RoomtoneObserver(player)],
            idle_timeout_secs=None,
            enable_rtvi=False,
        )
        runner = WorkerRunner(handle_sigint=True)
        await runner.add_workers(worker)
        print(f"roomtone + Pipecat at {args.sample_rate} Hz, {args.channels} channel(s):")
        await asyncio.gather(runner.run(), conversation(worker, mixer))

    if args.mode == "demo":
        pcm = np.frombuffer(bytes(transport.output().audio), dtype="<i2")
        audio = pcm.reshape(-1, args.channels).astype(np.float32) * np.float32(1 / 32768)
        write_wav(args.out, audio, args.sample_rate)
        peak = 20 * np.log10(max(float(np.max(np.abs(audio))), 1e-9))
        print(
            f"wrote {args.out}: {len(audio) / args.sample_rate:.1f} s, peak {peak:.1f} dBFS, "
            f"{mixer.chunks_mixed} chunks mixed"
        )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        asyncio.run(run(args))
    except ImportError as exc:
        sys.exit(f"this example needs: pip install 'roomtone[pipecat]' ({exc})")


if __name__ == "__main__":
    main()
