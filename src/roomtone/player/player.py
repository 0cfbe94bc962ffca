"""BackgroundAudioPlayer: the LiveKit API, on roomtone's engine, for any output.

The player is policy: it picks sounds, follows the agent's state and turns both into commands
for the mixer. The mixer (render thread) owns the voices; the output pulls blocks from the
player, which also settles ``PlayHandle`` objects once their last frame has been delivered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from roomtone.config import AudioConfig, SoundSpec
from roomtone.engine.cue import CueOptions
from roomtone.engine.ducker import Ducking
from roomtone.engine.mixer import Mixer
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.voice import DECLICK_SECONDS, Bus, Voice
from roomtone.errors import PlayerStateError, SourceError
from roomtone.outputs.base import AudioOutput
from roomtone.player.call_cues import CallCues
from roomtone.player.call_flow import BedPauses, CallFlow
from roomtone.player.call_state import CallState
from roomtone.player.handle import PlayHandle
from roomtone.player.hold import HoldMusic
from roomtone.player.opener import SoundOpener
from roomtone.player.selection import choose, coerce_spec, is_stream
from roomtone.player.session_link import SessionLink
from roomtone.player.tool_sounds import DEFAULT_CALL_CONTROL_TOOLS, ToolSounds, ToolSoundSpec
from roomtone.sources.cache import ClipCache
from roomtone.sources.clip import FloatArray

__all__ = ["BackgroundAudioPlayer", "looks_like_livekit_room"]

logger = logging.getLogger("roomtone")

_CLOSE_TIMEOUT = 2.0
OPENING_CUT_FADE = 0.3
"""Seconds over which the opening cue fades when speech cuts it (unless it sets a fade_out)."""
AMBIENT_MODES = ("duck", "gaps")


def _check_fade(fade: float) -> None:
    if isinstance(fade, bool) or not isinstance(fade, (int, float)) or not 0.0 <= fade <= 60.0:
        raise ValueError(f"fade must be between 0 and 60 seconds, got {fade!r}")


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

    The call's shape (``docs/call-flow.md``): ``tool_sound`` may map tool names to sounds
    (``"*"`` for the rest) or be a function of the name, and plays only while the agent is
    silent; ``call_control_tools`` (transfers, hang-ups) play nothing; a cue with
    ``CueOptions(max_play=...)`` gives up, handing over to ``give_up_sound`` if set;
    ``opening_sound`` plays once at start until anyone speaks; ``ambient_mode="gaps"`` fades
    the bed out under the agent's speech instead of ducking it; ``infer_wait`` plays the
    thinking sound from the user's end of turn to the agent's first audio, for models with no
    thinking state (``None``: when the session runs a realtime model). See also ``hold()``,
    ``unhold()``, ``play_closing()`` and ``play_transfer()``.
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
        self._ambient = coerce_spec(ambient_sound, "ambient_sound")
        self._thinking_sound = coerce_spec(thinking_sound, "thinking_sound")
        self._tool_sounds = ToolSounds(tool_sound, call_control_tools)
        self._give_up_sound = coerce_spec(give_up_sound, "give_up_sound")
        self._opening = coerce_spec(opening_sound, "opening_sound")
        if ambient_mode not in AMBIENT_MODES:
            raise ValueError(
                f"ambient_mode must be one of {', '.join(AMBIENT_MODES)}, got {ambient_mode!r}"
            )
        self._ambient_mode = ambient_mode
        self._infer_wait = infer_wait
        self._state = CallState(self._tool_sounds, infer_wait=bool(infer_wait))
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
        self._lock = asyncio.Lock()
        self._flow: CallFlow | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._mixer is not None and not self._closed

    @property
    def output(self) -> AudioOutput | None:
        return self._output

    @property
    def mixer(self) -> Mixer:
        if self._mixer is None or self._closed:
            raise PlayerStateError(
                "BackgroundAudioPlayer is not started; await player.start(...) first"
                if not self._closed
                else "BackgroundAudioPlayer is closed; create a new instance to play again"
            )
        return self._mixer

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
            if self._mixer is not None:
                raise PlayerStateError("BackgroundAudioPlayer.start() was already called")
            target = self._resolve_output(room, output, track_publish_options)
            self._loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
            mixer = Mixer(
                target.format,
                ducking=self._ducking,
                thinking=self._thinking_options,
                tool=self._tool_options,
                master_volume=self._master_volume,
            )
            self._opener = SoundOpener(target.format, self._cache)
            cues = CallCues(
                mixer,
                self._cue_factory,
                self._state,
                thinking_sound=self._thinking_sound,
                thinking=self._thinking_options,
                tool=self._tool_options,
                give_up_sound=self._give_up_sound,
            )
            self._flow = CallFlow(
                self._state,
                cues,
                HoldMusic(self._opener, mixer),
                BedPauses(self._pause_bed, self._resume_bed),
                gaps=(self._ducking or Ducking()) if self._ambient_mode == "gaps" else None,
            )
            await self._prepare_cues()
            if self._ambient is not None:
                config = choose(self._ambient, self._rng)
                if config is not None:
                    self._ambient_voice, self.ambient_handle = await self._open_ambient(config)
                    mixer.add_voice(self._ambient_voice)
            self._mixer = mixer
            self._output = target
            self._start_opening()
            try:
                await target.start(self)
            except BaseException:
                self._mixer = None
                raise
            self.publication = getattr(target, "publication", None)
            if agent_session is not None:
                self._link = SessionLink(agent_session, self)
                self._flow.session = self._link
                if self._infer_wait is None:
                    self._state.infer_wait = self._link.realtime

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
        for spec in (self._thinking_sound, self._give_up_sound, *self._tool_sounds.fixed()):
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
                try:
                    await asyncio.wait_for(output.aclose(), _CLOSE_TIMEOUT)
                except asyncio.TimeoutError:
                    logger.warning("roomtone: output did not close within %.1f s", _CLOSE_TIMEOUT)
            if self._opener is not None:
                await self._opener.aclose()
            for handle in list(self._handles):
                handle._mark_done()
            self._handles.clear()
            self._pending.clear()

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
        if self._mixer is not None and not self._closed:
            self._mixer.submit(command)

    def play(self, audio: SoundSpec, *, loop: bool = False) -> PlayHandle:
        """Play a sound once (or looping); returns a handle to await, stop or re-level it."""
        mixer = self.mixer
        spec = coerce_spec(audio, "audio")
        assert spec is not None
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

    def set_agent_state(self, state: str) -> None:
        """Tell the player the agent's state ("thinking", "speaking", ...) yourself."""
        mixer = self.mixer
        self._state.set_agent_state(state)
        self._changed()
        speaking = state == "speaking"
        mixer.submit(lambda: setattr(mixer.ducker, "agent_speaking", speaking))

    def set_user_state(self, state: str) -> None:
        mixer = self.mixer
        self._state.set_user_state(state)
        self._changed()
        speaking = state == "speaking"
        mixer.submit(lambda: setattr(mixer.ducker, "user_speaking", speaking))

    def set_tools_running(self, running: bool) -> None:
        """Whether any tool call is in progress (drives ``tool_sound``), for unnamed tools."""
        self._state.set_tools_running(running)
        self._changed()

    def set_running_tools(self, tools: Mapping[str, str]) -> None:
        """The tool calls in progress, call id -> tool name (what session links report)."""
        self._state.set_tools(dict(tools))
        self._changed()

    def tool_started(self, call_id: str, name: str) -> None:
        """A call of the tool ``name`` started; its sound is picked by name."""
        self._state.tool_started(call_id, name)
        self._changed()

    def tool_ended(self, call_id: str) -> None:
        self._state.tool_ended(call_id)
        self._changed()

    def _changed(self) -> None:
        self._call_flow().changed()

    def _call_flow(self) -> CallFlow:
        self.mixer  # noqa: B018 - raises the state error when not started or closed
        assert self._flow is not None
        return self._flow

    # -- the call's shape -----------------------------------------------------------------------
    def _start_opening(self) -> None:
        config = choose(self._opening, self._rng) if self._opening is not None else None
        if config is not None and self._flow is not None:
            if config.fade_out == 0.0:
                config = dataclasses.replace(config, fade_out=OPENING_CUT_FADE)
            self._flow.open(self.play, config)

    @property
    def on_hold(self) -> bool:
        return self._state.on_hold

    @property
    def input_muted(self) -> bool:
        """Whether the caller's audio is kept from the agent (``hold(mute_input=True)``)."""
        return self._flow is not None and self._flow.input_muted

    def hold(
        self, sound: SoundSpec | None = None, *, mute_input: bool = False, fade: float = 0.5
    ) -> None:
        """Put the caller on hold: music (resuming where it stopped), ambience and cues paused.

        ``sound`` defaults to the last hold sound (at first the built-in hold music at 0.8).
        ``mute_input`` keeps the caller's audio from the agent until ``unhold()``.
        """
        flow = self._call_flow()
        _check_fade(fade)
        spec = coerce_spec(sound, "sound")
        config = choose(spec, self._rng) if spec is not None else None
        flow.hold(config, mute_input=mute_input, fade=fade)

    def unhold(self, fade: float = 0.5) -> None:
        """Take the caller off hold: the music pauses (keeping its place), the rest resumes."""
        flow = self._call_flow()
        _check_fade(fade)
        flow.unhold(fade)

    async def play_closing(self, sound: SoundSpec) -> PlayHandle:
        """Play ``sound`` once the agent's queued speech has been heard; return once the sound
        itself has been heard (then hang up)."""
        return await self._play_after_speech(sound)

    async def play_transfer(self, sound: SoundSpec) -> PlayHandle:
        """A transfer cue, by the closing's rule: after the speech, returning once heard."""
        return await self._play_after_speech(sound)

    async def _play_after_speech(self, sound: SoundSpec) -> PlayHandle:
        await self._call_flow().after_speech()
        handle = self.play(sound)
        await handle.wait_for_playout()
        return handle

    def _pause_bed(self, fade: float) -> None:
        voice, mixer = self._ambient_voice, self.mixer
        if voice is not None:
            mixer.submit(lambda: voice.pause(mixer.format.frames(fade)))

    def _resume_bed(self, fade: float) -> None:
        voice, mixer = self._ambient_voice, self.mixer
        if voice is not None:
            mixer.submit(lambda: voice.resume(mixer.format.frames(fade)))

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
        mixer = self.mixer
        level = AudioConfig("", volume=volume).volume
        self._master_volume = level
        frames = mixer.format.frames(max(ramp, DECLICK_SECONDS))
        mixer.submit(lambda: mixer.master.set(level, frames))

    def pause_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed out and hold its place."""
        self._call_flow().bed.set("user", True, fade)

    def resume_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed back in where it paused (unless on hold)."""
        self._call_flow().bed.set("user", False, fade)

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
        voice, mixer = self._ambient_voice, self.mixer
        if voice is not None and isinstance(voice.playback, ClipPlayback):
            playback = voice.playback
            mixer.submit(lambda: setattr(playback, "loop", loop))
