"""BackgroundAudioPlayer: the LiveKit API, on roomtone's engine, for any output.

A thin facade: it checks what users pass, runs the lifecycle and hands the rest on. A
session (``session.py``) is built at ``start()``: the renderer outputs pull from
(``renderer.py``), the cue policy that follows agent and tool state (``cues.py``), the bed
(``ambience.py``), the voice maker (``voices.py``) and the completions that settle handles
once heard (``completions.py``). All public calls are event-loop only.
"""

from __future__ import annotations

import asyncio
import random
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
from roomtone.player.selection import choose, coerce_spec
from roomtone.player.session import Session, Sounds, close_output, resolve_target
from roomtone.player.session_link import SessionLink
from roomtone.registry import OutputRequest
from roomtone.sources.cache import ClipCache

__all__ = ["BackgroundAudioPlayer"]

_CLOSE_TIMEOUT = 2.0


class BackgroundAudioPlayer:
    """Ambient, thinking and tool sounds plus on-demand playback, mixed live into one output.

    Drop-in for ``livekit.agents.BackgroundAudioPlayer``; the keyword-only extras are roomtone's:
    ``tool_sound`` (plays while tools run), ``ducking`` (``True`` for the defaults, ``False`` or
    ``None`` for off, or a :class:`Ducking`), ``thinking``/``tool`` cue timing
    (:class:`CueOptions`), ``master_volume``, ``ambient_random_start`` and ``seed`` (for
    reproducible draws). ``sample_rate``, ``num_channels`` and ``frame_duration`` apply when
    ``start()`` is given a LiveKit room; other outputs carry their own format. ``error`` holds
    what stopped the output, if anything did (the player itself goes on and closes cleanly).
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
        if stream_timeout_ms < 0:
            raise ValueError(f"stream_timeout_ms must be >= 0, got {stream_timeout_ms}")
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
        self.ambient_handle: PlayHandle | None = None
        self.publication: Any = None
        self._closed = False
        self._lock = asyncio.Lock()

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._running is not None and not self._closed

    @property
    def output(self) -> AudioOutput | None:
        return self._output

    @property
    def error(self) -> Exception | None:
        """Why the output stopped or failed to close, if it did; ``None`` while all is well."""
        if self._close_error is not None:
            return self._close_error
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
        return self._running

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
        ``agent_session`` the thinking (and tool) sounds follow the agent's state.
        """
        async with self._lock:
            if self._closed:
                raise PlayerStateError(
                    "this BackgroundAudioPlayer was closed and cannot restart; "
                    "create a new BackgroundAudioPlayer instance"
                )
            if self._running is not None:
                raise PlayerStateError("BackgroundAudioPlayer.start() was already called")
            rate, channels, frame = self._format
            request = OutputRequest(self.track_name, track_publish_options, rate, channels, frame)
            target = resolve_target(room, output, request)
            running = await Session.open(
                target,
                self._sounds,
                self._rng,
                master_volume=self._master_volume,
                reference=self._reference,
            )
            self._output = target
            try:
                await target.start(running.renderer)
            except BaseException:
                self._output = None
                await running.release()
                raise
            self._running = running
            self.ambient_handle = running.bed.handle
            self.publication = target.publication
            if agent_session is not None:
                self._link = SessionLink(agent_session, self)

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
                    self._close_error = await close_output(self._output, _CLOSE_TIMEOUT)
            finally:
                if self._running is not None:
                    await self._running.release()

    # -- playing --------------------------------------------------------------------------------
    def play(self, audio: SoundSpec, *, loop: bool = False) -> PlayHandle:
        """Play a sound once (or looping); returns a handle to await, stop or re-level it."""
        voices = self._live().voices
        spec = coerce_spec(audio, "audio")
        assert spec is not None
        config = choose(spec, self._rng)
        return PlayHandle.finished() if config is None else voices.play(config, loop=loop)

    # -- state (called by session links and framework integrations) -----------------------------
    def set_agent_state(self, state: AgentState) -> None:
        """Tell the player the agent's state ("thinking", "speaking", ...) yourself."""
        checked = check_agent_state(state)
        self._live().cues.set_agent_state(checked)

    def set_user_state(self, state: UserState) -> None:
        """Tell the player the user's state ("speaking", "listening" or "away")."""
        checked = check_user_state(state)
        self._live().cues.set_user_state(checked)

    def set_tools_running(self, running: bool) -> None:
        """Whether any tool call is in progress (drives ``tool_sound``)."""
        self._live().cues.set_tools_running(bool(running))

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
        mixer = self._live().mixer
        level = check_volume("volume", volume)
        self._master_volume = level
        frames = mixer.format.frames(max(ramp, DECLICK_SECONDS))
        mixer.submit(lambda: mixer.master.set(level, frames))

    def pause_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed out and hold its place."""
        self._live().bed.pause(fade)

    def resume_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed back in where it paused."""
        self._live().bed.resume(fade)

    def set_ambient(self, sound: SoundSpec | None, crossfade: float = 2.0) -> PlayHandle | None:
        """Replace the ambient bed, crossfading over ``crossfade`` seconds (a scene change).

        The new sound is opened first: a missing file raises and the current bed plays on.
        """
        bed = self._live().bed
        self.ambient_handle = bed.replace(sound, crossfade)
        return self.ambient_handle

    def set_ambient_loop(self, loop: bool) -> None:
        """Keep looping the ambient bed, or let it play to its end and stop."""
        self._live().bed.set_loop(loop)
