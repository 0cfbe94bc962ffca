"""A pull-driven roomtone output: the Pipecat transport's ``mix()`` calls set the pace.

The player renders into whatever output it is started with. Here there is no clock of our
own: each ``mix()`` call asks for exactly the frames of the chunk it was handed, so the
soundscape advances in step with what the transport really sends.
"""

from __future__ import annotations

from roomtone.outputs.base import AudioOutput, Renderer
from roomtone.sources.clip import FloatArray

__all__ = ["PullOutput"]

NOMINAL_CHUNK_SECONDS = 0.04
"""Pipecat's default output chunk (4 x 10 ms); only informative, chunks may be any size."""


class PullOutput(AudioOutput):
    """An output whose consumer asks for blocks (``pull``) instead of being fed on a timer."""

    def __init__(
        self,
        sample_rate: int,
        num_channels: int,
        frame_duration: float = NOMINAL_CHUNK_SECONDS,
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        self._renderer: Renderer | None = None
        self._delivered = 0

    @property
    def running(self) -> bool:
        return self._renderer is not None

    async def start(self, renderer: Renderer) -> None:
        self._renderer = renderer

    def pull(self, frames: int) -> FloatArray | None:
        """The next ``frames`` frames of the mix, or ``None`` before start or after close.

        The array is reused by the next pull: use it before asking again.
        """
        renderer = self._renderer
        if renderer is None:
            return None
        block = renderer.render(frames)
        self._delivered += frames
        return block

    def delivered_frames(self) -> int:
        return self._delivered

    async def aclose(self) -> None:
        self._renderer = None
