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
from roomtone.engine.pcm16 import LARGEST_PCM16, PcmBlock
from roomtone.engine.ramp import Gain, LinearRamp
from roomtone.engine.voice import Bus, Voice, VoiceState
from roomtone.format import AudioFormat
from roomtone.samples import PCM16_SCALE, FloatArray, pcm16_rms_and_peak, pcm16_values, to_pcm16

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
        render_ahead: int = 0,
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
        self._waiting: list[tuple[Callable[[], bool], Command]] = []
        self._capacity = 0
        self._out: FloatArray = np.zeros((0, fmt.num_channels), np.float32)
        self._bed: FloatArray = self._out
        self._scratch: FloatArray = self._out
        # Background rendered ahead (see _take_ahead); 0 renders exactly what is asked.
        self._ahead_frames = render_ahead
        self._ahead: FloatArray = self._out
        self._ahead_start = self._ahead_end = 0
        self._ahead_bound = 0.0
        # The block rendered ahead, converted once for int16 pulls (see render_pcm16).
        # False takes the general path for every int16 pull: convert it alone and always ask
        # the limiter (tests compare the two sample for sample).
        self.fast_pcm16 = True
        self._ahead_pcm = PcmBlock(fmt.num_channels)
        self._ahead_converted: bool | None = None  # None: not looked at since the last refresh
        self._voice: FloatArray = self._out

    # -- control (any thread) -----------------------------------------------------------------
    def submit(self, command: Command) -> None:
        """Run ``command`` on the render thread before the next block."""
        self._commands.append(command)

    def submit_when(self, decided: Callable[[], bool], command: Command) -> None:
        """Run ``command`` before the first block after ``decided()`` turns true (a sound that
        must decode first); until then offline renderers wait (``ready`` is False)."""
        self._commands.append(lambda: self._waiting.append((decided, command)))

    # -- render thread ------------------------------------------------------------------------
    def add_voice(self, voice: Voice) -> None:
        """Add a voice now (render thread only; from elsewhere use ``submit``)."""
        self.voices.append(voice)

    def apply_commands(self) -> None:
        commands = self._commands
        while commands:
            _run(commands.popleft())
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            for decided, command in waiting:
                if decided():
                    _run(command)
                else:
                    self._waiting.append((decided, command))
        if self.thinking.busy:
            self.thinking.update(self.position)
        if self.tool.busy:
            self.tool.update(self.position)

    def ready(self, n: int) -> bool:
        """Whether every voice has its next ``n`` frames decoded (offline rendering waits)."""
        if self._waiting:
            return False
        n = self._block(n)
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
            and not self._waiting
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
        if self._ahead_frames:
            out, bound = self._take_ahead(n)
        else:
            out, bound = self._background(n)
        if speech is not None:
            out += speech
            bound += float(np.abs(speech).max(initial=0.0))
        limiter = self.limiter
        if limiter.gain < 1.0 or bound > limiter.ceiling:
            limiter.process(out)
        return out

    def render_pcm16(
        self,
        out: np.ndarray[Any, Any],
        speech: np.ndarray[Any, Any] | None = None,
        *,
        sidechain: bool = False,
    ) -> None:
        """The next ``len(out)`` frames as int16 into ``out``, ``speech`` (int16, same shape,
        may be ``out``) on the SPEECH bus; ``sidechain`` feeds its level (or silence) to ducking.

        Speech is summed in the PCM domain: the background is rounded to int16 steps and the
        voice added as it came, so a voice alone passes bit-exact and the sum is rounded once.
        A block rendered ahead is converted once for all the pulls it serves (see
        :mod:`.pcm16`), and the limiter is skipped when the voice's peak and the background's
        bound cannot reach its ceiling. Both only skip work: the result is the same.
        """
        n = len(out)
        peak = 0
        if speech is not None:
            rms, peak = pcm16_rms_and_peak(speech)
            if sidechain:
                self.ducker.feed_power((rms / PCM16_SCALE) ** 2, n)
        elif sidechain:
            self.ducker.feed_power(0.0, n)
        limiter = self.limiter
        if self._ahead_frames:
            background, bound = self._take_ahead(n)
            pcm = self._converted_ahead(n, bound)
        else:
            background, bound = self._background(n)
            pcm = None
        start = self._ahead_start - n
        if speech is None:
            if pcm is not None and limiter.gain >= 1.0:
                np.copyto(out, pcm.pcm(start, n))
                return
            if limiter.gain < 1.0 or bound > limiter.ceiling or not self.fast_pcm16:
                limiter.process(background)
            to_pcm16(background, out, self._scratch)
            return
        values = (
            pcm16_values(background, self._scratch[:n])
            if pcm is None
            else pcm.values[start : start + n]
        )
        if len(self._voice) < n:
            self._voice = np.zeros(out.shape, np.float32)
        voice = self._voice[:n]
        np.copyto(voice, speech)
        voice += values  # whole numbers in float32: exact
        # Rounding the background moved it by at most half a step.
        reach = (bound * PCM16_SCALE + 0.5 + peak) / PCM16_SCALE
        may_limit = limiter.gain < 1.0 or reach > limiter.ceiling or not self.fast_pcm16
        if may_limit and limiter.process(voice, PCM16_SCALE):
            np.rint(voice, out=voice)
        if limiter.ceiling > LARGEST_PCM16:  # a 0 dBFS ceiling lets +1.0 through
            np.clip(voice, -PCM16_SCALE, PCM16_SCALE - 1.0, out=voice)
        np.copyto(out, voice, casting="unsafe")

    def _converted_ahead(self, n: int, bound: float) -> PcmBlock | None:
        """The block the ``n`` frames just taken ahead come from, converted (they start at
        ``self._ahead_start - n``), or None when it may reach the limiter and goes through it
        pull by pull."""
        ready = self._ahead_converted
        if ready is None:
            ready = self.fast_pcm16 and bound <= self.limiter.ceiling
            if ready:
                clip = self.limiter.ceiling > LARGEST_PCM16
                self._ahead_pcm.convert(self._ahead[: self._ahead_end], clip=clip)
            self._ahead_converted = ready
        return self._ahead_pcm if ready else None

    def _block(self, n: int) -> int:
        """Frames rendered in one pass for a pull of ``n``: whole pulls, at least the lookahead."""
        ahead = self._ahead_frames
        return n * -(-ahead // n) if n < ahead else n

    def _take_ahead(self, n: int) -> tuple[FloatArray, float]:
        """``n`` frames of background from a block rendered ahead (and its peak bound).

        Under a caller that renders small blocks on a busy event loop (a Pipecat ``mix()``
        every 20 ms), what costs is each pass through the voices, not the samples: one pass
        per ``render_ahead`` frames serves several calls. Speech, the limiter and the
        conversion stay per call; commands and ducking take effect at the next block.
        """
        ahead, start, end = self._ahead, self._ahead_start, self._ahead_end
        if end - start < n:
            left = end - start
            block = self._block(n)
            if len(ahead) < left + block:
                grown = np.zeros((left + block, self.format.num_channels), np.float32)
                grown[:left] = ahead[start:end]
                ahead = self._ahead = grown
            elif left:
                ahead[:left] = ahead[start:end]
            _, bound = self._background(block, ahead[left : left + block])
            # Frames carried over from the last block keep that block's bound.
            self._ahead_bound = max(bound, self._ahead_bound) if left else bound
            start, end = 0, left + block
            self._ahead_end = end
            self._ahead_converted = None
        self._ahead_start = start + n
        return ahead[start : start + n], self._ahead_bound

    def _background(self, n: int, out: FloatArray | None = None) -> tuple[FloatArray, float]:
        """The next ``n`` frames of the voices, ducked and at the master volume, and a bound
        of their peak (in ``out``, by default ``self._out``, reused by the next call)."""
        self.apply_commands()
        self._ensure(n)
        if out is None:
            out = self._out[:n]
        if self.idle:  # nothing can sound: skip the whole chain
            out.fill(0.0)
            self.position += n
            return out, 0.0
        duck = self.ducker.advance(n)
        master = self.master
        finished: list[Voice] = []
        bound = 0.0
        if isinstance(duck, float) and not master.moving:
            # Steady gains: each voice adds itself at its final level, no bus buffers; the
            # first one writes the block rather than adding to zeros.
            level, first = master.value, True
            for voice in self.voices:
                scale = duck * level if voice.bus is Bus.BED else level
                k = voice.render_into(out, n, self._scratch, scale, assign=first)
                if first and k < n:
                    out[k:].fill(0.0)
                first = False
                bound += voice.peak_bound()
                if voice.state is VoiceState.FINISHED:
                    finished.append(voice)
            if first:
                out.fill(0.0)
        else:
            out.fill(0.0)
            bound = self._mix_moving(out, n, duck, finished)
        bound *= max(master.value, master.target)
        self.position += n
        if finished:
            self._finish(finished)
        return out, bound

    def _mix_moving(self, out: FloatArray, n: int, duck: Gain, finished: list[Voice]) -> float:
        """The voices while the ducking or the master volume moves: the bed on its own bus."""
        scratch = self._scratch
        bed = self._bed[:n]
        bed.fill(0.0)
        bound = 0.0
        bed_used = False
        for voice in self.voices:
            if voice.bus is Bus.BED:
                bed_used = True
                voice.render_into(bed, n, scratch)
            else:
                voice.render_into(out, n, scratch)
            bound += voice.peak_bound()
            if voice.state is VoiceState.FINISHED:
                finished.append(voice)
        if bed_used:
            out += bed * (np.float32(duck) if isinstance(duck, float) else duck[:, None])
        master = self.master
        if master.moving:
            out *= master.advance(n)[:, None]  # type: ignore[index]
        elif master.value != 1.0:
            out *= np.float32(master.value)
        return bound

    def _finish(self, finished: list[Voice]) -> None:
        """Drop finished voices and report them, with the end of this block as their end."""
        for voice in finished:
            self.voices.remove(voice)
            if voice.on_finish is not None:
                voice.on_finish(voice, self.position)

    def sidechain(self, samples: np.ndarray[Any, Any] | None, frames: int = 0) -> None:
        """Feed the agent's own outgoing audio (float, or int16 PCM) so ducking follows its
        words (render thread); ``None`` says it was silent for ``frames`` frames."""
        if self.ducker.settings is None:
            return
        if samples is None:
            self.ducker.feed_level(-math.inf, frames)
            return
        n = len(samples)
        if n == 0:
            return
        # One dot product: this runs for every chunk a Pipecat transport sends.
        flat = samples.reshape(-1)
        if flat.dtype != np.float32:
            flat = flat.astype(np.float32)
        power = float(flat @ flat) / flat.size
        if samples.dtype == np.int16:
            power /= PCM16_SCALE * PCM16_SCALE
        level = 10 * math.log10(power) if power > 1e-18 else -math.inf
        self.ducker.feed_level(level, n)


def _run(command: Command) -> None:
    try:
        command()
    except Exception:  # a bad command must not end the output for every other sound
        logger.exception("roomtone: a mixer command failed and was dropped")
