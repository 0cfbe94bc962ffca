"""One run of a player: the output it plays into, and the mix built for that output's format.

``resolve_target`` turns ``start(room=..., output=...)`` into an output (asking the integration
registry for framework objects such as a LiveKit room); ``Session.open`` builds the mixer, the
renderer the output pulls from, the voices, the cue policy and the bed, and opens the sounds.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any

from roomtone.config import AudioConfig
from roomtone.engine.cue import CueOptions
from roomtone.engine.ducker import Ducking
from roomtone.engine.mixer import Mixer
from roomtone.outputs.base import AudioOutput
from roomtone.outputs.reference import ReferenceTap
from roomtone.player.ambience import AmbientBed
from roomtone.player.call_flow import BedPauses, CallFlow
from roomtone.player.call_state import CallState
from roomtone.player.completions import Completions
from roomtone.player.cues import CuePolicy
from roomtone.player.hold import HoldMusic
from roomtone.player.opener import SoundOpener
from roomtone.player.renderer import PlayerRenderer
from roomtone.player.selection import choose, is_stream
from roomtone.player.tool_sounds import ToolSounds
from roomtone.player.voices import VoiceMaker
from roomtone.registry import OutputRequest, resolve_output
from roomtone.sources.cache import ClipCache

__all__ = ["Session", "Sounds", "close_output", "resolve_target"]

logger = logging.getLogger("roomtone")

_CUE_CHECK_SECONDS = 0.05  # decoded before start() returns: enough to know the file is audio


@dataclass(frozen=True)
class Sounds:
    """What a player was made with (checked by its constructor)."""

    ambient: list[AudioConfig] | AudioConfig | None
    thinking: list[AudioConfig] | AudioConfig | None
    tools: ToolSounds
    ducking: Ducking | None
    thinking_options: CueOptions
    tool_options: CueOptions
    random_start: bool
    cache: ClipCache | None
    give_up: list[AudioConfig] | AudioConfig | None = None
    opening: list[AudioConfig] | AudioConfig | None = None
    ambient_mode: str = "duck"
    """``"gaps"``: the bed pauses under the agent's speech instead of ducking."""
    infer_wait: bool | None = None
    """``None``: infer the wait when the followed session runs a realtime model."""

    def __post_init__(self) -> None:
        if self.ambient_mode not in ("duck", "gaps"):
            raise ValueError(f"ambient_mode must be one of duck, gaps, got {self.ambient_mode!r}")


def resolve_target(room: Any, output: AudioOutput | None, request: OutputRequest) -> AudioOutput:
    """The output for ``start(room=..., output=...)``."""
    if room is not None and output is not None and room is not output:
        raise ValueError("pass either room= or output=, not both")
    target = output if output is not None else room
    if isinstance(target, AudioOutput):
        return target
    if target is None:
        raise TypeError("start() needs room= (a LiveKit rtc.Room or a roomtone output)")
    resolved = resolve_output(target, request)
    if isinstance(resolved, AudioOutput):
        return resolved
    raise TypeError(
        f"room must be a LiveKit rtc.Room or a roomtone.outputs.AudioOutput, "
        f"got {type(target).__name__}"
    )


async def close_output(output: AudioOutput, timeout: float) -> Exception | None:
    """Close ``output`` within ``timeout``; an I/O error is logged and returned, never raised."""
    try:
        await asyncio.wait_for(output.aclose(), timeout)
    except asyncio.TimeoutError:
        logger.warning("roomtone: %s did not close within %.1f s", output.describe(), timeout)
    except Exception as exc:
        logger.error("roomtone: %s failed to close: %s", output.describe(), exc)
        return exc
    return None


class Session:
    """The parts that exist between ``start()`` and ``aclose()``."""

    def __init__(
        self,
        renderer: PlayerRenderer,
        voices: VoiceMaker,
        flow: CallFlow,
        bed: AmbientBed,
        completions: Completions,
    ) -> None:
        self.renderer, self.mixer, self.voices = renderer, renderer.mixer, voices
        self.flow, self.bed, self.completions = flow, bed, completions

    @classmethod
    async def open(
        cls,
        target: AudioOutput,
        sounds: Sounds,
        rng: random.Random,
        *,
        master_volume: float,
        reference: ReferenceTap,
    ) -> Session:
        """Build the mix for ``target``'s format and open the sounds; nothing renders yet.

        A missing cue file or an unreadable bed raises here, before the output starts.
        """
        fmt = target.format
        mixer = Mixer(
            fmt,
            ducking=sounds.ducking,
            thinking=sounds.thinking_options,
            tool=sounds.tool_options,
            master_volume=master_volume,
            limiter_ceiling_db=target.limiter_ceiling_db,
        )
        opener = SoundOpener(fmt, sounds.cache)
        # Every cue file must decode: one that exists but does not (a text file named .mp3)
        # fails start() now, instead of a cue that silently never plays.
        await asyncio.gather(
            *(
                opener.checked_clip(config, _CUE_CHECK_SECONDS)
                for spec in (sounds.thinking, sounds.give_up, *sounds.tools.fixed())
                for config in (spec if isinstance(spec, list) else [spec] if spec else [])
                if not is_stream(config.source)
            )
        )
        completions = Completions(asyncio.get_running_loop(), target.delivered_frames)
        voices = VoiceMaker(opener, mixer, completions)
        state = CallState(sounds.tools, infer_wait=bool(sounds.infer_wait))
        cues = CuePolicy(
            mixer,
            voices,
            rng,
            state,
            thinking_sound=sounds.thinking,
            thinking=sounds.thinking_options,
            tool=sounds.tool_options,
            give_up_sound=sounds.give_up,
        )
        bed = AmbientBed(sounds.ambient, voices, rng, random_start=sounds.random_start)
        try:
            await bed.open()
        except BaseException:
            await opener.aclose()
            raise
        flow = CallFlow(
            mixer,
            state,
            cues,
            HoldMusic(opener, mixer),
            BedPauses(bed.pause, bed.resume),
            gaps=(sounds.ducking or Ducking()) if sounds.ambient_mode == "gaps" else None,
            infer_wait_auto=sounds.infer_wait is None,
        )
        opening = choose(sounds.opening, rng) if sounds.opening is not None else None
        if opening is not None:
            flow.open(lambda config: voices.play(config, loop=False), opening)
        renderer = PlayerRenderer(mixer, completions, reference)
        return cls(renderer, voices, flow, bed, completions)

    async def release(self, reason: str | None = None) -> None:
        """After the output closed: stop stream feeders, settle every handle with ``reason``
        (loop)."""
        try:
            await self.voices.opener.aclose()
        finally:
            self.flow.close()
            self.completions.settle_all(reason)
