"""RoomtoneMixer: a roomtone soundscape inside any Pipecat output transport.

Pipecat calls ``mix()`` with every chunk it sends, bot speech or silence, at the transport's
rate. Each call hands the chunk to the player's engine through a pull-driven output: the bot's
voice passes through the engine's speech bus (and its sidechain, so the bed dips under actual
words), under the engine's one limiter and int16 conversion. This module only moves bytes and
maps control frames to the player's ramped, crossfaded calls.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Mapping

import numpy as np
from pipecat.audio.mixers.base_audio_mixer import BaseAudioMixer
from pipecat.frames.frames import (
    Frame,
    MixerControlFrame,
    MixerEnableFrame,
    MixerUpdateSettingsFrame,
    OutputAudioRawFrame,
)

from roomtone.config import SoundSpec, check_range, check_seconds
from roomtone.errors import PlayerStateError
from roomtone.format import SUPPORTED_CHANNELS
from roomtone.integrations.pipecat.channels import ChannelMismatchError, channels_from_chunk
from roomtone.integrations.pipecat.output import PullOutput
from roomtone.integrations.pipecat.pacing import RealtimePacer
from roomtone.integrations.pipecat.settings import SettingsUpdate, parse_settings
from roomtone.player.player import BackgroundAudioPlayer
from roomtone.player.selection import coerce_spec
from roomtone.samples import Int16Array

__all__ = ["RoomtoneMixer"]

logger = logging.getLogger("roomtone")


class _Lifecycle(enum.Enum):
    IDLE = "idle"  # not started
    WAITING = "waiting"  # the rate is known; the first chunk will tell the channel count
    STARTING = "starting"  # the player is opening its sounds: audio passes through
    RUNNING = "running"
    FAILED = "failed"  # cannot mix (see start_error): audio passes through
    STOPPED = "stopped"


class RoomtoneMixer(BaseAudioMixer):
    """A Pipecat ``audio_out_mixer`` that plays a :class:`BackgroundAudioPlayer`.

    Pass it as ``TransportParams(audio_out_mixer=RoomtoneMixer(player))``; the mixer starts the
    player at the transport's rate and channel count and closes it when the transport stops.
    Pipecat tells a mixer its rate but not its channels: by default the first chunk tells
    them (see :mod:`.channels`); ``num_channels`` states them instead, and a transport that
    contradicts it is refused loudly (the bot's audio passes through, the error is logged and
    kept in ``start_error``). ``audio_out_10ms_chunks`` must match the transport's if changed
    there. ``sounds`` names beds for ``MixerUpdateSettingsFrame({"sound": name})``.
    ``realtime`` keeps ``mix()`` from running more than ``max_lead`` seconds ahead of the wall
    clock, so a transport whose writes stop blocking (a hung-up call) cannot spin a CPU.
    """

    def __init__(
        self,
        player: BackgroundAudioPlayer,
        *,
        num_channels: int | None = None,
        audio_out_10ms_chunks: int = 4,
        sounds: Mapping[str, SoundSpec] | None = None,
        crossfade: float = 2.0,
        enable_fade: float = 0.5,
        volume_ramp: float = 0.25,
        sidechain: bool = True,
        ceiling_db: float = -0.5,
        realtime: bool = True,
        max_lead: float = 0.25,
        close_player: bool = True,
        close_timeout: float = 2.0,
    ) -> None:
        if num_channels is not None and num_channels not in SUPPORTED_CHANNELS:
            raise ValueError(f"num_channels must be 1, 2 or None (learned), got {num_channels!r}")
        if isinstance(audio_out_10ms_chunks, bool) or not (
            isinstance(audio_out_10ms_chunks, int) and 1 <= audio_out_10ms_chunks <= 100
        ):
            raise ValueError(
                "audio_out_10ms_chunks must be the transport's value, a whole number from 1 to "
                f"100, got {audio_out_10ms_chunks!r}"
            )
        for name, value in (
            ("crossfade", crossfade),
            ("enable_fade", enable_fade),
            ("volume_ramp", volume_ramp),
        ):
            check_seconds(name, value)
        check_range("ceiling_db", ceiling_db, -20.0, 0.0, " dBFS")
        self.player = player
        self.num_channels: int | None = num_channels
        self.sample_rate: int | None = None
        self.start_error: Exception | None = None
        self.chunks_mixed = 0
        self._chunks_10ms = audio_out_10ms_chunks
        self._layout_checked = False
        self._sounds: dict[str, SoundSpec] = dict(sounds or {})
        for name, spec in self._sounds.items():
            coerce_spec(spec, f"sounds[{name!r}]")  # a wrong type fails here, not mid-call
        self._crossfade = crossfade
        self._enable_fade = enable_fade
        self._volume_ramp = volume_ramp
        self._sidechain = sidechain
        self._ceiling_db = ceiling_db
        self._pacer = RealtimePacer(max_lead) if realtime else None
        self._close_player = close_player
        self._close_timeout = close_timeout
        self._phase = _Lifecycle.IDLE
        self._opening: asyncio.Task[None] | None = None
        self._output: PullOutput | None = None
        self._pending: list[SettingsUpdate] = []
        self._enabled = True
        self._volume = player.master_volume
        self._loop = True
        self._bed: SoundSpec | None = player.ambient_sound
        self._mix_error_logged = False
        self._out: Int16Array = np.empty((0, 1), np.int16)
        self._out_bytes = memoryview(b"")  # the bytes of _out, sized with it
        self._silence = b""

    # -- state ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while the soundscape is being mixed in (started, not stopped or failed)."""
        return self._phase is _Lifecycle.RUNNING

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def volume(self) -> float:
        """The background level set by ``volume`` settings (kept while disabled)."""
        return self._volume

    @property
    def pacer(self) -> RealtimePacer | None:
        return self._pacer

    # -- BaseAudioMixer --------------------------------------------------------------------------
    async def start(self, sample_rate: int) -> None:
        """Take the transport's rate; the player opens once the channel count is known too.

        With ``num_channels`` given that is now, and ``start()`` returns once the sounds are
        open; otherwise the first chunk tells it. Until then ``mix()`` passes audio through.
        A later ``start()`` at another rate wins while nothing has been opened yet (the
        transport's call follows one made by hand); once the player runs at one rate, another
        rate is refused loudly, since the bed would play at the wrong pitch.
        """
        phase = self._phase
        if phase is _Lifecycle.STOPPED:
            logger.warning(
                "roomtone: this RoomtoneMixer was stopped and cannot start again; "
                "create a new BackgroundAudioPlayer and RoomtoneMixer per call"
            )
            return
        if phase in (_Lifecycle.STARTING, _Lifecycle.RUNNING):
            if sample_rate != self.sample_rate:
                self._refuse(
                    f"RoomtoneMixer.start({sample_rate}) after the player was started at "
                    f"{self.sample_rate} Hz: the bed would play at the wrong pitch. Let the "
                    "transport start the mixer (do not call start() yourself), or start it at "
                    "the transport's audio_out_sample_rate"
                )
            return
        if phase is _Lifecycle.FAILED:
            return
        if phase is _Lifecycle.WAITING and sample_rate != self.sample_rate:
            logger.info(
                "roomtone: RoomtoneMixer started again at %d Hz (was %s Hz); using %d Hz",
                sample_rate,
                self.sample_rate,
                sample_rate,
            )
        self.sample_rate = sample_rate
        self._phase = _Lifecycle.WAITING
        if self.num_channels is not None:
            self._phase = _Lifecycle.STARTING
            await self._open(sample_rate, self.num_channels)

    async def _open(self, sample_rate: int, channels: int) -> None:
        """Start the player into a pull output of the transport's format."""
        try:
            output = PullOutput(sample_rate, channels, ceiling_db=self._ceiling_db)
            self._output = output
            await self.player.start(output=output)
        except Exception as exc:
            self.start_error = exc
            if self._phase is _Lifecycle.STARTING:
                self._phase = _Lifecycle.FAILED
            logger.error(
                "roomtone: background audio could not start (%s); the bot's audio passes "
                "through unchanged",
                exc,
            )
            return
        if self._phase is not _Lifecycle.STARTING:  # stopped or refused while the sounds opened
            await self._release()
            return
        self._phase = _Lifecycle.RUNNING
        self._apply_level(ramp=0.0)
        pending, self._pending = self._pending, []
        for update in pending:
            self._apply(update)

    def _refuse(self, message: str) -> None:
        """Stop mixing for good: the bot's audio passes through and the reason is logged."""
        self.start_error = ValueError(message)
        self._phase = _Lifecycle.FAILED
        logger.error("roomtone: %s; the bot's audio passes through without background", message)

    def _learn_layout(self, audio: bytes) -> bool:
        """Check the first chunk against the channel count (or learn it); False to refuse."""
        self._layout_checked = True
        rate = self.sample_rate
        assert rate is not None
        try:
            channels = channels_from_chunk(
                len(audio), rate, chunks_10ms=self._chunks_10ms, expected=self.num_channels
            )
        except ChannelMismatchError as exc:
            self._refuse(str(exc))
            return False
        if self.num_channels is None:
            self.num_channels = channels
            self._phase = _Lifecycle.STARTING
            self._opening = asyncio.get_running_loop().create_task(
                self._open(rate, channels), name="roomtone-pipecat-open"
            )
        return True

    async def stop(self) -> None:
        """Close the player; idempotent (Pipecat calls it twice), bounded by ``close_timeout``."""
        if self._phase is _Lifecycle.STOPPED:
            return
        self._phase = _Lifecycle.STOPPED
        self._pending.clear()
        opening, self._opening = self._opening, None
        if opening is not None and not opening.done():
            await asyncio.wait([opening], timeout=self._close_timeout)  # it releases on its end
            return
        await self._release()

    async def aclose(self) -> None:
        """Same as :meth:`stop`, for symmetry with the rest of roomtone."""
        await self.stop()

    async def _release(self) -> None:
        if not self._close_player:
            if self._output is not None:
                await self._output.aclose()
            return
        try:
            await asyncio.wait_for(self.player.aclose(), self._close_timeout)
        except asyncio.TimeoutError:
            logger.warning("roomtone: the player did not close within %.1f s", self._close_timeout)

    async def process_frame(self, frame: MixerControlFrame) -> None:
        """``MixerUpdateSettingsFrame`` and ``MixerEnableFrame``; both fade, never cut."""
        if isinstance(frame, MixerUpdateSettingsFrame):
            self.update_settings(frame.settings)
        elif isinstance(frame, MixerEnableFrame):
            self.set_enabled(frame.enable)
        else:
            logger.warning("roomtone: RoomtoneMixer ignores %s", type(frame).__name__)

    async def mix(self, audio: bytes) -> bytes:
        """Add the soundscape to one chunk of int16 PCM; returns a chunk of the same size."""
        unchecked = not self._layout_checked and self._phase is not _Lifecycle.STOPPED
        if unchecked and self.sample_rate and not self._learn_layout(audio):
            return audio
        pacer, rate, channels = self._pacer, self.sample_rate, self.num_channels
        if pacer is not None and rate and channels:
            excess = pacer.advance(len(audio) / (2 * channels * rate))
            if excess > 0.0:
                await pacer.sleep(excess)
        if self._phase is not _Lifecycle.RUNNING:
            return audio
        try:
            return self._mix_now(audio)
        except Exception:
            if not self._mix_error_logged:
                self._mix_error_logged = True
                logger.exception("roomtone: mixing failed; passing the bot's audio through")
            return audio

    def _mix_now(self, audio: bytes) -> bytes:
        output, channels = self._output, self.num_channels
        if output is None or not output.running or channels is None:
            return audio  # the player was closed by its owner
        if len(audio) != len(self._silence):
            if len(audio) % (2 * channels):
                self._refuse(
                    f"a {len(audio)}-byte chunk is not whole {channels}-channel int16 frames: "
                    "the transport's channel count changed or does not match num_channels"
                )
                return audio
            self._size_buffers(len(audio) // (2 * channels), channels)
        out = self._out
        # Between turns the transport hands over its silence chunk: comparing bytes costs
        # nothing and spares the speech bus its work.
        if audio == self._silence:
            mixed = output.mix(None, out, sidechain=self._sidechain)
        else:
            # The speech goes into ``out`` and is mixed in place: a byte copy through the
            # buffer protocol costs less than wrapping the bytes in a new array.
            self._out_bytes[:] = audio
            mixed = output.mix(out, out, sidechain=self._sidechain)
        if not mixed:
            return audio
        self.chunks_mixed += 1
        return out.tobytes()

    def _size_buffers(self, frames: int, channels: int) -> None:
        """One int16 chunk to render into and the transport's silence, reused every call."""
        self._out = np.empty((frames, channels), np.int16)
        self._out_bytes = self._out.data.cast("B")
        self._silence = bytes(frames * 2 * channels)

    # -- control -------------------------------------------------------------------------------
    def update_settings(self, settings: Mapping[str, object]) -> None:
        """Apply settings as a ``MixerUpdateSettingsFrame`` would; problems are logged by name."""
        update = parse_settings(settings, self._sounds)
        for problem in update.problems:
            logger.warning("roomtone: %s", problem)
        if self._phase is _Lifecycle.RUNNING:
            self._apply(update)
        elif self._phase in (_Lifecycle.IDLE, _Lifecycle.WAITING, _Lifecycle.STARTING):
            self._pending.append(update)

    def set_enabled(self, enabled: bool, fade: float | None = None) -> None:
        """Fade the whole background out (False) or back in (True) over ``fade`` seconds."""
        self._enabled = bool(enabled)
        if self._phase is _Lifecycle.RUNNING:
            self._apply_level(self._enable_fade if fade is None else fade)

    def fade_out_frames(self) -> list[Frame]:
        """Frames to queue just before an ``EndFrame`` so the background fades out, no cut.

        Pipecat writes its end silence unmixed, so without these the bed stops dead at the
        ``EndFrame``: ``await worker.queue_frames([*mixer.fade_out_frames(), EndFrame()])``.
        """
        rate, channels = self.sample_rate or 16000, self.num_channels or 1
        frames = round((self._enable_fade + 0.1) * rate)
        silence = bytes(frames * 2 * channels)
        return [
            MixerEnableFrame(enable=False),
            OutputAudioRawFrame(audio=silence, sample_rate=rate, num_channels=channels),
        ]

    def _apply_level(self, ramp: float) -> None:
        level = self._volume if self._enabled else 0.0
        try:
            self.player.set_master_volume(level, ramp=ramp)
        except PlayerStateError as exc:
            logger.warning("roomtone: cannot change the background level: %s", exc)

    def _apply(self, update: SettingsUpdate) -> None:
        try:
            if update.volume is not None:
                self._volume = update.volume
                if self._enabled:
                    ramp = self._volume_ramp if update.ramp is None else update.ramp
                    self.player.set_master_volume(update.volume, ramp=ramp)
            if update.loop is not None:
                self._loop = update.loop
            if update.has_sound:
                self._bed = update.sound
                crossfade = self._crossfade if update.crossfade is None else update.crossfade
                self.player.set_ambient(update.sound, crossfade=crossfade)
            if update.loop is not None or (update.has_sound and not self._loop):
                self._set_bed_loop(self._loop)
        except PlayerStateError as exc:
            logger.warning("roomtone: cannot apply mixer settings: %s", exc)

    def _set_bed_loop(self, loop: bool) -> None:
        """Loop the current bed or let it run out; looping again restarts a finished bed."""
        handle = self.player.ambient_handle
        if loop and handle is not None and handle.done() and self._bed is not None:
            self.player.set_ambient(self._bed, crossfade=self._crossfade)
            return
        self.player.set_ambient_loop(loop)
