"""The output protocol: where the mix goes, who sets the pace, and which thread renders.

An output pulls blocks from a :class:`Renderer` (the player's side of the contract). Outputs
that have no clock of their own (memory, file, null) are paced by the shared real-time clock;
outputs with backpressure (a LiveKit ``AudioSource``, a Pipecat transport's ``mix()``, a sound
card callback) pull at the speed the transport asks for.

Threading model
---------------
* **The event loop** owns the player: every public call (``start``, ``play``, ``stop``,
  ``set_*``, ``aclose``) is loop-only. Those calls never touch the mix; they post commands.
* **The render thread** of an output owns the mix (voices, cues, ducker, limiter):

  ==========================  ============================================================
  output                      render thread
  ==========================  ============================================================
  Memory, Wav, Null (paced)   the event loop, in the shared clock task (one per loop)
  LiveKit ``RoomOutput``      the event loop, in the shared capture pump (one per loop)
  Pipecat ``RoomtoneMixer``   the event loop, inside the transport's ``mix()``
  ``OfflineRenderer``         the event loop, inside ``advance()``
  LiveKit ``ConsoleOutput``   the sound card's callback thread (or the loop when no device)
  ==========================  ============================================================

* **Commands** cross from the loop to the render thread through the mixer's deque (append on
  one side, pop on the other: both atomic), applied before the next block.
* **Completions** cross back the same way: the render thread appends a finished sound to a
  deque and the loop alone drains it and settles the ``PlayHandle`` once the output's
  ``delivered_frames()`` has passed the sound's last frame. No list is ever replaced under the
  other thread, so no completion can be lost (see ``player/completions.py``).
* A renderer that is closed renders silence and never raises, so an output still draining
  while its player closes is harmless; an output that raises is dropped by the clock or the
  pump (``fail``), logged once by name, and the other outputs of the loop go on.

Taps
----
* ``renderer.sidechain(samples)`` (in): the agent's own voice, so ducking follows its words.
* ``renderer.reference`` (out): a :class:`~roomtone.outputs.reference.ReferenceTap`. After a
  block has left the output's queue, the output publishes it with its position on the
  transport's timeline and the monotonic time it reaches the listener: paced outputs when
  they hand it over, LiveKit when the source has queued it (``plays_at`` = the end of what
  was queued before it). An echo canceller subscribes here for its far-end reference.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from roomtone.errors import OutputError
from roomtone.format import AudioFormat, validate_frame_duration
from roomtone.outputs.reference import ReferenceTap
from roomtone.samples import FloatArray

__all__ = ["AudioOutput", "Renderer"]

logger = logging.getLogger("roomtone")


class Renderer(Protocol):
    """What an output pulls from: the player's mix, with its taps. Called on the render thread."""

    @property
    def format(self) -> AudioFormat: ...

    @property
    def reference(self) -> ReferenceTap:
        """Outputs publish what they really sent here (only when ``bool(reference)``)."""
        ...

    def prepare(self, n: int) -> bool:
        """Apply queued commands; True when the next ``n`` frames need no waiting on a decoder."""
        ...

    def render(self, n: int) -> FloatArray:
        """The next ``n`` frames, float32 shaped (n, channels); valid until the next call."""
        ...

    def render_pcm16(
        self,
        out: np.ndarray[Any, Any],
        speech: np.ndarray[Any, Any] | None = None,
        *,
        sidechain: bool = False,
    ) -> None:
        """The next ``len(out)`` frames as int16 into ``out``.

        ``speech`` (int16, same shape; may be ``out`` itself) is the agent's voice: it passes
        through the speech bus, neither ducked nor scaled by the master volume, and shares the
        one limiter and conversion with the background. With ``sidechain`` it (or, when
        ``None``, its silence) also drives the ducking, measured once on the converted block.
        """
        ...

    def sidechain(self, samples: np.ndarray[Any, Any]) -> None:
        """The agent's own outgoing audio (float or int16), so ducking follows its words."""
        ...

    @property
    def idle(self) -> bool:
        """True while nothing plays and nothing is pending: the block would be silence."""
        ...


class AudioOutput(ABC):
    """A destination for the mix, at its own sample rate and channel count."""

    publication: Any = None
    """The transport's handle for a track the output published (LiveKit), else ``None``."""

    limiter_ceiling_db: float = -1.0
    """The peak ceiling of the mix sent here (a transport that sums further may ask for less)."""

    render_ahead_seconds: float = 0.0
    """Background rendered ahead of small pulls (commands and ducking land up to this late)."""

    def __init__(self, sample_rate: int, num_channels: int, frame_duration: float) -> None:
        self.format = AudioFormat(sample_rate, num_channels)
        self.frame_duration = validate_frame_duration(frame_duration)
        self.error: Exception | None = None  # why this output stopped, if it failed
        self._on_stop: Callable[[Exception], None] | None = None
        self._owner: object | None = None  # the player this output plays for

    def claim(self, owner: object) -> None:
        """Reserve the output for one player; a second player is refused before it touches it
        (starting it would fail, and undoing that must not close the first player's output)."""
        if self._owner is not None and self._owner is not owner:
            raise OutputError(
                f"{self.describe()} already plays for another player; give each player its "
                "own output"
            )
        self._owner = owner

    def release(self, owner: object) -> None:
        """Give the output back after a start that failed before it began (loop)."""
        if self._owner is owner:
            self._owner = None

    @property
    def frame_size(self) -> int:
        """Frames per block."""
        return max(1, round(self.format.sample_rate * self.frame_duration))

    @property
    def close_fade_patience(self) -> float:
        """Most seconds the player's ``aclose()`` waits for this output to deliver the mix's
        closing fade (5 ms) before stopping it anyway. A pulling output delivers it within a
        block or two, so this bound is met only by one that stopped pulling; it is generous
        so that a busy machine's late loop does not turn the fade into a cut. An output that
        renders only when told to (offline) or whose consumer has stopped says 0."""
        return 1.0 + 3 * self.frame_duration + self.render_ahead_seconds

    def render_now(self, frames: int) -> bool:
        """Render and deliver ``frames`` at once, off the pace (loop): the player's closing
        fade, so that closing need not wait for a block. False when this output cannot (its
        transport or a render thread sets the pace; the fade goes out with its next block)."""
        del frames
        return False

    def describe(self) -> str:
        """A short name for logs; outputs with a destination add it (a path, a track)."""
        return type(self).__name__

    def fail(self, exc: Exception) -> None:
        """Record why the output stopped (it is no longer fed), log it once, tell the player."""
        if self.error is None:
            self.error = exc
            logger.error("roomtone: %s stopped: %s", self.describe(), exc)
            self._stopped(exc)

    def on_stop(self, callback: Callable[[Exception], None] | None) -> None:
        """Have ``callback(reason)`` called once if the output stops by itself for good (it
        failed, its room disconnected), never after ``aclose()``. It may be called on the
        render thread. ``None`` removes it."""
        self._on_stop = callback

    def _stopped(self, reason: Exception) -> None:
        """Tell the ``on_stop`` callback, once: the output has stopped by itself."""
        callback, self._on_stop = self._on_stop, None
        if callback is not None:
            callback(reason)

    @abstractmethod
    async def start(self, renderer: Renderer) -> None:
        """Begin pulling from ``renderer``; return once running."""

    @abstractmethod
    def delivered_frames(self) -> int:
        """Frames the listener has really received (for ``PlayHandle`` completion)."""

    @abstractmethod
    async def aclose(self) -> None:
        """Stop pulling and release resources; idempotent, returns promptly."""
