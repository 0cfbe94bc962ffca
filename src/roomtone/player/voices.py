"""Building voices: a chosen sound opened at the mix format, with its handle when it has one."""

from __future__ import annotations

import logging
import random

from roomtone.config import AudioConfig
from roomtone.engine.cue import CueOptions, VoiceFactory
from roomtone.engine.mixer import Mixer
from roomtone.engine.playback import Playback, StreamPlayback
from roomtone.engine.voice import DECLICK_SECONDS, Bus, Voice
from roomtone.errors import SourceError
from roomtone.player.completions import Completions
from roomtone.player.handle import PlayHandle
from roomtone.player.opener import SoundOpener
from roomtone.player.selection import choose

__all__ = ["VoiceMaker"]

logger = logging.getLogger("roomtone")


class VoiceMaker:
    """Makes the voices of one player (loop); the mixer adds them on the render thread."""

    def __init__(self, opener: SoundOpener, mixer: Mixer, completions: Completions) -> None:
        self.opener = opener
        self.mixer = mixer
        self._completions = completions
        self._declick = opener.format.frames(DECLICK_SECONDS)

    @property
    def completions(self) -> Completions:
        """Where the handles of the voices made here settle."""
        return self._completions

    def tracked(
        self, config: AudioConfig, playback: Playback, bus: Bus
    ) -> tuple[Voice, PlayHandle]:
        """A voice with a handle that settles when its last frame has been heard."""
        fmt, mixer, completions = self.opener.format, self.mixer, self._completions
        fade_out = fmt.frames(config.fade_out)
        voice = Voice(
            playback,
            volume=config.volume,
            fade_in=fmt.frames(config.fade_in),
            bus=bus,
            declick=self._declick,
        )
        handle = PlayHandle(
            stop=lambda: mixer.submit(lambda: voice.stop(fade_out)),
            set_volume=lambda v, ramp: mixer.submit(lambda: voice.set_volume(v, fmt.frames(ramp))),
        )
        voice.on_finish = lambda done, end: completions.finished(end, handle, done.error)
        completions.track(handle)
        feeder = self.opener.feeders.get(playback) if isinstance(playback, StreamPlayback) else None
        if feeder is not None:  # a stopped stream's iterator may hang: do not wait for it

            def cancel_feeder(_handle: PlayHandle) -> None:
                feeder.cancel()

            handle.add_done_callback(cancel_feeder)
        return voice, handle

    def play(self, config: AudioConfig, *, loop: bool) -> PlayHandle:
        """Open ``config`` and add it on the effects bus from the next block."""
        playback = self.opener.open(config, loop=loop)
        voice, handle = self.tracked(config, playback, Bus.EFFECTS)
        mixer = self.mixer
        mixer.submit(lambda: mixer.add_voice(voice))
        return handle

    def cue(
        self, spec: list[AudioConfig] | AudioConfig, options: CueOptions, rng: random.Random
    ) -> VoiceFactory:
        """Draw the cue's sound now (per thought) and open it, so decoding overlaps the delay."""
        config = choose(spec, rng)
        if config is None:
            return lambda fade_in: None
        try:
            playback = self.opener.open_again(config, loop=options.loop)
        except SourceError as exc:
            logger.warning("roomtone: cue sound unavailable: %s", exc)
            return lambda fade_in: None
        fmt, declick = self.opener.format, self._declick
        # A cue has no handle to carry an iterator's failure: say it in the log, once.
        on_finish = _log_stream_error if isinstance(playback, StreamPlayback) else None

        def make(fade_in: int) -> Voice:
            return Voice(
                playback,
                volume=config.volume,
                fade_in=max(fade_in, fmt.frames(config.fade_in)),
                bus=Bus.BED,
                declick=declick,
                on_finish=on_finish,
            )

        return make


def _log_stream_error(voice: Voice, end: int) -> None:
    """A cue's iterator failed (render thread): it ends that cue; everything else plays on."""
    del end
    if voice.error is not None:
        logger.warning("roomtone: cue sound stopped: %s", voice.error)
