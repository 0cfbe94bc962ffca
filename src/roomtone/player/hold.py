"""Hold music that resumes where it stopped, as callers expect from a phone system.

Each hold sound keeps one voice for the whole call: ``unhold`` pauses it (the position is
kept), the next ``hold`` with the same sound fades it back in from there.
"""

from __future__ import annotations

from roomtone.config import AudioConfig, BuiltinAudioClip
from roomtone.engine.mixer import Mixer
from roomtone.engine.voice import DECLICK_SECONDS, Bus, Voice
from roomtone.player.opener import SoundOpener

__all__ = ["DEFAULT_HOLD_MUSIC", "HoldMusic"]

DEFAULT_HOLD_MUSIC = AudioConfig(BuiltinAudioClip.HOLD_MUSIC, volume=0.8)
"""What ``hold()`` plays when given nothing: the level livekit-agents' warm transfer uses."""


class HoldMusic:
    """The hold voices of one player (event loop; voices change on the render thread)."""

    def __init__(self, opener: SoundOpener, mixer: Mixer) -> None:
        self._opener = opener
        self._mixer = mixer
        self._voices: dict[AudioConfig, Voice] = {}
        self.playing: AudioConfig | None = None
        self.last: AudioConfig = DEFAULT_HOLD_MUSIC

    def start(self, config: AudioConfig | None, fade: float) -> None:
        """Play ``config`` (default: the last hold sound), resuming it if it played before."""
        config = config or self.last
        if config == self.playing:
            return
        self.stop(fade)
        mixer = self._mixer
        frames = mixer.format.frames(max(fade, config.fade_in, DECLICK_SECONDS))
        known = self._voices.get(config)
        if known is not None and known.active:
            held: Voice = known
            mixer.submit(lambda: held.resume(frames))
        else:
            voice = Voice(
                self._opener.open_again(config, loop=True),
                volume=config.volume,
                fade_in=frames,
                bus=Bus.EFFECTS,
                declick=mixer.format.frames(DECLICK_SECONDS),
            )
            self._voices[config] = voice
            new: Voice = voice
            mixer.submit(lambda: mixer.add_voice(new))
        self.playing = self.last = config

    def stop(self, fade: float) -> None:
        """Fade the playing hold sound out, keeping its place."""
        config, self.playing = self.playing, None
        voice = self._voices.get(config) if config is not None else None
        if voice is not None:
            mixer = self._mixer
            frames = mixer.format.frames(max(fade, DECLICK_SECONDS))
            held: Voice = voice
            mixer.submit(lambda: held.pause(frames))
