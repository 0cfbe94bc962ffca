"""Settling ``PlayHandle`` objects: from a sound's last frame rendered to its last frame heard.

Sounds finish on the render thread, which may not be the event loop's (a sound-card callback).
Handles belong to the loop. The hand-over is safe by construction: the render thread only
appends to a deque, the loop alone pops from it into a list only the loop touches, and a handle
settles once the output reports that its last frame has been delivered.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable

from roomtone.errors import SourceError
from roomtone.player.handle import PlayHandle

__all__ = ["Completions"]

logger = logging.getLogger("roomtone")

Finished = tuple[int, PlayHandle, "SourceError | None"]


class Completions:
    """The player's live handles, and those waiting for their last frame to be heard."""

    def __init__(self, loop: asyncio.AbstractEventLoop, delivered: Callable[[], int]) -> None:
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._delivered = delivered
        self.finished_sounds: deque[Finished] = deque()  # render thread appends, loop pops
        self.waiting: list[Finished] = []  # loop only (the render thread may test it)
        self._handles: set[PlayHandle] = set()  # loop only

    def track(self, handle: PlayHandle) -> None:
        """A new handle to settle at the latest on close (loop)."""
        self._handles.add(handle)

    def finished(self, end: int, handle: PlayHandle, error: SourceError | None) -> None:
        """A sound rendered its last frame at mix position ``end`` (render thread)."""
        self.finished_sounds.append((end, handle, error))

    def after_block(self) -> None:
        """Called after a block that left sounds to settle (render thread).

        Outputs render a block, then count it as delivered. So on the loop's own thread this
        settles what earlier blocks delivered at once, and looks again in a callback, after the
        output's current step has counted this block: else a sound ending in the last block of
        a run (an offline ``advance()``, a transport's last ``mix()``) would never settle.
        """
        if threading.get_ident() == self._loop_thread:
            self.settle()
            if self.waiting:
                self._loop.call_soon(self.settle)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.settle)

    def settle(self) -> None:
        """Settle every handle whose last frame the output has delivered (loop)."""
        finished, waiting = self.finished_sounds, self.waiting
        while finished:
            waiting.append(finished.popleft())
        if not waiting:
            return
        delivered = self._delivered()
        still = [item for item in waiting if item[0] > delivered]
        for item in waiting:
            if item[0] <= delivered:
                self._settle_one(item)
        waiting[:] = still

    def settle_all(self, reason: str | None = None) -> None:
        """The player closed or its output stopped: everything settles now, heard or not,
        with ``reason`` on each handle that was not heard to its end (loop)."""
        finished = self.finished_sounds
        while finished:
            self._settle_one(finished.popleft(), reason)
        for item in self.waiting:
            self._settle_one(item, reason)
        self.waiting.clear()
        for handle in list(self._handles):
            handle._mark_done(reason=reason)
        self._handles.clear()

    def _settle_one(self, item: Finished, reason: str | None = None) -> None:
        _, handle, error = item
        self._handles.discard(handle)
        handle._mark_done(error, reason)
        if error is not None:
            logger.warning("roomtone: %s", error)
