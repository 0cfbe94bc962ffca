"""The player's one run: ``start()`` (checked first, undone on failure, cancellable by
``aclose()``), the output's own end (a disconnect, an unpublished track), and ``aclose()``.

A base of :class:`~roomtone.player.player.BackgroundAudioPlayer`; the facade checks the
options and sets ``_sounds`` before anything here runs.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable
from typing import Any, cast

from roomtone.errors import PlayerStateError
from roomtone.outputs.base import AudioOutput
from roomtone.outputs.reference import ReferenceTap
from roomtone.player.not_given import given
from roomtone.player.renderer import PlayerRenderer
from roomtone.player.session import Session, Sounds, close_output, resolve_target
from roomtone.player.session_link import SessionLink
from roomtone.registry import OutputRequest, install_echo_canceller

__all__ = ["PlayerLifecycle"]

logger = logging.getLogger("roomtone")

_CLOSE_TIMEOUT = 2.0


class PlayerLifecycle:
    """Start, end and close; the state every other part of the player reads."""

    _sounds: Sounds

    def __init__(
        self,
        rng: random.Random,
        master_volume: float,
        track_name: str,
        fmt: tuple[int, int, float],
    ) -> None:
        self._master_volume = master_volume
        self._rng = rng
        self.track_name = track_name
        self._format = fmt
        self._reference = ReferenceTap()
        self._output: AudioOutput | None = None
        self._running: Session | None = None
        self._link: SessionLink | None = None
        self._close_error: Exception | None = None
        self._ended: Exception | None = None  # why the output stopped by itself, if it did
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self.publication: Any = None
        self._closed = False
        self._starting: asyncio.Task[None] | None = None  # start()'s steps, while they run
        self._echo_off: Callable[[], None] | None = None  # undoes cancel_echo=True
        self._lock = asyncio.Lock()

    def _live(self) -> Session:
        if self._running is None or self._closed:
            raise PlayerStateError(
                "BackgroundAudioPlayer is closed; create a new instance to play again"
                if self._closed
                else "BackgroundAudioPlayer is not started; await player.start(...) first"
            )
        if self._ended is not None:
            raise PlayerStateError(
                f"BackgroundAudioPlayer stopped: {self._ended}. Nothing plays any more; "
                "aclose() it, and start a new player to play again"
            )
        return self._running

    def _mixing(self) -> Session | None:
        """The session, or ``None`` once the output stopped by itself: state and level calls
        are then dropped instead of queueing commands that nothing renders."""
        if self._ended is not None and not self._closed:
            logger.debug("roomtone: ignored, the player stopped: %s", self._ended)
            return None
        return self._live()

    async def start(
        self,
        *,
        room: Any = None,
        agent_session: Any = None,
        track_publish_options: Any = None,
        output: AudioOutput | None = None,
        cancel_echo: bool = False,
    ) -> None:
        """Start mixing into ``room`` (a LiveKit room or any roomtone output) or ``output``.

        The ambient sound starts at once; ``start()`` raises if it cannot be opened. With an
        ``agent_session`` the thinking (and tool) sounds follow the agent's state. Everything
        is checked before the output starts (before a LiveKit track is published); if a later
        step fails, what was done is undone and ``start()`` may be called again. With
        ``cancel_echo=True`` the session's audio input no longer hears roomtone's audio (nor the
        agent's own voice) coming back from the caller's loudspeaker (``roomtone[echo]``).
        """
        async with self._lock:
            if self._closed:
                raise PlayerStateError(
                    "this BackgroundAudioPlayer was closed and cannot restart; "
                    "create a new BackgroundAudioPlayer instance"
                )
            if self._ended is not None:
                raise PlayerStateError(
                    f"this BackgroundAudioPlayer stopped ({self._ended}) and cannot restart; "
                    "aclose() it and create a new BackgroundAudioPlayer instance"
                )
            if self._running is not None:
                raise PlayerStateError("BackgroundAudioPlayer.start() was already called")
            agent_session = given(agent_session)
            if agent_session is not None:
                SessionLink.check(agent_session)
            if cancel_echo and agent_session is None:
                raise ValueError(
                    "cancel_echo=True needs agent_session=...: the echo is removed from that "
                    "session's audio input"
                )
            rate, channels, frame = self._format
            options = given(track_publish_options)
            request = OutputRequest(self.track_name, options, rate, channels, frame)
            target = resolve_target(given(room), given(output), request)
            if cancel_echo:
                self._start_echo_cancelling(agent_session)
            try:
                target.claim(self)  # before anything: a used output is refused, not disturbed
            except BaseException:
                self._stop_echo_cancelling()
                raise
            steps = asyncio.get_running_loop().create_task(
                self._start_steps(target, agent_session), name="roomtone-start"
            )
            self._starting = steps
            try:
                await steps
            except asyncio.CancelledError:
                if self._closed and steps.cancelled():  # aclose() ran while we started
                    raise PlayerStateError("aclose() was called while start() ran") from None
                raise
            finally:
                self._starting = None
                if self._running is None:
                    self._stop_echo_cancelling()
                    target.release(self)

    async def _start_steps(self, target: AudioOutput, agent_session: Any) -> None:
        """Open the sounds, start the output, follow the session; undo all of it on failure."""
        running = await Session.open(
            target,
            self._sounds,
            self._rng,
            master_volume=self._master_volume,
            reference=self._reference,
        )
        self._loop, self._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        self._output = target
        target.on_stop(self._output_stopped)
        try:
            await target.start(running.renderer)
            self._running = running
            self.publication = target.publication
            if agent_session is not None:
                sink = cast(Any, self)  # the facade: its CallControls take the session's events
                self._link = running.flow.follow(SessionLink(agent_session, sink))
        except BaseException:
            self._running = None
            await self._undo_start(target, running)
            raise

    def _start_echo_cancelling(self, agent_session: Any) -> None:
        self._echo_off = install_echo_canceller(agent_session, self._reference.subscribe)
        if self._echo_off is None:
            raise ValueError(
                "cancel_echo=True works with a livekit.agents AgentSession, got "
                f"{type(agent_session).__name__}; in Pipecat use "
                "TransportParams(audio_in_filter=RoomtoneEchoCanceller(mixer))"
            )

    def _stop_echo_cancelling(self) -> None:
        remove, self._echo_off = self._echo_off, None
        if remove is not None:
            remove()

    async def _undo_start(self, target: AudioOutput, running: Session) -> None:
        """A failed ``start()``: stop and release what it began, so a retry starts clean."""
        target.on_stop(None)
        running.renderer.close()
        try:
            await close_output(target, _CLOSE_TIMEOUT)
        finally:
            await running.release("start() failed")
            self._output, self._running, self._link = None, None, None
            self.publication = None
            self._ended = None

    def _output_stopped(self, reason: Exception) -> None:
        """The output stopped by itself for good (may be called on the render thread)."""
        if threading.get_ident() == self._loop_thread:
            self._end(reason)
        elif self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._end, reason)

    def _end(self, reason: Exception) -> None:
        """Nothing will be heard any more: stop following the session, settle every handle
        with the reason, and make ``play()`` say it. ``aclose()`` still releases the rest."""
        running = self._running
        if self._closed or self._ended is not None or running is None:
            return
        self._ended = reason
        if self._link is not None:
            self._link.detach()
        running.renderer.close()
        running.completions.settle_all(str(reason))

    async def _fade_out(self, renderer: PlayerRenderer) -> None:
        """Fade the mix out over the de-click ramp and wait (bounded) until the output has
        delivered it, so closing never cuts the mix with a click; then render silence."""
        output = self._output
        try:
            patience = output.close_fade_patience if output is not None else 0.0
            if renderer.closed or patience <= 0.0:
                return
            fade = renderer.fade_out()
            if output is not None and not fade.done():
                output.render_now(renderer.fade_frames)  # paced outputs: now, not next block
            try:
                await asyncio.wait_for(fade.wait_for_playout(), patience)
            except asyncio.TimeoutError:  # the output stopped pulling: nothing left to hear
                logger.debug("roomtone: the closing fade was not delivered in %.2f s", patience)
        finally:
            renderer.close()  # silence from the next block: no window

    async def aclose(self) -> None:
        """Fade the mix out (5 ms, heard to its end), then stop and release the output;
        idempotent, never hangs, settles every handle; an output's I/O error is reported on
        ``error``, not raised. A ``start()`` still running (publishing, decoding) is cancelled
        and undone rather than waited for. Before ``start()`` it does nothing and the player
        may still be started (as LiveKit's)."""
        starting = self._starting
        if starting is not None and not starting.done():
            self._closed = True
            starting.cancel()
        async with self._lock:
            if self._closed and (starting is None or self._output is None):
                return  # closed before, or a cancelled start() already undid everything
            if self._running is None and self._output is None:
                return  # never started: nothing to release, and start() may still come
            self._closed = True
            if self._link is not None:
                self._link.detach()
            try:
                if self._running is not None:
                    await self._fade_out(self._running.renderer)
            finally:
                self._stop_echo_cancelling()
            try:
                if self._output is not None:
                    self._output.on_stop(None)
                    self._close_error = await close_output(self._output, _CLOSE_TIMEOUT)
            finally:
                if self._running is not None:
                    await self._running.release("the player closed")
