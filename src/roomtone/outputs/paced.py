"""Base for outputs without a clock of their own: the shared real-time clock paces them."""

from __future__ import annotations

from abc import abstractmethod

from roomtone.errors import OutputError
from roomtone.outputs.base import AudioOutput, Renderer
from roomtone.outputs.clock import ClockClient, RealtimeClock, clock_for_running_loop
from roomtone.samples import FloatArray

__all__ = ["PacedOutput"]


class PacedOutput(AudioOutput):
    """Receives one block per ``frame_duration`` of wall time, like a room would.

    ``max_catch_up`` blocks missed by a late event loop are rendered back to back; a longer
    stall is skipped (the listener hears a gap) and counted in ``underruns``.
    """

    clock: RealtimeClock | None = None
    """The clock that paces this output; ``None`` (the default): the running loop's shared
    clock. Set before ``start()``, e.g. to a clock on a manual timebase in a test."""

    def __init__(
        self,
        sample_rate: int = 48000,
        num_channels: int = 1,
        frame_duration: float = 0.02,
        max_catch_up: int = 10,
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        self._client: ClockClient | None = None
        self._clock: RealtimeClock | None = None
        self._delivered = 0
        self._max_catch_up = max_catch_up
        self._closed = False

    @property
    def underruns(self) -> int:
        return self._client.underruns if self._client else 0

    def delivered_frames(self) -> int:
        return self._delivered

    async def start(self, renderer: Renderer) -> None:
        if self._client is not None or self._closed:
            raise OutputError(f"{type(self).__name__} can be started once; create a new one")
        self._render = renderer.render
        self._reference = renderer.reference
        self._frame_size = self.frame_size
        self._client = ClockClient(self.frame_duration, self._tick, self._max_catch_up, self.fail)
        self._clock = self.clock if self.clock is not None else clock_for_running_loop()
        self._now = self._clock.now
        self._clock.add(self._client)

    def _tick(self) -> None:
        self._deliver(self._frame_size)

    def _deliver(self, n: int) -> None:
        block = self._render(n)
        self.consume(block)
        if self._reference.active:
            now = self._now()
            self._reference.publish(block, self.format.sample_rate, self._delivered, now)
        self._delivered += len(block)

    def render_now(self, frames: int) -> bool:
        """A few ms ahead of the grid (the closing fade): nobody hears a block come early."""
        if self._client is None or self._closed or self.error is not None:
            return False
        try:
            self._deliver(frames)
        except Exception as exc:  # as from a tick: this output is broken
            self.fail(exc)
            return False
        return True

    @abstractmethod
    def consume(self, block: FloatArray) -> None:
        """Take one block (copy it if kept: the buffer is reused)."""

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._clock is not None and self._client is not None:
            self._clock.remove(self._client)
        await self.finalize()

    async def finalize(self) -> None:
        """Release resources after the last block (files are flushed here)."""
