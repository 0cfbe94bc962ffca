"""BackgroundAudioPlayer: the LiveKit API, on roomtone's engine, for any output.

A thin facade: it checks what users pass and hands the rest on; ``lifecycle.py`` starts and
closes it, ``call_api.py`` has the call's shape. A session (``session.py``) is built at
``start()``: the renderer outputs pull from
(``renderer.py``), the cue policy that follows agent and tool state (``cues.py``), the bed
(``ambience.py``), the voice maker (``voices.py``) and the completions that settle handles
once heard (``completions.py``). All public calls are event-loop only.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from typing import Literal

from roomtone.config import AudioConfig, SoundSpec, check_seconds, check_volume
from roomtone.engine.cue import CueOptions
from roomtone.engine.ducker import Ducking
from roomtone.engine.voice import DECLICK_SECONDS
from roomtone.outputs.base import AudioOutput
from roomtone.outputs.reference import ReferenceTap
from roomtone.player.call_api import CallControls
from roomtone.player.handle import PlayHandle
from roomtone.player.lifecycle import PlayerLifecycle
from roomtone.player.selection import choose, coerce_spec
from roomtone.player.session import Sounds
from roomtone.player.tool_sounds import DEFAULT_CALL_CONTROL_TOOLS, ToolSounds, ToolSoundSpec
from roomtone.sources.cache import ClipCache

__all__ = ["BackgroundAudioPlayer"]

logger = logging.getLogger("roomtone")

_CLOSE_TIMEOUT = 2.0
_LIVEKIT_STREAM_TIMEOUT_MS = 200  # livekit-agents' default: accepted, as forwarding code passes it


class BackgroundAudioPlayer(PlayerLifecycle, CallControls):
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
    releases the rest. LiveKit's ``NOT_GIVEN`` counts as an argument left out. A sound may be
    an async iterator of audio frames wherever LiveKit allows one; as a thinking or tool sound
    it is one stream, each cue reading on from where the last stopped (as in LiveKit).
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
            thinking=coerce_spec(thinking_sound, "thinking_sound"),
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
        PlayerLifecycle.__init__(
            self,
            random.Random(seed),
            check_volume("master_volume", master_volume),
            track_name,
            (sample_rate, num_channels, frame_duration),
        )

    # -- state --------------------------------------------------------------------------------
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
    def ambient_handle(self) -> PlayHandle | None:
        """The handle of the bed playing now (a scene change takes over once it plays)."""
        return self._running.bed.handle if self._running is not None else None

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

        The new sound is checked first: a missing file raises; one that does not decode leaves
        the current bed playing, and the returned handle carries the error.
        """
        crossfade = check_seconds("crossfade", crossfade)
        return self._live().bed.replace(sound, crossfade)

    def set_ambient_loop(self, loop: bool) -> None:
        """Keep looping the ambient bed, or let it play to its end and stop."""
        if (running := self._mixing()) is not None:
            running.bed.set_loop(loop)
