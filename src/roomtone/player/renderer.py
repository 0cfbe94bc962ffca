"""The player's side of the output protocol: the mix, its taps, and silence once closed.

Outputs and integrations hold this, never the player. It runs on the output's render thread
(see ``outputs/base.py``): it renders the mixer, tells the completions after each block, and,
once the player has closed, renders silence instead of raising, so an output still draining
or a clock tick that races the close is harmless.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomtone.engine.mixer import Mixer
from roomtone.format import AudioFormat
from roomtone.outputs.reference import ReferenceTap
from roomtone.player.completions import Completions
from roomtone.samples import FloatArray

__all__ = ["PlayerRenderer"]


class PlayerRenderer:
    """Implements :class:`~roomtone.outputs.base.Renderer` for one player."""

    def __init__(self, mixer: Mixer, completions: Completions, reference: ReferenceTap) -> None:
        self.mixer = mixer
        self._completions = completions
        self._finished, self._waiting = completions.finished_sounds, completions.waiting
        self._reference = reference
        self._closed = False
        self._capacity = 0
        self._silence: FloatArray = np.zeros((0, mixer.format.num_channels), np.float32)

    @property
    def format(self) -> AudioFormat:
        return self.mixer.format

    @property
    def reference(self) -> ReferenceTap:
        return self._reference

    @property
    def idle(self) -> bool:
        """Nothing to hear and no handle waiting to be heard (so no block needs rendering)."""
        return self._closed or (self.mixer.idle and not (self._finished or self._waiting))

    def close(self) -> None:
        """From now on every block is silence (loop; the render thread sees it next block)."""
        self._closed = True

    def prepare(self, n: int) -> bool:
        if self._closed:
            return True
        mixer = self.mixer
        mixer.apply_commands()
        return mixer.ready(n)

    def render(self, n: int, speech: FloatArray | None = None) -> FloatArray:
        if self._closed:
            return self._silent(n) if speech is None else speech
        block = self.mixer.render(n, speech)
        if self._finished or self._waiting:
            self._completions.after_block()
        return block

    def render_pcm16(
        self,
        out: np.ndarray[Any, Any],
        speech: np.ndarray[Any, Any] | None = None,
        *,
        sidechain: bool = False,
    ) -> None:
        if self._closed:
            if speech is None:
                out[:] = 0
            elif speech is not out:
                out[:] = speech
            return
        self.mixer.render_pcm16(out, speech, sidechain=sidechain)
        if self._finished or self._waiting:
            self._completions.after_block()

    def sidechain(self, samples: np.ndarray[Any, Any]) -> None:
        if not self._closed:
            self.mixer.sidechain(samples)

    def _silent(self, n: int) -> FloatArray:
        if n > self._capacity:
            self._capacity = n
            self._silence = np.zeros((n, self.mixer.format.num_channels), np.float32)
        return self._silence[:n]
