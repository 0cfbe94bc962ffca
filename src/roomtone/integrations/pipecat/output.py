"""A pull-driven roomtone output: the Pipecat transport's ``mix()`` calls set the pace.

The player renders into whatever output it is started with. Here there is no clock of our
own: each ``mix()`` call hands over the bot's chunk and gets back the same chunk with the
soundscape in it, rendered by the engine (the bot's voice on its speech bus, one limiter, one
conversion), so the soundscape advances in step with what the transport really sends.
"""

from __future__ import annotations

import time

from roomtone.outputs.base import AudioOutput, Renderer
from roomtone.samples import Int16Array

__all__ = ["PullOutput"]

NOMINAL_CHUNK_SECONDS = 0.04
"""Pipecat's default output chunk (4 x 10 ms); only informative, chunks may be any size."""

CEILING_DB = -0.5
"""The mix with the bot's voice may go a little hotter than a bed alone (-1 dB)."""

RENDER_AHEAD_SECONDS = 0.06
"""The background is rendered in blocks of at least 60 ms and served chunk by chunk: a pass
through the voices costs the same for 20 ms as for 60 ms on a busy loop. The bot's voice, the
limiter and the conversion stay per chunk; mixer commands and ducking land up to 60 ms later."""


class PullOutput(AudioOutput):
    """An output whose consumer hands over chunks of speech to mix into (``mix``)."""

    close_fade_patience = 0.0  # Pipecat stops the mixer once its transport stops pulling

    def __init__(
        self,
        sample_rate: int,
        num_channels: int,
        frame_duration: float = NOMINAL_CHUNK_SECONDS,
        *,
        ceiling_db: float = CEILING_DB,
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        self.limiter_ceiling_db = ceiling_db
        self.render_ahead_seconds = RENDER_AHEAD_SECONDS
        self._renderer: Renderer | None = None
        self._delivered = 0

    @property
    def running(self) -> bool:
        return self._renderer is not None

    async def start(self, renderer: Renderer) -> None:
        self._renderer = renderer

    def mix(self, speech: Int16Array | None, out: Int16Array, *, sidechain: bool) -> bool:
        """Render ``len(out)`` frames of the soundscape, with ``speech`` (int16, same shape, or
        ``None`` for silence) on the speech bus, into ``out``; ``sidechain`` lets the bed duck
        under the words. False once closed."""
        renderer = self._renderer
        if renderer is None:
            return False
        renderer.render_pcm16(out, speech, sidechain=sidechain)
        reference = renderer.reference
        if reference:
            reference.publish(out, self.format.sample_rate, self._delivered, time.monotonic())
        self._delivered += len(out)
        return True

    def delivered_frames(self) -> int:
        return self._delivered

    async def aclose(self) -> None:
        self._renderer = None
