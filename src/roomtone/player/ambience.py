"""The ambient bed: opened at start, paused, resumed, crossfaded to a new scene, let run out."""

from __future__ import annotations

import random
from dataclasses import replace

from roomtone.config import AudioConfig, SoundSpec
from roomtone.engine.mixer import Mixer
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.voice import Bus, Voice
from roomtone.player.handle import PlayHandle
from roomtone.player.selection import choose, coerce_spec, is_stream
from roomtone.player.voices import VoiceMaker

__all__ = ["AmbientBed"]


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
        """Crossfade to ``sound``; it is opened first, so a missing file leaves the bed playing."""
        mixer = self._mixer
        spec = coerce_spec(sound, "sound")
        config = choose(spec, self._rng) if spec is not None else None
        playback = None
        if config is not None:
            playback = self._voices.opener.open(config, loop=not is_stream(config.source))
        old = self._voice
        frames = mixer.format.frames(crossfade)
        if old is not None:
            mixer.submit(lambda: old.stop(frames))
        self.spec, self._voice, self.handle = spec, None, None
        if config is None or playback is None:
            return None
        faded = replace(config, fade_in=max(config.fade_in, crossfade))  # keeps its fade_out
        voice, handle = self._voices.tracked(faded, playback, Bus.BED)
        mixer.submit(lambda: mixer.add_voice(voice))
        self._voice, self.handle = voice, handle
        return handle

    def set_loop(self, loop: bool) -> None:
        voice, mixer = self._voice, self._mixer
        if voice is not None and isinstance(voice.playback, ClipPlayback):
            playback = voice.playback
            mixer.submit(lambda: setattr(playback, "loop", loop))
