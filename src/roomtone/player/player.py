"""BackgroundAudioPlayer: the LiveKit API, on roomtone's engine, for any output.

A thin facade: it checks what users pass, runs the lifecycle and hands the rest on. A
session (``session.py``) is built at ``start()``: the renderer outputs pull from
(``renderer.py``), the cue policy that follows agent and tool state (``cues.py``), the bed
(``ambience.py``), the voice maker (``voices.py``) and the completions that settle handles
once heard (``completions.py``). All public calls are event-loop only.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from typing import Any

from roomtone.config import AudioConfig, SoundSpec, check_volume
from roomtone.engine.cue import CueOptions
from roomtone.engine.ducker import Ducking
from roomtone.engine.voice import DECLICK_SECONDS
from roomtone.errors import PlayerStateError
from roomtone.outputs.base import AudioOutput
from roomtone.outputs.reference import ReferenceTap
from roomtone.player.cues import check_agent_state, check_user_state
from roomtone.player.events import AgentState, UserState
from roomtone.player.handle import PlayHandle
from roomtone.player.not_given import given
from roomtone.player.selection import choose, coerce_spec
from roomtone.player.session import Session, Sounds, close_output, resolve_target
from roomtone.player.session_link import SessionLink
from roomtone.registry import OutputRequest
from roomtone.sources.cache import ClipCache

__all__ = ["BackgroundAudioPlayer"]

logger = logging.getLogger("roomtone")

_CLOSE_TIMEOUT = 2.0
_LIVEKIT_STREAM_TIMEOUT_MS = 200  # livekit-agents' default: accepted, as forwarding code passes it


class BackgroundAudioPlayer:
    """Ambient, thinking and tool sounds plus on-demand playback, mixed live into one output.

    Drop-in for ``livekit.agents.BackgroundAudioPlayer``; the keyword-only extras are roomtone's:
    ``tool_sound`` (plays while tools run), ``ducking`` (``True`` for the defaults, ``False`` or
    ``None`` for off, or a :class:`Ducking`), ``thinking``/``tool`` cue timing
    (:class:`CueOptions`), ``master_volume``, ``ambient_random_start`` and ``seed`` (for
    reproducible draws). ``sample_rate``, ``num_channels`` and ``frame_duration`` apply when
    ``start()`` is given a LiveKit room; other outputs carry their own format. ``error`` holds
    what stopped the output, if anything did. An output that stops by itself (its room
    disconnected, its track was unpublished) ends the player: every handle settles with a
    ``reason``, the session is no longer followed, and ``play()`` raises; ``aclose()`` still
    releases the rest. LiveKit's ``NOT_GIVEN`` counts as an argument left out.
    """

    def __init__(
        self,
        *,
        ambient_sound: SoundSpec | None = None,
        thinking_sound: SoundSpec | None = None,
        tool_sound: SoundSpec | None = None,
        stream_timeout_ms: int = 200,
        ducking: Ducking | bool | None = True,
        thinking: CueOptions | None = None,
        tool: CueOptions | None = None,
        master_volume: float = 1.0,
        ambient_random_start: bool = False,
        seed: int | None = None,
        cache: ClipCache | None = None,
        track_name: str = "background_audio",
        sample_rate: int = 48000,
        num_channels: int = 1,
        frame_duration: float = 0.05,
    ) -> None:
        if stream_timeout_ms != _LIVEKIT_STREAM_TIMEOUT_MS:
            # LiveKit's mixer waits up to this long for each slow stream on every round, which
            # stalls the whole mix. roomtone's mix never waits: a slow iterator only starves its
            # own sound. There is nothing to set, and silently ignoring a value would mislead.
            raise ValueError(
                f"stream_timeout_ms={stream_timeout_ms!r} has no meaning in roomtone: the mix "
                "never waits for a slow stream (only that stream's sound has a gap), so there "
                "is no timeout to tune; remove the argument"
            )
        self._sounds = Sounds(
            ambient=coerce_spec(ambient_sound, "ambient_sound"),
            thinking=coerce_spec(thinking_sound, "thinking_sound"),
            tool=coerce_spec(tool_sound, "tool_sound"),
            ducking=Ducking() if ducking is True else (ducking or None),
            thinking_options=thinking or CueOptions(),
            tool_options=tool or CueOptions(),
            random_start=ambient_random_start,
            cache=cache,
        )
        self._master_volume = check_volume("master_volume", master_volume)
        self._rng = random.Random(seed)
        self.track_name = track_name
        self._format = (sample_rate, num_channels, frame_duration)
        self._reference = ReferenceTap()
        self._output: AudioOutput | None = None
        self._running: Session | None = None
        self._link: SessionLink | None = None
        self._close_error: Exception | None = None
        self._ended: Exception | None = None  # why the output stopped by itself, if it did
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self.ambient_handle: PlayHandle | None = None
        self.publication: Any = None
        self._closed = False
        self._lock = asyncio.Lock()

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        """True from a successful ``start()`` until ``aclose()`` or the output's end."""
        return self._running is not None and not self._closed and self._ended is None

    @property
    def output(self) -> AudioOutput | None:
        return self._output

    @property
    def error(self) -> Exception | None:
        """Why the output stopped (the room disconnected, the track was unpublished by someone
        else, a capture failed) or failed to close, if it did; ``None`` while all is well."""
        if self._close_error is not None:
            return self._close_error
        if self._ended is not None:
            return self._ended
        return self._output.error if self._output is not None else None

    @property
    def reference(self) -> ReferenceTap:
        """What the output really sent (``.subscribe(callback)``): an echo canceller's input."""
        return self._reference

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
    ) -> None:
        """Start mixing into ``room`` (a LiveKit room or any roomtone output) or ``output``.

        The ambient sound starts at once; ``start()`` raises if it cannot be opened. With an
        ``agent_session`` the thinking (and tool) sounds follow the agent's state. Everything
        is checked before the output starts (before a LiveKit track is published); if a later
        step fails, what was done is undone and ``start()`` may be called again.
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
            rate, channels, frame = self._format
            options = given(track_publish_options)
            request = OutputRequest(self.track_name, options, rate, channels, frame)
            target = resolve_target(given(room), given(output), request)
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
                self.ambient_handle = running.bed.handle
                self.publication = target.publication
                if agent_session is not None:
                    self._link = SessionLink(agent_session, self)
            except BaseException:
                await self._undo_start(target, running)
                raise

    async def _undo_start(self, target: AudioOutput, running: Session) -> None:
        """A failed ``start()``: stop and release what it began, so a retry starts clean."""
        target.on_stop(None)
        running.renderer.close()
        try:
            await close_output(target, _CLOSE_TIMEOUT)
        finally:
            await running.release("start() failed")
            self._output, self._running, self._link = None, None, None
            self.ambient_handle = self.publication = None
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

    async def aclose(self) -> None:
        """Stop and release the output; idempotent, never hangs, settles every handle; an
        output's I/O error is reported on ``error``, not raised."""
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._running is not None:
                self._running.renderer.close()  # silence from the next block: no window
            if self._link is not None:
                self._link.detach()
            try:
                if self._output is not None:
                    self._output.on_stop(None)
                    self._close_error = await close_output(self._output, _CLOSE_TIMEOUT)
            finally:
                if self._running is not None:
                    await self._running.release("the player closed")

    # -- playing --------------------------------------------------------------------------------
    def play(self, audio: SoundSpec | None, *, loop: bool = False) -> PlayHandle:
        """Play a sound once (or looping); returns a handle to await, stop or re-level it.

        ``None`` (as for LiveKit's player) plays nothing: the handle is already done.
        """
        voices = self._live().voices
        spec = coerce_spec(audio, "audio")
        if spec is None:
            return PlayHandle.finished()
        config = choose(spec, self._rng)
        return PlayHandle.finished() if config is None else voices.play(config, loop=loop)

    # -- state (called by session links and framework integrations) -----------------------------
    def set_agent_state(self, state: AgentState) -> None:
        """Tell the player the agent's state ("thinking", "speaking", ...) yourself."""
        checked = check_agent_state(state)
        if (running := self._mixing()) is not None:
            running.cues.set_agent_state(checked)

    def set_user_state(self, state: UserState) -> None:
        """Tell the player the user's state ("speaking", "listening" or "away")."""
        checked = check_user_state(state)
        if (running := self._mixing()) is not None:
            running.cues.set_user_state(checked)

    def set_tools_running(self, running: bool) -> None:
        """Whether any tool call is in progress (drives ``tool_sound``)."""
        if (live := self._mixing()) is not None:
            live.cues.set_tools_running(bool(running))

    # -- live control ---------------------------------------------------------------------------
    @property
    def master_volume(self) -> float:
        """The whole-mix level the player is at or ramping to."""
        return self._master_volume

    @property
    def ambient_sound(self) -> list[AudioConfig] | AudioConfig | None:
        """The current ambient specification (after ``set_ambient``)."""
        return self._running.bed.spec if self._running is not None else self._sounds.ambient

    def set_master_volume(self, volume: float, ramp: float = 0.1) -> None:
        """Scale the whole mix, ramped over ``ramp`` seconds."""
        level = check_volume("volume", volume)
        if (running := self._mixing()) is None:
            return
        mixer = running.mixer
        self._master_volume = level
        frames = mixer.format.frames(max(ramp, DECLICK_SECONDS))
        mixer.submit(lambda: mixer.master.set(level, frames))

    def pause_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed out and hold its place."""
        if (running := self._mixing()) is not None:
            running.bed.pause(fade)

    def resume_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed back in where it paused."""
        if (running := self._mixing()) is not None:
            running.bed.resume(fade)

    def set_ambient(self, sound: SoundSpec | None, crossfade: float = 2.0) -> PlayHandle | None:
        """Replace the ambient bed, crossfading over ``crossfade`` seconds (a scene change).

        The new sound is opened first: a missing file raises and the current bed plays on.
        """
        bed = self._live().bed
        self.ambient_handle = bed.replace(sound, crossfade)
        return self.ambient_handle

    def set_ambient_loop(self, loop: bool) -> None:
        """Keep looping the ambient bed, or let it play to its end and stop."""
        if (running := self._mixing()) is not None:
            running.bed.set_loop(loop)
