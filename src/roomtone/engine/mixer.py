"""The mixer: sums voices per bus, ducks the bed, applies master volume and the limiter.

Buses: BED (ambience and cues, ducked under speech), EFFECTS (``play()``), and SPEECH, the
agent's own voice passed through by transports that carry it (Pipecat, the console): it is
neither ducked nor scaled by the master volume, and shares the one limiter with the rest.

Everything that changes the mix arrives as a command (a callable) through a thread-safe queue
and is applied at the start of the next block, so a ``play()`` is heard in the next frame and
the render thread (event loop, sound-card callback or a Pipecat ``mix()``) owns all voices.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from roomtone.engine.cue import CueController, CueOptions
from roomtone.engine.ducker import Ducker, Ducking
from roomtone.engine.limiter import Limiter
from roomtone.engine.ramp import LinearRamp
from roomtone.engine.voice import Bus, Voice, VoiceState
from roomtone.format import AudioFormat
from roomtone.samples import PCM16_SCALE, FloatArray

__all__ = ["Mixer"]

logger = logging.getLogger("roomtone")

Command = Callable[[], None]


class Mixer:
    """Renders blocks of float32 audio shaped (frames, channels) at a fixed format."""

    def __init__(
        self,
        fmt: AudioFormat,
        *,
        ducking: Ducking | None = None,
        thinking: CueOptions | None = None,
        tool: CueOptions | None = None,
        master_volume: float = 1.0,
        limiter_ceiling_db: float = -1.0,
    ) -> None:
        self.format = fmt
        self.position = 0  # frames rendered so far
        self.voices: list[Voice] = []
        self.ducker = Ducker(ducking, fmt.sample_rate)
        self.limiter = Limiter(fmt.sample_rate, ceiling_db=limiter_ceiling_db)
        self.master = LinearRamp(master_volume)
        self.thinking = CueController(thinking or CueOptions(), fmt.sample_rate, self.add_voice)
        self.tool = CueController(tool or CueOptions(), fmt.sample_rate, self.add_voice)
        self._commands: deque[Command] = deque()
        self._capacity = 0
        self._out: FloatArray = np.zeros((0, fmt.num_channels), np.float32)
        self._bed: FloatArray = self._out
        self._scratch: FloatArray = self._out

    # -- control (any thread) -----------------------------------------------------------------
    def submit(self, command: Command) -> None:
        """Run ``command`` on the render thread before the next block."""
        self._commands.append(command)

    # -- render thread ------------------------------------------------------------------------
    def add_voice(self, voice: Voice) -> None:
        """Add a voice now (render thread only; from elsewhere use ``submit``)."""
        self.voices.append(voice)

    def apply_commands(self) -> None:
        commands = self._commands
        while commands:
            command = commands.popleft()
            try:
                command()
            except Exception:  # a bad command must not end the output for every other sound
                logger.exception("roomtone: a mixer command failed and was dropped")
        if self.thinking.busy:
            self.thinking.update(self.position)
        if self.tool.busy:
            self.tool.update(self.position)

    def ready(self, n: int) -> bool:
        """Whether every voice has its next ``n`` frames decoded (offline rendering waits)."""
        return all(v.playback.ready(n) for v in self.voices if v.state is not VoiceState.PAUSED)

    def _ensure(self, n: int) -> None:
        if n > self._capacity:
            ch = self.format.num_channels
            self._capacity = n
            self._out = np.zeros((n, ch), np.float32)
            self._bed = np.zeros((n, ch), np.float32)
            self._scratch = np.zeros((n, ch), np.float32)

    @property
    def idle(self) -> bool:
        """Nothing plays, nothing is queued and every gain is at rest: the block is silence."""
        return (
            not self.voices
            and not self._commands
            and not self.thinking.busy
            and not self.tool.busy
            and self.limiter.gain >= 1.0
            and not self.master.moving
            and self.ducker.at_rest
        )

    def render(self, n: int, speech: FloatArray | None = None) -> FloatArray:
        """The next ``n`` frames, plus ``speech`` on the SPEECH bus when given.

        The returned array is reused by the next call.
        """
        self.apply_commands()
        self._ensure(n)
        out = self._out[:n]
        scratch = self._scratch
        out.fill(0.0)
        if speech is None and self.idle:  # nothing can sound: skip the whole chain
            self.position += n
            return out
        duck = self.ducker.advance(n)
        direct = isinstance(duck, float) and duck == 1.0  # bed needs no gain: mix in place
        bed = out if direct else self._bed[:n]
        bed_used = False
        finished: list[Voice] = []
        bound = 0.0
        for voice in self.voices:
            if voice.bus is Bus.BED:
                if not bed_used and not direct:
                    bed.fill(0.0)
                bed_used = True
                voice.render_into(bed, n, scratch)
            else:
                voice.render_into(out, n, scratch)
            bound += voice.peak_bound()
            if voice.state is VoiceState.FINISHED:
                finished.append(voice)
        if bed_used and not direct:
            if isinstance(duck, float):
                out += bed * np.float32(duck)
            else:
                out += bed * duck[:, None]
        master = self.master
        if master.moving:
            out *= master.advance(n)[:, None]  # type: ignore[index]
        elif master.value != 1.0:
            out *= np.float32(master.value)
        bound *= max(master.value, master.target)
        if speech is not None:
            out += speech
            bound += float(np.abs(speech).max(initial=0.0))
        limiter = self.limiter
        if limiter.gain < 1.0 or bound > limiter.ceiling:
            limiter.process(out)
        self.position += n
        if finished:
            self._finish(finished)
        return out

    def _finish(self, finished: list[Voice]) -> None:
        """Drop finished voices and report them, with the end of this block as their end."""
        for voice in finished:
            self.voices.remove(voice)
            if voice.on_finish is not None:
                voice.on_finish(voice, self.position)

    def sidechain(self, samples: np.ndarray[Any, Any]) -> None:
        """Feed the agent's own outgoing audio (float, or int16 PCM) so ducking follows its
        words (render thread)."""
        n = len(samples)
        if n == 0 or self.ducker.settings is None:
            return
        rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float32))))
        if samples.dtype == np.int16:
            rms /= PCM16_SCALE
        level = 20 * math.log10(rms) if rms > 1e-9 else -math.inf
        self.ducker.feed_level(level, n)
