"""The ambient bed: opened at start, paused, resumed, crossfaded to a new scene, let run out."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from roomtone.config import AudioConfig, SoundSpec
from roomtone.engine.mixer import Mixer
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.voice import Bus, Voice
from roomtone.errors import DecodeError, SourceError
from roomtone.player.handle import PlayHandle
from roomtone.player.selection import choose, coerce_spec, is_stream
from roomtone.player.voices import VoiceMaker
from roomtone.sources.clip import Clip

__all__ = ["AmbientBed"]

_CHECK_SECONDS = 0.1
"""A new scene must decode this far (or to its end) before the current bed is touched."""


def _decided(clip: Clip) -> bool:
    """Enough of ``clip`` has decoded (or failed) to tell whether it can be a bed."""
    return (
        clip.error is not None
        or clip.complete
        or clip.available >= clip.format.frames(_CHECK_SECONDS)
    )


def _no_audio(clip: Clip) -> SourceError | None:
    """Why ``clip`` cannot be a bed, once known: a decode error, or no frames at all."""
    if clip.error is not None:
        return clip.error
    if clip.complete and clip.available == 0:
        return DecodeError(f"'{clip.name}' holds no audio frames", source=clip.name)
    return None


class AmbientBed:
    """The bed voice of one player and its handle (loop; the voice lives on the render thread)."""

    def __init__(
        self,
        spec: list[AudioConfig] | AudioConfig | None,
        voices: VoiceMaker,
        rng: random.Random,
        *,
        random_start: bool,
    ) -> None:
        self.spec = spec
        self.handle: PlayHandle | None = None
        self._voice: Voice | None = None
        self._voices = voices
        self._mixer: Mixer = voices.mixer
        self._rng = rng
        self._random_start = random_start
        self._generation = 0  # counts scene changes: only the latest may take over
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    async def open(self) -> None:
        """Open the first bed and add it before the first block; raises if it cannot be read."""
        config = choose(self.spec, self._rng) if self.spec is not None else None
        if config is None:
            return
        opener = self._voices.opener
        loop = not is_stream(config.source)
        rng = self._rng if self._random_start else None
        clip = None
        if loop:  # the first audio, or the whole clip for a random start
            clip = await opener.checked_clip(config, 0.5 if rng is None else float("inf"))
        playback = opener.open(config, loop=loop, start_at_random=rng, clip=clip)
        self._voice, self.handle = self._voices.tracked(config, playback, Bus.BED)
        self._mixer.add_voice(self._voice)  # not rendering yet: safe to add directly

    def pause(self, fade: float) -> None:
        voice, mixer = self._voice, self._mixer
        if voice is not None:
            mixer.submit(lambda: voice.pause(mixer.format.frames(fade)))

    def resume(self, fade: float) -> None:
        voice, mixer = self._voice, self._mixer
        if voice is not None:
            mixer.submit(lambda: voice.resume(mixer.format.frames(fade)))

    def replace(self, sound: SoundSpec | None, crossfade: float) -> PlayHandle | None:
        """Crossfade to ``sound`` once it is known to play; until then the current bed goes on.

        A missing file raises at once. A file is then decoded far enough to be sure it holds
        audio (a text file, a corrupt or truncated one, a WAV with no frames do not): only
        then does the crossfade start, at the next block. If it fails, the current bed plays
        on, the error is logged and the returned handle carries it (awaiting it raises). A
        later change supersedes one still being checked.
        """
        spec = coerce_spec(sound, "sound")
        config = choose(spec, self._rng) if spec is not None else None
        self._generation += 1
        if config is None:
            self._crossfade(spec, None, None, crossfade)
            return None
        playback = self._voices.opener.open(config, loop=not is_stream(config.source))
        faded = replace(config, fade_in=max(config.fade_in, crossfade))  # keeps its fade_out
        voice, handle = self._voices.tracked(faded, playback, Bus.BED)
        clip = playback.clip if isinstance(playback, ClipPlayback) else None
        if clip is None or (_decided(clip) and _no_audio(clip) is None):
            self._crossfade(spec, voice, handle, crossfade)  # a stream, or already decoded
            return handle
        generation = self._generation

        def decide() -> None:  # render thread, at the first block after the check
            assert clip is not None
            problem = _no_audio(clip)
            completions = self._voices.completions
            if problem is not None:
                failure = DecodeError(
                    f"scene change to '{problem.source}' failed, the current bed plays on: "
                    f"{problem}",
                    source=problem.source,
                )
                completions.finished(self._mixer.position, handle, failure)
            elif generation != self._generation:
                completions.finished(self._mixer.position, handle, None)  # superseded
            else:
                old, mixer = self._voice, self._mixer
                if old is not None:
                    old.stop(mixer.format.frames(crossfade))
                mixer.add_voice(voice)
                self._on_loop(lambda: self._adopt(spec, voice, handle))

        self._mixer.submit_when(lambda: _decided(clip), decide)
        return handle

    def _crossfade(
        self, spec: Any, voice: Voice | None, handle: PlayHandle | None, crossfade: float
    ) -> None:
        mixer = self._mixer
        old = self._voice
        frames = mixer.format.frames(crossfade)
        if old is not None:
            mixer.submit(lambda: old.stop(frames))
        self._adopt(spec, voice, handle)
        if voice is not None:
            mixer.submit(lambda: mixer.add_voice(voice))

    def _adopt(self, spec: Any, voice: Voice | None, handle: PlayHandle | None) -> None:
        """The scene now playing (loop)."""
        self.spec, self._voice, self.handle = spec, voice, handle

    def _on_loop(self, action: Callable[[], None]) -> None:
        if threading.get_ident() == self._loop_thread:
            action()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(action)

    def set_loop(self, loop: bool) -> None:
        voice, mixer = self._voice, self._mixer
        if voice is not None and isinstance(voice.playback, ClipPlayback):
            playback = voice.playback
            mixer.submit(lambda: setattr(playback, "loop", loop))
