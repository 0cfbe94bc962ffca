"""The reference tap: what an output really sent, on the transport's timeline.

An echo canceller needs the far-end reference: the exact samples that left for the listener
and when they will be heard. Only the output knows both (a LiveKit source queues audio ahead
of the listener; a paced output hands a block over at once), so outputs publish each block
here after it has passed their queue, and subscribers (an echo canceller, a recorder, a test)
receive it. With no subscriber, publishing costs one truth test.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from roomtone.samples import FloatArray, from_pcm16

__all__ = ["ReferenceBlock", "ReferenceTap"]

logger = logging.getLogger("roomtone")


@dataclass(frozen=True)
class ReferenceBlock:
    """One block as sent: ``samples`` (float32, or int16 when the transport takes PCM).

    ``position`` is the frame index of its first frame on the output's timeline (frames sent
    before it); ``plays_at`` the ``time.monotonic()`` at which its first frame reaches the
    listener (``nan`` for outputs without a wall clock, such as offline rendering). The
    samples are only valid during the callback: copy them to keep them.
    """

    samples: np.ndarray[Any, Any]
    sample_rate: int
    position: int
    plays_at: float = math.nan

    def float32(self) -> FloatArray:
        """The samples as float32 in [-1, 1] (a view when they already are)."""
        if self.samples.dtype == np.int16:
            return from_pcm16(self.samples)
        data: FloatArray = self.samples
        return data


Subscriber = Callable[[ReferenceBlock], None]


class ReferenceTap:
    """Subscribers receive every block an output has sent, on the thread that sent it."""

    __slots__ = ("_subscribers", "active")

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self.active = False  # anyone listening: outputs test this before publishing

    def __bool__(self) -> bool:
        return self.active

    def _set(self, subscribers: tuple[Subscriber, ...]) -> None:
        self._subscribers = subscribers
        self.active = bool(subscribers)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` for each block sent from now on; returns the unsubscribe call.

        The callback runs on the output's render thread (the event loop for most outputs, a
        sound-card thread for device outputs): keep it short and never block in it.
        """
        self._set((*self._subscribers, callback))

        def unsubscribe() -> None:
            self._set(tuple(s for s in self._subscribers if s is not callback))

        return unsubscribe

    def publish(
        self,
        samples: np.ndarray[Any, Any],
        sample_rate: int,
        position: int,
        plays_at: float = math.nan,
    ) -> None:
        """Called by outputs after a block has left their queue (only when ``bool(tap)``)."""
        block = ReferenceBlock(samples, sample_rate, position, plays_at)
        for callback in self._subscribers:
            try:
                callback(block)
            except Exception:  # a failing listener is dropped; the audio goes on
                logger.exception("roomtone: a reference subscriber failed and was removed")
                self._set(tuple(s for s in self._subscribers if s is not callback))
