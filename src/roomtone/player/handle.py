"""PlayHandle: follow, await, stop and re-level one sound."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any

from roomtone.config import check_seconds, check_volume
from roomtone.errors import SourceError

__all__ = ["PlayHandle"]


class PlayHandle:
    """A sound started by ``play()`` (or the ambience). Awaiting it waits until it has been heard.

    ``done()`` turns true only when the end of the sound has been delivered by the output, not
    merely generated. If the sound failed (a decode error found late, an iterator that raised),
    awaiting the handle raises that error; every other sound keeps playing. If something else
    cut the sound short (the room disconnected, the player closed), awaiting returns and
    ``reason`` says what it was.
    """

    def __init__(
        self,
        *,
        stop: Callable[[], None] | None = None,
        set_volume: Callable[[float, float], None] | None = None,
    ) -> None:
        self._future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._stop = stop
        self._set_volume = set_volume
        self.error: SourceError | None = None
        self.reason: str | None = None
        """Why the sound ended before it was heard to its end, when it was not ``stop()``:
        ``"the room disconnected (ROOM_DELETED)"``, ``"the player closed"``; else ``None``."""

    @classmethod
    def finished(cls) -> PlayHandle:
        """A handle for a draw that picked silence: already done."""
        handle = cls()
        handle._mark_done()
        return handle

    def done(self) -> bool:
        """True once the sound has been played out (or stopped, or failed)."""
        return self._future.done()

    def stop(self) -> None:
        """Stop early, fading out over the sound's ``fade_out`` (a few ms at least)."""
        if not self.done() and self._stop is not None:
            self._stop()

    def set_volume(self, volume: float, ramp: float = 0.1) -> None:
        """Change the volume while playing, ramped over ``ramp`` seconds."""
        check_volume("volume", volume)
        check_seconds("ramp", ramp)
        if not self.done() and self._set_volume is not None:
            self._set_volume(volume, ramp)

    async def wait_for_playout(self) -> None:
        """Wait until the sound has been heard to its end; raises the sound's error if any."""
        await asyncio.shield(self._future)
        if self.error is not None:
            raise self.error

    def __await__(self) -> Generator[Any, None, PlayHandle]:
        async def wait() -> PlayHandle:
            await self.wait_for_playout()
            return self

        return wait().__await__()

    def add_done_callback(self, callback: Callable[[PlayHandle], None]) -> None:
        """Call ``callback(handle)`` on the event loop once the handle is done."""
        self._future.add_done_callback(lambda _future: callback(self))

    def _mark_done(self, error: SourceError | None = None, reason: str | None = None) -> None:
        if not self._future.done():
            self.error = error
            self.reason = reason
            self._future.set_result(None)
