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
from collections.abc import Callable, Iterable
from typing import Any, Literal

from roomtone.config import AudioConfig, SoundSpec, check_seconds, check_volume
from roomtone.engine.cue import CueOptions
from roomtone.engine.ducker import Ducking
from roomtone.engine.voice import DECLICK_SECONDS
from roomtone.errors import PlayerStateError
from roomtone.outputs.base import AudioOutput
from roomtone.outputs.reference import ReferenceTap
from roomtone.player.call_api import CallControls
from roomtone.player.handle import PlayHandle
from roomtone.player.not_given import given
from roomtone.player.selection import choose, coerce_spec, cue_spec
from roomtone.player.session import Session, Sounds, close_output, resolve_target
from roomtone.player.session_link import SessionLink
from roomtone.player.tool_sounds import DEFAULT_CALL_CONTROL_TOOLS, ToolSounds, ToolSoundSpec
from roomtone.registry import OutputRequest, install_echo_canceller
from roomtone.sources.cache import ClipCache

__all__ = ["BackgroundAudioPlayer"]

logger = logging.getLogger("roomtone")

_CLOSE_TIMEOUT = 2.0
_LIVEKIT_STREAM_TIMEOUT_MS = 200  # livekit-agents' default: accepted, as forwarding code passes it


class BackgroundAudioPlayer(CallControls):
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
    The call's shape, from ``call_control_tools`` to ``infer_wait``: see :class:`CallControls`.
    """

    def __init__(
        self,
        *,
        ambient_sound: SoundSpec | None = None,
        thinking_sound: SoundSpec | None = None,
        tool_sound: ToolSoundSpec | None = None,
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
        call_control_tools: Iterable[str] = DEFAULT_CALL_CONTROL_TOOLS,
        give_up_sound: SoundSpec | None = None,
        opening_sound: SoundSpec | None = None,
        ambient_mode: Literal["duck", "gaps"] = "duck",
        infer_wait: bool | None = None,
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
            thinking=cue_spec(thinking_sound, "thinking_sound"),
            tools=ToolSounds(tool_sound, call_control_tools),
            give_up=coerce_spec(give_up_sound, "give_up_sound"),
            opening=coerce_spec(opening_sound, "opening_sound"),
            ambient_mode=ambient_mode,
            infer_wait=infer_wait,
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
        self._starting: asyncio.Task[None] | None = None  # start()'s steps, while they run
        self._echo_off: Callable[[], None] | None = None  # undoes cancel_echo=True
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
            self.ambient_handle = running.bed.handle
            self.publication = target.publication
            if agent_session is not None:
                self._link = running.flow.follow(SessionLink(agent_session, self))
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
        output's I/O error is reported on ``error``, not raised. A ``start()`` still running
        (publishing, decoding) is cancelled and undone rather than waited for."""
        starting = self._starting
        if starting is not None and not starting.done():
            self._closed = True
            starting.cancel()
        async with self._lock:
            if self._closed and (starting is None or self._output is None):
                return  # closed before, or a cancelled start() already undid everything
            self._closed = True
            if self._running is not None:
                self._running.renderer.close()  # silence from the next block: no window
            if self._link is not None:
                self._link.detach()
            self._stop_echo_cancelling()
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
        ramp = check_seconds("ramp", ramp)
        if (running := self._mixing()) is None:
            return
        mixer = running.mixer
        self._master_volume = level
        frames = mixer.format.frames(max(ramp, DECLICK_SECONDS))
        mixer.submit(lambda: mixer.master.set(level, frames))

    def set_ambient(self, sound: SoundSpec | None, crossfade: float = 2.0) -> PlayHandle | None:
        """Replace the ambient bed, crossfading over ``crossfade`` seconds (a scene change).

        The new sound is opened first: a missing file raises and the current bed plays on.
        """
        crossfade = check_seconds("crossfade", crossfade)
        bed = self._live().bed
        self.ambient_handle = bed.replace(sound, crossfade)
        return self.ambient_handle

    def set_ambient_loop(self, loop: bool) -> None:
        """Keep looping the ambient bed, or let it play to its end and stop."""
        if (running := self._mixing()) is not None:
            running.bed.set_loop(loop)
