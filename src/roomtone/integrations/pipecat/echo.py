"""RoomtoneEchoCanceller: Pipecat's input hears no echo of what the output transport sent.

::

    mixer = RoomtoneMixer(player)
    params = TransportParams(audio_out_mixer=mixer, audio_in_filter=RoomtoneEchoCanceller(mixer))

The reference is the mixer's whole output, the bot's voice and the bed as one, read from the
player's reference tap after each ``mix()``: exactly what the transport writes, and when. On
phone lines with no echo cancellation of their own (8 kHz mu-law through the Twilio or Telnyx
serializers) the bot then no longer barges in on its own voice either. The input filter runs
before Pipecat's VAD, so VAD, turn detection and STT all get the cleaned audio.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pipecat.audio.filters.base_audio_filter import BaseAudioFilter
from pipecat.frames.frames import FilterControlFrame, FilterEnableFrame

from roomtone.echo import DEFAULT_MAX_DELAY, EchoCanceller
from roomtone.integrations.pipecat.mixer import RoomtoneMixer

__all__ = ["RoomtoneEchoCanceller"]


class RoomtoneEchoCanceller(BaseAudioFilter):
    """A Pipecat ``audio_in_filter`` that removes ``mixer``'s output from the caller's audio.

    ``num_channels`` must equal the transport's ``audio_in_channels`` (Pipecat does not tell
    filters). ``FilterEnableFrame(False)`` passes audio through untouched until re-enabled.
    """

    def __init__(
        self,
        mixer: RoomtoneMixer,
        *,
        num_channels: int = 1,
        max_delay: float = DEFAULT_MAX_DELAY,
    ) -> None:
        if not isinstance(mixer, RoomtoneMixer):
            raise TypeError(
                "RoomtoneEchoCanceller needs the RoomtoneMixer whose output the caller hears, "
                f"got {type(mixer).__name__}"
            )
        if num_channels < 1:
            raise ValueError(f"num_channels must be at least 1, got {num_channels!r}")
        self._mixer = mixer
        self._channels = num_channels
        self._max_delay = max_delay
        self._canceller: EchoCanceller | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._enabled = True

    @property
    def canceller(self) -> EchoCanceller | None:
        """The canceller while the transport runs (``delay``, ``latency_frames``)."""
        return self._canceller

    @property
    def enabled(self) -> bool:
        return self._enabled

    async def start(self, sample_rate: int) -> None:
        self._canceller = EchoCanceller(
            sample_rate=sample_rate, num_channels=self._channels, max_delay=self._max_delay
        )
        if self._unsubscribe is None:
            self._unsubscribe = self._mixer.player.reference.subscribe(self._on_reference)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._canceller = None

    async def process_frame(self, frame: FilterControlFrame) -> None:
        if isinstance(frame, FilterEnableFrame):
            self._enabled = frame.enable

    def _on_reference(self, block: Any) -> None:
        canceller = self._canceller
        if canceller is None:
            return
        at = float(block.plays_at)
        canceller.push_reference(
            block.samples,
            at=None if math.isnan(at) else at,
            sample_rate=int(block.sample_rate),
        )

    async def filter(self, audio: bytes) -> bytes:
        canceller = self._canceller
        if canceller is None or not self._enabled or not audio:
            return audio
        pcm = np.frombuffer(audio, dtype=np.int16)
        if pcm.shape[0] % self._channels:
            raise ValueError(
                f"RoomtoneEchoCanceller got {pcm.shape[0]} samples, not a whole number of "
                f"{self._channels}-channel frames: set num_channels to audio_in_channels"
            )
        frames = pcm.reshape(-1, self._channels)
        # The chunk has just arrived: it began its length ago, on the tap's clock.
        at = time.monotonic() - frames.shape[0] / canceller.sample_rate
        cleaned: np.ndarray[Any, Any] = canceller.process(frames, at=at)
        return cleaned.tobytes()
