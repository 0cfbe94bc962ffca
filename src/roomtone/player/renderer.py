"""The player's side of the output protocol: the mix, its taps, and silence once closed.

Outputs and integrations hold this, never the player. It runs on the output's render thread
(see ``outputs/base.py``): it renders the mixer, tells the completions after each block, and,
once the player has closed, renders silence instead of raising, so an output still draining
or a clock tick that races the close is harmless. Closing fades the whole mix out over the
engine's de-click ramp first (``fade_out``), so the caller never hears the mix cut.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomtone.engine.mixer import Mixer
from roomtone.engine.voice import DECLICK_SECONDS
from roomtone.format import AudioFormat
from roomtone.outputs.reference import ReferenceTap
from roomtone.player.completions import Completions
from roomtone.player.handle import PlayHandle
from roomtone.samples import FloatArray, from_pcm16, to_pcm16

__all__ = ["PlayerRenderer"]


class PlayerRenderer:
    """Implements :class:`~roomtone.outputs.base.Renderer` for one player."""

    def __init__(self, mixer: Mixer, completions: Completions, reference: ReferenceTap) -> None:
        self.mixer = mixer
        self._completions = completions
        self._finished, self._waiting = completions.finished_sounds, completions.waiting
        self._reference = reference
        self._closed = False
        self._fading: PlayHandle | None = None  # set by the loop; the render thread fades
        self._fade_total = mixer.format.frames(DECLICK_SECONDS)
        self._fade_left = self._fade_total  # render thread only
        self._capacity = 0
        self._silence: FloatArray = np.zeros((0, mixer.format.num_channels), np.float32)
        self._speech: FloatArray = self._silence
        self._scratch: FloatArray = self._silence

    @property
    def format(self) -> AudioFormat:
        return self.mixer.format

    @property
    def reference(self) -> ReferenceTap:
        return self._reference

    @property
    def idle(self) -> bool:
        """Nothing to hear and no handle waiting to be heard (so no block needs rendering).

        Once closed, blocks are silence, but the closing fade's handle may still wait for the
        output's queue to play out: outputs keep pulling (silence) until it has settled."""
        if self._fading is not None and not self._closed:
            return False  # the closing fade is still to be rendered
        return (self._closed or self.mixer.idle) and not (self._finished or self._waiting)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def fade_frames(self) -> int:
        """The closing fade's length: the engine's de-click ramp at the output's rate."""
        return self._fade_total

    def close(self) -> None:
        """From now on every block is silence (loop; the render thread sees it next block)."""
        self._closed = True

    def fade_out(self) -> PlayHandle:
        """Fade the whole mix to silence over the de-click ramp (5 ms), then render silence
        (loop). The handle settles once the output has delivered the fade's last frame; at
        once when the mix is silent already (nothing to fade)."""
        if self.mixer.idle:
            return PlayHandle.finished()
        handle = PlayHandle()
        self._completions.track(handle)  # an output that stops by itself settles it too
        self._fading = handle
        return handle

    def prepare(self, n: int) -> bool:
        if self._closed:
            return True
        mixer = self.mixer
        mixer.apply_commands()
        return mixer.ready(n)

    def render(self, n: int, speech: FloatArray | None = None) -> FloatArray:
        if self._closed:
            self._settle_late()
            return self._buffers(n)[0] if speech is None else speech
        if self._fading is not None:
            return self._render_fade(n, speech, self._fading)
        block = self.mixer.render(n, speech)
        if self._finished or self._waiting:
            self._completions.after_block()
        return block

    def _render_fade(self, n: int, speech: FloatArray | None, handle: PlayHandle) -> FloatArray:
        """The background falling linearly to silence, the agent's voice (if any) untouched."""
        block = self.mixer.render(n)
        left, total = self._fade_left, self._fade_total
        k = min(n, left)
        gains = (left - 1 - np.arange(k, dtype=np.float32)) / np.float32(total)
        block[:k] *= gains[:, None]
        block[k:] = 0.0
        if speech is not None:
            block += speech
        self._fade_left = left - k
        if self._fade_left == 0:
            self._closed = True
            self._completions.finished(self.mixer.position, handle, None)
        if self._finished or self._waiting:
            self._completions.after_block()
        return block

    def _settle_late(self) -> None:
        """Closed: what finished before (the fade) settles as the output delivers it."""
        if self._finished or self._waiting:
            self._completions.after_block()

    def render_pcm16(
        self,
        out: np.ndarray[Any, Any],
        speech: np.ndarray[Any, Any] | None = None,
        *,
        sidechain: bool = False,
    ) -> None:
        if self._closed:
            self._settle_late()
            if speech is None:
                out[:] = 0
            elif speech is not out:
                out[:] = speech
            return
        if self._fading is not None:
            self._render_fade_pcm16(out, speech, sidechain=sidechain)
            return
        self.mixer.render_pcm16(out, speech, sidechain=sidechain)
        if self._finished or self._waiting:
            self._completions.after_block()

    def _render_fade_pcm16(
        self, out: np.ndarray[Any, Any], speech: np.ndarray[Any, Any] | None, *, sidechain: bool
    ) -> None:
        """The closing fade as int16, through the float path (a block or two, once a call)."""
        n = len(out)
        _, voice, scratch = self._buffers(n)
        if speech is not None:
            voice = from_pcm16(speech, voice)
        if sidechain:
            self.mixer.sidechain(voice if speech is not None else None, n)
        to_pcm16(self.render(n, voice if speech is not None else None), out, scratch)

    def sidechain(self, samples: np.ndarray[Any, Any]) -> None:
        if not self._closed:
            self.mixer.sidechain(samples)

    def _buffers(self, n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        if n > self._capacity:
            channels = self.mixer.format.num_channels
            self._capacity = n
            self._silence = np.zeros((n, channels), np.float32)
            self._speech = np.zeros((n, channels), np.float32)
            self._scratch = np.zeros((n, channels), np.float32)
        return self._silence[:n], self._speech[:n], self._scratch[:n]
