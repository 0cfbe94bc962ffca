"""BackgroundAudioPlayer: the LiveKit API, on roomtone's engine, for any output.

The player is policy: it picks sounds, follows the agent's state and turns both into commands
for the mixer. The mixer (render thread) owns the voices; the output pulls blocks from the
player, which also settles ``PlayHandle`` objects once their last frame has been delivered.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from typing import Any

from roomtone.config import AudioConfig, SoundSpec
from roomtone.engine.cue import CueController, CueOptions
from roomtone.engine.ducker import Ducking
from roomtone.engine.mixer import Mixer
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.voice import DECLICK_SECONDS, Bus, Voice
from roomtone.errors import PlayerStateError, SourceError
from roomtone.outputs.base import AudioOutput
from roomtone.player.handle import PlayHandle
from roomtone.player.not_given import given
from roomtone.player.opener import SoundOpener
from roomtone.player.selection import choose, coerce_spec, is_stream
from roomtone.player.session_link import SessionLink
from roomtone.sources.cache import ClipCache
from roomtone.sources.clip import FloatArray

__all__ = ["BackgroundAudioPlayer", "looks_like_livekit_room"]

logger = logging.getLogger("roomtone")

_CLOSE_TIMEOUT = 2.0


def looks_like_livekit_room(target: Any) -> bool:
    """An ``rtc.Room`` (also the console's autospec mock, whose ``__class__`` is rtc.Room) or
    anything that can publish a track; decided without importing livekit."""
    module = getattr(getattr(target, "__class__", type(target)), "__module__", "") or ""
    if module.startswith("livekit."):
        return True
    participant = getattr(target, "local_participant", None)
    return callable(getattr(participant, "publish_track", None))


class BackgroundAudioPlayer:
    """Ambient, thinking and tool sounds plus on-demand playback, mixed live into one output.

    Drop-in for ``livekit.agents.BackgroundAudioPlayer``; the keyword-only extras are roomtone's:
    ``tool_sound`` (plays while tools run), ``ducking`` (``True`` for the defaults, ``False`` or
    ``None`` for off, or a :class:`Ducking`), ``thinking``/``tool`` cue timing
    (:class:`CueOptions`), ``master_volume``, ``ambient_random_start`` and ``seed`` (for
    reproducible draws). ``sample_rate``, ``num_channels`` and ``frame_duration`` apply when
    ``start()`` is given a LiveKit room; other outputs carry their own format.
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
        self._ambient = coerce_spec(ambient_sound, "ambient_sound")
        self._thinking_sound = coerce_spec(thinking_sound, "thinking_sound")
        self._tool_sound = coerce_spec(tool_sound, "tool_sound")
        if stream_timeout_ms < 0:
            raise ValueError(f"stream_timeout_ms must be >= 0, got {stream_timeout_ms}")
        self._ducking = Ducking() if ducking is True else (ducking or None)
        self._thinking_options = thinking or CueOptions()
        self._tool_options = tool or CueOptions()
        self._master_volume = AudioConfig("", volume=master_volume).volume
        self._random_start = ambient_random_start
        self._rng = random.Random(seed)
        self._cache = cache
        self.track_name = track_name
        self._lk_format = (sample_rate, num_channels, frame_duration)
        self._output: AudioOutput | None = None
        self._mixer: Mixer | None = None
        self._opener: SoundOpener | None = None
        self._link: SessionLink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._pending: list[tuple[int, PlayHandle, SourceError | None]] = []
        self._handles: set[PlayHandle] = set()
        self._ambient_voice: Voice | None = None
        self.ambient_handle: PlayHandle | None = None
        self.publication: Any = None
        self._closed = False
        self._ended: Exception | None = None  # why the output stopped by itself, if it did
        self._lock = asyncio.Lock()
        # What the session said last, and which cue that turned on.
        self._agent_state = "initializing"
        self._tools_running = False
        self._thinking_on = False
        self._tool_on = False

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        """True from a successful ``start()`` until ``aclose()`` or the output's end."""
        return self._mixer is not None and not self._closed and self._ended is None

    @property
    def output(self) -> AudioOutput | None:
        return self._output

    @property
    def error(self) -> Exception | None:
        """Why the output stopped by itself (the room disconnected, the track was unpublished
        by someone else, a capture failed); ``None`` while all is well."""
        return self._ended

    @property
    def mixer(self) -> Mixer:
        if self._mixer is None or self._closed:
            raise PlayerStateError(
                "BackgroundAudioPlayer is not started; await player.start(...) first"
                if not self._closed
                else "BackgroundAudioPlayer is closed; create a new instance to play again"
            )
        if self._ended is not None:
            raise PlayerStateError(
                f"BackgroundAudioPlayer stopped: {self._ended}. Nothing plays any more; "
                "aclose() it, and start a new player to play again"
            )
        return self._mixer

    def _mixing(self) -> bool:
        """False once the output has stopped by itself: state and level calls are dropped."""
        if self._ended is not None and not self._closed:
            logger.debug("roomtone: ignored, the player stopped: %s", self._ended)
            return False
        return True

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
        is checked before the output starts (a LiveKit track is published); if a later step
        fails, what was done is undone and ``start()`` may be called again. LiveKit's
        ``NOT_GIVEN`` counts as an argument left out.
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
            if self._mixer is not None:
                raise PlayerStateError("BackgroundAudioPlayer.start() was already called")
            agent_session = given(agent_session)
            if agent_session is not None:
                SessionLink.check(agent_session)
            target = self._resolve_output(given(room), given(output), given(track_publish_options))
            self._loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
            try:
                mixer = await self._prepare(target)
                self._mixer, self._output = mixer, target
                target.on_stop(self._output_stopped)
                await target.start(self)
                self.publication = getattr(target, "publication", None)
                if agent_session is not None:
                    self._link = SessionLink(agent_session, self)
            except BaseException:
                await self._undo_start(target)
                raise

    async def _prepare(self, target: AudioOutput) -> Mixer:
        """The mix for ``target``'s format, with its sounds opened; nothing renders yet."""
        mixer = Mixer(
            target.format,
            ducking=self._ducking,
            thinking=self._thinking_options,
            tool=self._tool_options,
            master_volume=self._master_volume,
        )
        self._opener = SoundOpener(target.format, self._cache)
        await self._prepare_cues()
        if self._ambient is not None:
            config = choose(self._ambient, self._rng)
            if config is not None:
                self._ambient_voice, self.ambient_handle = await self._open_ambient(config)
                mixer.add_voice(self._ambient_voice)
        return mixer

    async def _undo_start(self, target: AudioOutput) -> None:
        """A failed ``start()``: stop and release what it began, so a retry starts clean."""
        target.on_stop(None)
        if self._output is target:
            try:
                await asyncio.wait_for(target.aclose(), _CLOSE_TIMEOUT)
            except Exception:
                logger.warning("roomtone: undoing a failed start: output did not close cleanly")
        if self._opener is not None:
            await self._opener.aclose()
        for handle in list(self._handles):
            handle._mark_done(reason="start() failed")
        self._handles.clear()
        self._pending.clear()
        self._mixer = self._output = self._opener = self._link = None
        self._ambient_voice = self.ambient_handle = self.publication = None
        self._ended = None

    def _resolve_output(self, room: Any, output: AudioOutput | None, options: Any) -> AudioOutput:
        if room is not None and output is not None and room is not output:
            raise ValueError("pass either room= or output=, not both")
        target = output if output is not None else room
        if isinstance(target, AudioOutput):
            return target
        if target is None:
            raise TypeError("start() needs room= (a LiveKit rtc.Room or a roomtone output)")
        if looks_like_livekit_room(target):
            from roomtone.integrations.livekit import output_for_room

            rate, channels, frame = self._lk_format
            room_output: AudioOutput = output_for_room(
                target,
                track_name=self.track_name,
                publish_options=options,
                sample_rate=rate,
                num_channels=channels,
                frame_duration=frame,
            )
            return room_output
        raise TypeError(
            f"room must be a LiveKit rtc.Room or a roomtone.outputs.AudioOutput, "
            f"got {type(target).__name__}"
        )

    async def _prepare_cues(self) -> None:
        """Check cue files now (a missing file fails start) and warm the decode cache."""
        assert self._opener is not None
        for spec in (self._thinking_sound, self._tool_sound):
            configs = spec if isinstance(spec, list) else [spec] if spec else []
            for config in configs:
                if not is_stream(config.source):
                    self._opener.clip(config)

    async def _open_ambient(self, config: AudioConfig) -> tuple[Voice, PlayHandle]:
        assert self._opener is not None
        loop = not is_stream(config.source)
        rng = self._rng if self._random_start else None
        if loop:
            clip = self._opener.clip(config)
            # Wait (off the event loop) for the first audio, or the whole clip for a random start.
            wanted = clip.format.frames(0.5) if rng is None else 1 << 62
            await asyncio.to_thread(clip.wait, wanted, 30.0)
            if clip.error is not None:
                raise clip.error
        playback = self._opener.open(config, loop=loop, start_at_random=rng)
        return self._make_voice(config, playback, Bus.BED)

    async def aclose(self) -> None:
        """Stop everything and release the output; safe to call twice, never hangs."""
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._link is not None:
                self._link.detach()
            output, self._output = self._output, None
            if output is not None:
                output.on_stop(None)
                try:
                    await asyncio.wait_for(output.aclose(), _CLOSE_TIMEOUT)
                except asyncio.TimeoutError:
                    logger.warning("roomtone: output did not close within %.1f s", _CLOSE_TIMEOUT)
            if self._opener is not None:
                await self._opener.aclose()
            self._settle_all("the player closed")

    def _settle_all(self, reason: str) -> None:
        """Every handle settles now, heard or not, saying why (loop)."""
        for _, handle, error in self._pending:
            self._handles.discard(handle)
            handle._mark_done(error, reason)
        self._pending.clear()
        for handle in list(self._handles):
            handle._mark_done(reason=reason)
        self._handles.clear()

    def _output_stopped(self, reason: Exception) -> None:
        """The output stopped by itself for good (may be called on the render thread)."""
        if threading.get_ident() == self._loop_thread:
            self._end(reason)
        elif self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._end, reason)

    def _end(self, reason: Exception) -> None:
        """Nothing will be heard any more: stop following the session, settle every handle,
        and make ``play()`` say why. ``aclose()`` still releases the rest."""
        if self._closed or self._ended is not None:
            return
        self._ended = reason
        if self._link is not None:
            self._link.detach()
        self._settle_all(str(reason))

    # -- rendering (called by the output) -------------------------------------------------------
    def render(self, n: int) -> FloatArray:
        mixer = self._mixer
        if mixer is None or self._closed:
            return self.mixer.render(n)  # raises the state error
        block = mixer.render(n)
        if self._pending:
            self._settle_soon()
        return block

    def prepare(self, n: int) -> bool:
        """Apply queued changes; True when the next ``n`` frames need no waiting (offline)."""
        mixer = self.mixer
        mixer.apply_commands()
        return mixer.ready(n)

    def _settle_soon(self) -> None:
        if threading.get_ident() == self._loop_thread:
            self._settle()
        elif self._loop is not None:
            self._loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        output = self._output
        delivered = output.delivered_frames() if output is not None else 1 << 62
        still: list[tuple[int, PlayHandle, SourceError | None]] = []
        for end, handle, error in self._pending:
            if end <= delivered or self._closed:
                self._handles.discard(handle)
                handle._mark_done(error)
                if error is not None:
                    logger.warning("roomtone: %s", error)
            else:
                still.append((end, handle, error))
        self._pending = still

    # -- playing --------------------------------------------------------------------------------
    def _make_voice(self, config: AudioConfig, playback: Any, bus: Bus) -> tuple[Voice, PlayHandle]:
        assert self._opener is not None
        fmt = self._opener.format
        handle_ref: list[PlayHandle] = []

        def finished(voice: Voice, end: int) -> None:
            self._pending.append((end, handle_ref[0], voice.error))

        voice = Voice(
            playback,
            volume=config.volume,
            fade_in=fmt.frames(config.fade_in),
            bus=bus,
            declick=fmt.frames(DECLICK_SECONDS),
            on_finish=finished,
        )
        fade_out = fmt.frames(config.fade_out)
        handle = PlayHandle(
            stop=lambda: self._submit(lambda: voice.stop(fade_out)),
            set_volume=lambda v, ramp: self._submit(lambda: voice.set_volume(v, fmt.frames(ramp))),
        )
        handle_ref.append(handle)
        self._handles.add(handle)
        return voice, handle

    def _submit(self, command: Any) -> None:
        if self._mixer is not None and not self._closed and self._ended is None:
            self._mixer.submit(command)

    def play(self, audio: SoundSpec | None, *, loop: bool = False) -> PlayHandle:
        """Play a sound once (or looping); returns a handle to await, stop or re-level it.

        ``None`` (as for LiveKit's player) plays nothing: the handle is already done.
        """
        mixer = self.mixer
        spec = coerce_spec(audio, "audio")
        if spec is None:
            return PlayHandle.finished()
        config = choose(spec, self._rng)
        if config is None:
            return PlayHandle.finished()
        assert self._opener is not None
        playback = self._opener.open(config, loop=loop)
        voice, handle = self._make_voice(config, playback, Bus.EFFECTS)
        mixer.submit(lambda: mixer.add_voice(voice))
        return handle

    # -- state (called by session links and framework integrations) -----------------------------
    def _cue_factory(self, spec: list[AudioConfig] | AudioConfig, options: CueOptions) -> Any:
        """Draw the cue's sound now (per thought) and open it, so decoding overlaps the delay."""
        config = choose(spec, self._rng)
        if config is None:
            return lambda fade_in: None
        assert self._opener is not None
        try:
            playback = self._opener.open(config, loop=options.loop)
        except SourceError as exc:
            logger.warning("roomtone: cue sound unavailable: %s", exc)
            return lambda fade_in: None
        fmt = self.mixer.format

        def make(fade_in: int) -> Voice:
            return Voice(
                playback,
                volume=config.volume,
                fade_in=max(fade_in, fmt.frames(config.fade_in)),
                bus=Bus.BED,
                declick=fmt.frames(DECLICK_SECONDS),
            )

        return make

    def _set_cue(
        self, cue: CueController, spec: Any, options: CueOptions, on: bool, handover: bool
    ) -> None:
        mixer = self.mixer
        if spec is None:
            return
        if on:
            factory = self._cue_factory(spec, options)
            mixer.submit(lambda: cue.activate(mixer.position, factory, skip_delay=handover))
        else:
            mixer.submit(lambda: cue.deactivate(mixer.position))

    def set_agent_state(self, state: str) -> None:
        """Tell the player the agent's state ("thinking", "speaking", ...) yourself."""
        if not self._mixing():
            return
        mixer = self.mixer
        self._agent_state = state
        self._update_cues()
        speaking = state == "speaking"
        mixer.submit(lambda: setattr(mixer.ducker, "agent_speaking", speaking))

    def set_user_state(self, state: str) -> None:
        if not self._mixing():
            return
        mixer = self.mixer
        speaking = state == "speaking"
        mixer.submit(lambda: setattr(mixer.ducker, "user_speaking", speaking))

    def set_tools_running(self, running: bool) -> None:
        """Whether any tool call is in progress (drives ``tool_sound``)."""
        if not self._mixing():
            return
        self._tools_running = running
        self._update_cues()

    def _update_cues(self) -> None:
        mixer = self.mixer
        tool_on = self._tools_running and self._tool_sound is not None
        thinking_on = self._agent_state == "thinking" and not tool_on
        # Thinking handing over to a tool (or back) is one busy stretch: no second delay.
        handover = tool_on != self._tool_on and thinking_on != self._thinking_on
        if tool_on != self._tool_on:
            self._tool_on = tool_on
            self._set_cue(mixer.tool, self._tool_sound, self._tool_options, tool_on, handover)
        if thinking_on != self._thinking_on:
            self._thinking_on = thinking_on
            self._set_cue(
                mixer.thinking, self._thinking_sound, self._thinking_options, thinking_on, handover
            )

    # -- live control ---------------------------------------------------------------------------
    @property
    def master_volume(self) -> float:
        """The whole-mix level the player is at or ramping to."""
        return self._master_volume

    @property
    def ambient_sound(self) -> list[AudioConfig] | AudioConfig | None:
        """The current ambient specification (after ``set_ambient``)."""
        return self._ambient

    def set_master_volume(self, volume: float, ramp: float = 0.1) -> None:
        """Scale the whole mix, ramped over ``ramp`` seconds."""
        if not self._mixing():
            return
        mixer = self.mixer
        level = AudioConfig("", volume=volume).volume
        self._master_volume = level
        frames = mixer.format.frames(max(ramp, DECLICK_SECONDS))
        mixer.submit(lambda: mixer.master.set(level, frames))

    def pause_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed out and hold its place."""
        if not self._mixing():
            return
        voice, mixer = self._ambient_voice, self.mixer
        if voice is not None:
            mixer.submit(lambda: voice.pause(mixer.format.frames(fade)))

    def resume_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed back in where it paused."""
        if not self._mixing():
            return
        voice, mixer = self._ambient_voice, self.mixer
        if voice is not None:
            mixer.submit(lambda: voice.resume(mixer.format.frames(fade)))

    def set_ambient(self, sound: SoundSpec | None, crossfade: float = 2.0) -> PlayHandle | None:
        """Replace the ambient bed, crossfading over ``crossfade`` seconds (a scene change).

        The new sound is opened first: a missing file raises and the current bed plays on.
        """
        mixer = self.mixer
        spec = coerce_spec(sound, "sound")
        config = choose(spec, self._rng) if spec is not None else None
        assert self._opener is not None
        playback = None
        if config is not None:
            playback = self._opener.open(config, loop=not is_stream(config.source))
        old = self._ambient_voice
        frames = mixer.format.frames(crossfade)
        if old is not None:
            mixer.submit(lambda: old.stop(frames))
        self._ambient, self._ambient_voice, self.ambient_handle = spec, None, None
        if config is None or playback is None:
            return None
        faded = AudioConfig(
            config.source, volume=config.volume, fade_in=max(config.fade_in, crossfade)
        )
        voice, handle = self._make_voice(faded, playback, Bus.BED)
        mixer.submit(lambda: mixer.add_voice(voice))
        self._ambient_voice, self.ambient_handle = voice, handle
        return handle

    def set_ambient_loop(self, loop: bool) -> None:
        """Keep looping the ambient bed, or let it play to its end and stop."""
        if not self._mixing():
            return
        voice, mixer = self._ambient_voice, self.mixer
        if voice is not None and isinstance(voice.playback, ClipPlayback):
            playback = voice.playback
            mixer.submit(lambda: setattr(playback, "loop", loop))
