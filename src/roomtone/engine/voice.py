"""One sound in the mix: a playback, a volume ramp and an equal-power fade, on a bus.

A voice is only touched on the render thread (the player sends it commands through the mixer).
Every change of level is ramped; even a "cut" fades over a few milliseconds so nothing clicks.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

import numpy as np

from roomtone.engine.playback import Playback
from roomtone.engine.ramp import EqualPowerFade, Gain, LinearRamp, multiply_gains
from roomtone.errors import SourceError
from roomtone.samples import FloatArray

__all__ = ["DECLICK_SECONDS", "Bus", "Voice", "VoiceState"]

DECLICK_SECONDS = 0.005
"""The shortest fade roomtone applies to any start, stop or seam."""


class Bus(enum.Enum):
    """Voices on the BED bus (ambience, thinking and tool cues) duck under speech."""

    BED = "bed"
    EFFECTS = "effects"
    SPEECH = "speech"


class VoiceState(enum.Enum):
    PLAYING = "playing"
    PAUSING = "pausing"
    PAUSED = "paused"
    STOPPING = "stopping"
    FINISHED = "finished"


class Voice:
    """A playing sound. ``on_finish`` is called by the mixer with the end position in frames."""

    def __init__(
        self,
        playback: Playback,
        *,
        volume: float = 1.0,
        fade_in: int = 0,
        bus: Bus = Bus.EFFECTS,
        declick: int = 240,
        on_finish: Callable[[Voice, int], None] | None = None,
    ) -> None:
        self.playback = playback
        self.bus = bus
        self.state = VoiceState.PLAYING
        self.on_finish = on_finish
        self.error: SourceError | None = None
        self._declick = max(1, declick)
        self._volume = LinearRamp(volume)
        self._fade = EqualPowerFade(0.0)
        self._fade.to(1.0, max(fade_in, self._declick))
        self._steady_gain: float | None = None  # the gain while no ramp moves
        self._bound: float | None = None  # cached peak_bound() while the gain is steady

    @property
    def active(self) -> bool:
        return self.state is not VoiceState.FINISHED

    @property
    def volume(self) -> float:
        return self._volume.target

    def peak_bound(self) -> float:
        """The largest absolute sample this voice can add to the next block.

        Cached while the gain is steady (the mixer asks every block); a clip still decoding
        may raise its peak, so the cache only holds once the playback's peak is final.
        """
        bound = self._bound
        if bound is None:
            volume, playback = self._volume, self.playback
            bound = playback.peak * playback.gain * max(volume.value, volume.target)
            if self._steady_gain is not None and playback.peak_final:
                self._bound = bound
        return bound

    def set_volume(self, volume: float, frames: int) -> None:
        self._volume.set(volume, max(frames, self._declick))
        self._steady_gain = self._bound = None

    def stop(self, fade_frames: int) -> None:
        """Fade out and finish."""
        if self.state is VoiceState.FINISHED:
            return
        if self.state is VoiceState.PAUSED:
            self.state = VoiceState.FINISHED
            return
        self.state = VoiceState.STOPPING
        self._fade.to(0.0, max(fade_frames, self._declick))
        self._steady_gain = self._bound = None

    def pause(self, fade_frames: int) -> None:
        """Fade out and hold the position, to resume later from the same place."""
        if self.state in (VoiceState.PLAYING, VoiceState.PAUSING):
            self.state = VoiceState.PAUSING
            self._fade.to(0.0, max(fade_frames, self._declick))
            self._steady_gain = self._bound = None

    def resume(self, fade_frames: int) -> None:
        """Fade back in from wherever the level is now (also cancels a fade-out in progress)."""
        if self.state in (VoiceState.PAUSING, VoiceState.PAUSED, VoiceState.STOPPING):
            self.state = VoiceState.PLAYING
            self._fade.to(1.0, max(fade_frames, self._declick))
            self._steady_gain = self._bound = None

    def render_into(
        self,
        out: FloatArray,
        n: int,
        scratch: FloatArray,
        scale: float = 1.0,
        *,
        assign: bool = False,
    ) -> int:
        """Add this voice's next ``n`` frames to ``out``, times ``scale`` (a steady gain the
        mixer folds in: ducking, master volume); returns frames of sound it had. ``assign``
        writes them instead (the first voice of a block: no zeroing, no sum); frames past the
        returned count are then left for the caller to clear.

        After the call, ``state`` is FINISHED if the sound ended or its fade-out completed.
        Runs for every voice of every session each block, so the steady case is kept short.
        """
        state = self.state
        if state is VoiceState.PAUSED:
            return 0
        playback = self.playback
        data, ended = playback.pull(n, scratch)
        k = len(data)
        if k == 0:  # starved or ended: ramps wait, so a late start still fades in
            if ended:
                self.error = playback.error
                self.state = VoiceState.FINISHED
            elif state is VoiceState.STOPPING:
                self.state = VoiceState.FINISHED
            elif state is VoiceState.PAUSING:
                self.state = VoiceState.PAUSED
            return 0
        steady = self._steady_gain
        gain: Gain = self._moving_gain(k) if steady is None else steady
        if scale != 1.0:
            gain = gain * scale if isinstance(gain, float) else gain * np.float32(scale)
        target = out[:k]
        if assign:
            np.multiply(
                data, np.float32(gain) if isinstance(gain, float) else gain[:, None], out=target
            )
        elif isinstance(gain, float):
            if gain == 1.0:
                target += data
            elif gain != 0.0:
                target += data * np.float32(gain)
        else:
            target += data * gain[:, None]
        if ended:
            self.error = playback.error
            self.state = VoiceState.FINISHED
        elif state is not VoiceState.PLAYING and self._steady_gain == 0.0:
            self.state = VoiceState.FINISHED if state is VoiceState.STOPPING else VoiceState.PAUSED
        return k

    def _moving_gain(self, k: int) -> Gain:
        """The gain while a ramp or fade moves; caches the level once both are still."""
        volume, fade = self._volume, self._fade
        gain = multiply_gains(volume.advance(k), fade.advance(k))
        clip_gain = self.playback.gain
        if clip_gain != 1.0:
            gain = multiply_gains(gain, clip_gain)
        if not volume.moving and not fade.moving:
            position = fade.position
            steady = volume.value * (1.0 if position >= 1.0 else math.sin(position * math.pi / 2))
            self._steady_gain = steady * clip_gain
        return gain
