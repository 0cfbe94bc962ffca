"""RoomOutput: the mix as its own audio track in a LiveKit room, rendered just in time.

Why it is built this way (figures in ``docs/livekit.md``):

* Every ``AudioSource.capture_frame`` costs a fixed amount of CPU, so blocks are large (50 ms
  by default, against LiveKit's 10 ms audio tick) and each is captured in one call.
* A block is rendered only when the source's queue has room for it, so the call completes at
  once instead of waiting in the SDK (a waiting call is woken by every FFI event of the
  process). Normally ``lead + frame`` of audio at most (100 ms by default) is queued, so
  ``stop()`` and fades are heard within about that. After an underrun (the event loop stalled
  longer than the lead) the lead grows, up to ``max_lead``, and shrinks back once calm: a
  jitter buffer that stays short on a healthy process instead of always paying for the worst.
* The calls of all outputs on a loop are made by one shared :class:`~.pump.Pump`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

import numpy as np
from livekit import rtc

from roomtone.errors import OutputError, PlayerStateError
from roomtone.integrations.livekit.pump import WINDOW, Pump, pump_for_running_loop
from roomtone.outputs.base import AudioOutput, Renderer
from roomtone.player.not_given import given

__all__ = ["DEFAULT_FRAME_DURATION", "DEFAULT_LEAD", "DEFAULT_MAX_LEAD", "RoomOutput"]

logger = logging.getLogger("roomtone")

DEFAULT_FRAME_DURATION = 0.05
"""Seconds per ``capture_frame`` call: 20 calls per second per session."""

DEFAULT_LEAD = 0.04
"""Seconds of audio kept queued ahead of the listener: the margin against event-loop stalls."""

DEFAULT_MAX_LEAD = 0.2
"""The most the lead grows to after underruns (LiveKit's own player always queues 400 ms)."""

_LEAD_STEP = 0.04  # lead added per underrun
_CALM = 5.0  # seconds without an underrun before the lead shrinks by 10 ms

_PUBLISH_TIMEOUT = 15.0
_STOP_TIMEOUT = 0.5
_UNPUBLISH_TIMEOUT = 1.0


class RoomOutput(AudioOutput):
    """Publishes one audio track (``track_name``) and feeds it from the player's mix.

    ``publication`` is the ``LocalTrackPublication`` once started; it is unpublished on
    ``aclose()``, which returns within about 1.5 s even if the room is gone or hangs.
    ``frame_duration`` (a multiple of 10 ms) trades CPU for reaction time; ``lead`` is how much
    audio stays queued ahead of the listener (at most ``lead + frame_duration`` + 10 ms), and
    grows up to ``max_lead`` after underruns.
    """

    def __init__(
        self,
        room: Any,
        *,
        track_name: str = "background_audio",
        publish_options: Any = None,
        sample_rate: int = 48000,
        num_channels: int = 1,
        frame_duration: float = DEFAULT_FRAME_DURATION,
        lead: float = DEFAULT_LEAD,
        max_lead: float = DEFAULT_MAX_LEAD,
        publish_timeout: float = _PUBLISH_TIMEOUT,
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        if abs(frame_duration * 100 - round(frame_duration * 100)) > 1e-6:
            raise ValueError(f"frame_duration must be a multiple of 10 ms, got {frame_duration!r}")
        if not 0.01 <= lead <= max_lead <= 1.0:
            raise ValueError(f"need 0.01 <= lead <= max_lead <= 1 s, got {lead!r}, {max_lead!r}")
        self.room = room
        self.track_name = track_name
        self.publish_options = given(publish_options)  # LiveKit's NOT_GIVEN: the default
        self.lead = lead
        self.max_lead = max_lead
        self._lead = lead  # the current lead: grows after underruns, decays when calm
        self._calm_since = 0.0
        self.publish_timeout = publish_timeout
        self.publication: Any = None
        self.source: rtc.AudioSource | None = None
        self.track: rtc.LocalAudioTrack | None = None
        self.underruns = 0  # times the queue had run dry when the next block arrived
        self.busy = False  # a capture is in flight (the pump's bookkeeping)
        self._renderer: Renderer | None = None
        self._pump: Pump | None = None
        self._captured = 0
        self._queue_end = 0.0  # monotonic time at which the queued audio will have played out
        self._resting_until = 0.0  # while idle: when to look again (no captures meanwhile)
        self._idle: asyncio.Event | None = None
        self._listening = False
        self._closed = False
        self._taken = False  # our track was unpublished by someone else: nothing to unpublish

    # -- figures ----------------------------------------------------------------------------
    @property
    def queue_size_ms(self) -> int:
        """The SDK queue: the most we may keep queued, in whole 10 ms (an SDK rule).

        The SDK completes a capture at once while its buffer holds no more than this, so our
        calls never wait. It is a bound, not a fill level: normally ``lead + frame`` is queued.
        """
        ms = round((self.max_lead + self.frame_duration + WINDOW) * 1000, 3)
        return 10 * math.ceil(ms / 10)

    @property
    def queued_seconds(self) -> float:
        """Audio captured but not yet played out (the SDK's own real-time model)."""
        return max(0.0, self._queue_end - time.monotonic())

    @property
    def running(self) -> bool:
        return self._pump is not None and not self._closed and self.error is None

    @property
    def close_fade_patience(self) -> float:
        return super().close_fade_patience + self.max_lead  # the fade must leave the queue too

    def delivered_frames(self) -> int:
        """Frames captured minus those still queued: what the room has really been sent."""
        queued = round(self.queued_seconds * self.format.sample_rate)
        return max(0, self._captured - queued)

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, renderer: Renderer) -> None:
        if self._renderer is not None or self._closed:
            raise OutputError("RoomOutput can be started once; create a new one")
        self._check_connected()
        loop = asyncio.get_running_loop()
        fmt = self.format
        source = rtc.AudioSource(
            fmt.sample_rate, fmt.num_channels, queue_size_ms=self.queue_size_ms, loop=loop
        )
        track = rtc.LocalAudioTrack.create_audio_track(self.track_name, source)
        options = self.publish_options
        if options is None:
            options = rtc.TrackPublishOptions()
        self.track = track
        self._listen(True)  # from before publishing: a disconnect meanwhile must not be missed
        try:
            publish = self.room.local_participant.publish_track(track, options)
            self.publication = await asyncio.wait_for(publish, self.publish_timeout)
            if self.error is not None:  # the room disconnected (or took the track) meanwhile
                raise self.error
        except BaseException as exc:  # a failure, or start() cancelled: release the source
            self._listen(False)
            await source.aclose()
            if not isinstance(exc, Exception):
                raise
            raise OutputError(f"could not publish track {self.track_name!r}: {exc}") from exc
        self.source, self._renderer = source, renderer
        n, ch = self.frame_size, fmt.num_channels
        # A block may stretch to realign with the pump's grid (first block, after a stall).
        self._max_block = n + fmt.frames(self.max_lead + 2 * WINDOW)
        self._frame = rtc.AudioFrame.create(fmt.sample_rate, ch, n)  # reused on schedule
        self._idle = asyncio.Event()
        self._idle.set()
        self._pump = pump_for_running_loop()
        self._pump.add(self)

    def _check_connected(self) -> None:
        """Refuse a room that says it is not connected: publishing there fails or is lost."""
        connected = getattr(self.room, "isconnected", None)
        if callable(connected) and not connected():
            raise OutputError(
                f"cannot publish track {self.track_name!r}: the room is not connected. "
                "Start the player once the room has connected: after await ctx.connect() "
                "(or await room.connect(url, token)), or after await session.start(...), "
                "which connects the job's room"
            )

    def _listen(self, on: bool) -> None:
        """Follow the room: a final disconnect, or our track unpublished by someone else.

        A reconnect keeps the source; a full reconnect republishes the same track under a new
        sid, which ``_current_sid`` finds at close.
        """
        room = self.room
        method = getattr(room, "on" if on else "off", None)
        if not callable(method) or on == self._listening:
            return
        self._listening = on
        for event, handler in (
            ("disconnected", self._on_disconnected),
            ("local_track_unpublished", self._on_unpublished),
        ):
            try:
                method(event, handler)
            except (KeyError, ValueError):
                logger.debug("roomtone: room listener %s already removed", event)

    def _on_disconnected(self, reason: Any = None) -> None:
        reason_name = disconnect_reason_name(reason)
        self._end(OutputError(f"the room disconnected ({reason_name})"), logging.INFO)

    def _on_unpublished(self, publication: Any) -> None:
        """Our own unpublish happens after ``_listen(False)``: this is someone else's."""
        ours = publication is self.publication or (
            self.track is not None and getattr(publication, "track", None) is self.track
        )
        if not ours or self._closed:
            return
        self._taken = True
        self._end(
            OutputError(
                f"track {self.track_name!r} was unpublished by someone else (often LiveKit's "
                "own BackgroundAudioPlayer closing: it unpublishes the first track named "
                f"{self.track_name!r}); background audio stopped. Give roomtone's player "
                "another track_name= to avoid the clash"
            ),
            logging.WARNING,
        )

    def _end(self, reason: OutputError, level: int) -> None:
        """Stop feeding for good and say why (``error``); the player learns it from there."""
        if self._pump is not None:
            self._pump.remove(self)
        if self.error is None and not self._closed:
            self.error = reason
            logger.log(level, "roomtone: background audio stopped: %s", reason)
            self._stopped(reason)

    # -- the pump's side --------------------------------------------------------------------
    def due_at(self) -> float:
        return max(self._queue_end - self._lead, self._resting_until)

    @property
    def current_lead(self) -> float:
        """The lead in use now (``lead``, or more after recent underruns)."""
        return self._lead

    def _adapt(self, now: float) -> None:
        """Grow the lead after an underrun; give back 10 ms per calm stretch."""
        if self._captured and now > self._queue_end:
            self.underruns += 1
            self._lead = min(self.max_lead, self._lead + _LEAD_STEP)
            self._calm_since = now
        elif self._lead > self.lead and now - self._calm_since > _CALM:
            self._lead = max(self.lead, self._lead - 0.01)
            self._calm_since = now

    def _block_frames(self, now: float, start: float) -> int:
        """Frames that end this block so the next one is due on the pump's grid.

        On schedule that is exactly ``frame_size``; the first block, or one after a stall,
        is longer or shorter so that all outputs of the loop stay due at the same instants.
        """
        assert self._pump is not None
        period = self.frame_duration
        k = math.floor((now + WINDOW - self._pump.origin) / period) + 1
        end = self._pump.origin + k * period + self._lead
        n = self.format.frames(end - start)
        if n < self.format.frames(0.01):
            n += self.frame_size
        return min(n, self._max_block)

    async def step(self) -> None:
        renderer, source, idle = self._renderer, self.source, self._idle
        assert renderer is not None and source is not None and idle is not None
        now = time.monotonic()
        if renderer.idle:  # nothing to hear: no render, no capture; look again next block
            self._resting_until = now + self.frame_duration
            return
        if self._resting_until:  # back from rest: the queue ran dry on purpose
            self._resting_until = 0.0
        else:
            self._adapt(now)
        start = max(self._queue_end, now)
        n = self._block_frames(now, start)
        frame = self._frame
        if n != frame.samples_per_channel:  # realigning: rare, a frame of its own
            frame = rtc.AudioFrame.create(self.format.sample_rate, self.format.num_channels, n)
        pcm = np.frombuffer(frame.data, dtype=np.int16).reshape(n, -1)
        renderer.render_pcm16(pcm)
        idle.clear()
        sent_at = time.monotonic()
        try:
            await source.capture_frame(frame)
        finally:
            idle.set()
        # Heard once what was queued before has played; into an empty queue (the first block,
        # after a stall) from the moment it was captured, not from before it was rendered.
        plays_at = max(start, sent_at)
        if renderer.reference:
            renderer.reference.publish(pcm, self.format.sample_rate, self._captured, plays_at)
        self._queue_end = plays_at + n / self.format.sample_rate
        self._captured += n

    def describe(self) -> str:
        return f"RoomOutput({self.track_name!r})"

    def fail(self, exc: Exception) -> None:
        self.error = exc
        if isinstance(exc, PlayerStateError):  # the player closed between two blocks
            logger.debug("roomtone: %s", exc)
        else:
            logger.warning("roomtone: background audio track %r stopped: %s", self.track_name, exc)
            self._stopped(OutputError(f"track {self.track_name!r} stopped: {exc}"))

    # -- closing ----------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Stop feeding, unpublish, release the source; bounded even if the room hangs."""
        if self._closed:
            return
        self._closed = True
        self._listen(False)
        if self._pump is not None:
            self._pump.remove(self)
        if self._idle is not None and not self._idle.is_set():
            try:
                await asyncio.wait_for(self._idle.wait(), _STOP_TIMEOUT)
            except asyncio.TimeoutError:
                logger.warning("roomtone: a capture of %r did not return", self.track_name)
        if self.publication is not None and not self._taken:
            await self._unpublish()
        if self.source is not None:
            await self.source.aclose()

    async def _unpublish(self) -> None:
        room = self.room
        try:
            connected = getattr(room, "isconnected", None)
            if callable(connected) and not connected():
                return
            participant = room.local_participant
            sid = self._current_sid(participant)
            task = asyncio.ensure_future(participant.unpublish_track(sid))
        except Exception as exc:
            logger.debug("roomtone: unpublish skipped: %s", exc)
            return
        done, _ = await asyncio.wait({task}, timeout=_UNPUBLISH_TIMEOUT)
        if not done:
            logger.warning("roomtone: unpublishing %r timed out", self.track_name)
            task.cancel()
            await asyncio.wait({task}, timeout=0.2)
        if task.done() and not task.cancelled() and task.exception() is not None:
            logger.debug("roomtone: unpublish failed: %s", task.exception())

    def _current_sid(self, participant: Any) -> str:
        """The publication's sid now; a full reconnect republishes under a new sid."""
        try:
            for sid, pub in dict(participant.track_publications).items():
                if self.track is not None and getattr(pub, "track", None) is self.track:
                    return str(sid)
        except Exception:
            logger.debug("roomtone: could not list publications", exc_info=True)
        return str(self.publication.sid)


def disconnect_reason_name(reason: Any) -> str:
    """``rtc.DisconnectReason`` as its name (``ROOM_DELETED``), whatever the SDK passed."""
    try:
        return str(rtc.DisconnectReason.Name(reason))
    except (ValueError, TypeError):
        return str(reason)
