"""Opening a chosen AudioConfig as a playback: a cached clip, or a stream fed by a task."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator
from typing import Any

from roomtone.config import AudioConfig, BuiltinAudioClip
from roomtone.engine.playback import ClipPlayback, Playback, StreamPlayback
from roomtone.engine.voice import DECLICK_SECONDS
from roomtone.errors import DecodeError, StreamError
from roomtone.format import AudioFormat
from roomtone.player.selection import is_stream
from roomtone.sources.cache import ClipCache
from roomtone.sources.clip import Clip
from roomtone.sources.loader import open_clip
from roomtone.sources.stream import StreamBuffer, feed_stream

__all__ = ["DEFAULT_LOOP_CROSSFADE", "SoundOpener"]

_FIRST_AUDIO_TIMEOUT = 30.0

DEFAULT_LOOP_CROSSFADE = 0.25
"""Seconds of overlap at the loop seam of user files (built-ins loop seamlessly by design)."""


class SoundOpener:
    """Opens sounds at one output format and owns the feeder tasks of stream sources."""

    def __init__(self, fmt: AudioFormat, cache: ClipCache | None) -> None:
        self.format = fmt
        self.cache = cache
        self.tasks: set[asyncio.Task[None]] = set()
        self.feeders: dict[StreamPlayback, asyncio.Task[None]] = {}  # stream -> its feeder
        # Iterators that play again (cues, hold): id -> (the iterator, its one buffer).
        self._shared: dict[int, tuple[AsyncIterator[Any], StreamBuffer]] = {}

    def clip(self, config: AudioConfig) -> Clip:
        """The decoded (or decoding) clip of a file source; raises at once if it is missing."""
        source = config.source
        assert not is_stream(source)
        path_like: str | os.PathLike[str] | BuiltinAudioClip = source  # type: ignore[assignment]
        return open_clip(path_like, self.format, target_lufs=config.target_lufs, cache=self.cache)

    async def checked_clip(self, config: AudioConfig, first_seconds: float) -> Clip:
        """The clip once its first ``first_seconds`` decoded (waited for off the event loop).

        Raises the decode error of a file that exists but does not decode (a text file named
        ``.mp3``, a corrupt or truncated file) and refuses one that holds no audio at all, so
        ``start()`` and scene changes fail loudly instead of playing silence.
        """
        clip = self.clip(config)
        wanted = self.format.frames(first_seconds) if first_seconds < 1e6 else 1 << 62
        await asyncio.to_thread(clip.wait, wanted, _FIRST_AUDIO_TIMEOUT)
        if clip.error is not None:
            raise clip.error
        if clip.complete and clip.available == 0:
            raise DecodeError(
                f"'{clip.name}' holds no audio (0 frames); give a file with sound in it",
                source=clip.name,
            )
        return clip

    def overlap_frames(self, config: AudioConfig) -> int:
        seconds = config.loop_crossfade
        if seconds is None:
            builtin = isinstance(config.source, BuiltinAudioClip)
            seconds = DECLICK_SECONDS if builtin else DEFAULT_LOOP_CROSSFADE
        return self.format.frames(max(seconds, DECLICK_SECONDS))

    def open(
        self,
        config: AudioConfig,
        *,
        loop: bool,
        start_at_random: random.Random | None = None,
        clip: Clip | None = None,
    ) -> Playback:
        """A playback for ``config``; ``start_at_random`` starts a loop at a random point.

        ``clip`` is the file's clip when the caller already opened it (not looked up twice: an
        eviction in between would decode the file again).
        """
        if is_stream(config.source):
            if loop:
                raise ValueError(
                    "loop=True cannot be used with an async iterator source; loop inside your "
                    "iterator, or pass a file path"
                )
            iterator: AsyncIterator[Any] = config.source  # type: ignore[assignment]
            buffer, task = self._feed(iterator)
            playback = StreamPlayback(buffer)
            self.feeders[playback] = task
            task.add_done_callback(lambda _task: self.feeders.pop(playback, None))
            return playback
        clip = clip if clip is not None else self.clip(config)
        overlap = self.overlap_frames(config) if loop else 0
        start = 0
        if start_at_random is not None and loop and clip.complete and clip.available:
            body = len(clip.loop_body(min(overlap, clip.available // 2)))
            start = overlap + start_at_random.randrange(body) if body else 0
        return ClipPlayback(clip, loop=loop, overlap=overlap, start=start)

    def open_again(self, config: AudioConfig, *, loop: bool) -> Playback:
        """A playback for a sound that plays on every occasion (a cue, hold music).

        Files open as with :meth:`open`. An async iterator is one stream: each turn reads on
        from where the last one stopped, and it loops only if it loops itself (as in LiveKit's
        player, where the same iterator is played on every thought). One that has ended, or
        failed, raises a :class:`~roomtone.errors.StreamError` saying so.
        """
        if not is_stream(config.source):
            return self.open(config, loop=loop)
        iterator: AsyncIterator[Any] = config.source  # type: ignore[assignment]
        known = self._shared.get(id(iterator))
        if known is None or known[0] is not iterator:
            buffer, _task = self._feed(iterator)
            self._shared[id(iterator)] = (iterator, buffer)
        else:
            buffer = known[1]
        if buffer.ended and buffer.buffered == 0:
            if buffer.error is not None:
                raise buffer.error
            raise StreamError(
                f"{buffer.name} has ended: an iterator given for a sound that plays again is "
                "read on from where it stopped, and it has nothing left; make it loop itself",
                source=buffer.name,
            )
        return StreamPlayback(buffer)

    def _feed(self, iterator: AsyncIterator[Any]) -> tuple[StreamBuffer, asyncio.Task[None]]:
        """A buffer at the output format, filled from ``iterator`` by a task this opener owns."""
        buffer = StreamBuffer(self.format, f"async iterator {type(iterator).__name__}")
        task = asyncio.get_running_loop().create_task(
            feed_stream(iterator, buffer), name=f"roomtone-feed-{id(buffer):x}"
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return buffer, task

    async def aclose(self, timeout: float = 1.0) -> None:
        """Cancel stream feeders and wait (bounded) for them to exit."""
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
