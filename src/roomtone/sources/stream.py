"""Async-iterator sources: a feeder task converts frames into a bounded FIFO that a voice drains.

The feeder runs on the event loop; the voice reads on the render thread. A slow iterator only
starves its own voice (it plays silence until frames arrive); it never stalls the mix.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from roomtone.errors import SourceError, StreamError
from roomtone.format import AudioFormat
from roomtone.samples import FloatArray
from roomtone.sources.convert import FormatConverter
from roomtone.sources.frames import frame_to_array

__all__ = ["StreamBuffer", "feed_stream"]

_MAX_BUFFERED_SECONDS = 1.0


class StreamBuffer:
    """A thread-safe FIFO of frames at the output format, with an end and an error."""

    def __init__(self, fmt: AudioFormat, name: str) -> None:
        self.format = fmt
        self.name = name
        self._chunks: deque[FloatArray] = deque()
        self._offset = 0  # frames already read from the first chunk
        self._buffered = 0
        self._ended = False
        self.error: SourceError | None = None
        self._lock = threading.Lock()
        self._space = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting_below: int | None = None  # the feeder sleeps until buffered drops below

    @property
    def buffered(self) -> int:
        return self._buffered

    @property
    def ended(self) -> bool:
        return self._ended

    def push(self, chunk: FloatArray) -> None:
        if len(chunk):
            with self._lock:
                self._chunks.append(chunk)
                self._buffered += len(chunk)

    def finish(self, error: SourceError | None = None) -> None:
        with self._lock:
            self.error = error
            self._ended = True

    def read_into(self, out: FloatArray) -> int:
        """Copy up to ``len(out)`` frames into ``out``; returns how many were copied."""
        want = len(out)
        done = 0
        with self._lock:
            while done < want and self._chunks:
                head = self._chunks[0]
                take = min(want - done, len(head) - self._offset)
                out[done : done + take] = head[self._offset : self._offset + take]
                done += take
                self._offset += take
                if self._offset == len(head):
                    self._chunks.popleft()
                    self._offset = 0
            self._buffered -= done
            wake = self._waiting_below is not None and self._buffered < self._waiting_below
            if wake:
                self._waiting_below = None
        if wake and self._loop is not None:
            self._loop.call_soon_threadsafe(self._space.set)
        return done

    async def wait_for_space(self, limit: int) -> None:
        """Wait (without polling) until fewer than ``limit`` frames are buffered."""
        self._loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if self._buffered < limit:
                    return
                self._space.clear()
                self._waiting_below = limit
            await self._space.wait()


async def feed_stream(iterator: AsyncIterator[Any], buffer: StreamBuffer) -> None:
    """Pull frames from ``iterator`` into ``buffer`` until it ends, fails or is cancelled."""
    fmt: AudioFormat = buffer.format
    converter: FormatConverter | None = None
    limit = int(_MAX_BUFFERED_SECONDS * fmt.sample_rate)
    try:
        async for frame in iterator:
            samples, rate = frame_to_array(frame, buffer.name)
            if converter is None or rate != converter.in_rate:
                if converter is not None:
                    buffer.push(converter.flush())
                converter = FormatConverter(rate, fmt)
            buffer.push(converter.convert(samples))
            await buffer.wait_for_space(limit)
        if converter is not None:
            buffer.push(converter.flush())
    except SourceError as exc:
        buffer.finish(exc)
        return
    except asyncio.CancelledError:
        buffer.finish()
        raise
    except Exception as exc:  # the user's iterator failed: end this sound with its error
        buffer.finish(
            StreamError(f"{buffer.name} raised {type(exc).__name__}: {exc}", source=buffer.name)
        )
        return
    buffer.finish()
