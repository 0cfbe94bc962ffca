"""SpeechStreamGate: a speech-to-speech bot stops speaking when its words stop, bed or not.

Speech-to-speech services (OpenAI Realtime, Tavus, HeyGen) stream ``SpeechOutputAudioRawFrame``
with the silence between replies included, and Pipecat's output transport decides that the bot
stopped speaking when a chunk has been silent for 0.35 s. It checks the chunk *after* the mixer
has added the background, which is never silent: ``BotStoppedSpeakingFrame`` then comes only
from the 3 s fallback after the stream ends, or never while the service streams silence.

Placed just before the output transport, this processor makes the same silence check on the
bot's own audio, before any mix, and tells the transport in the terms it trusts: speech goes on
as :class:`SpeechStreamAudioRawFrame` (a TTS audio frame, so it counts as speech however it is
mixed), and 0.35 s into a silence a :class:`SpeechStreamStoppedFrame` (a ``TTSStoppedFrame``)
follows the audio in order, so the stop is announced when that audio has been played. Silent
audio outside speech passes as plain ``OutputAudioRawFrame``. Nothing is delayed or resampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipecat.audio.utils import is_silence
from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    OutputAudioRawFrame,
    SpeechOutputAudioRawFrame,
    TTSAudioRawFrame,
    TTSStoppedFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.base_output import BOT_VAD_STOP_SECS

__all__ = ["SpeechStreamAudioRawFrame", "SpeechStreamGate", "SpeechStreamStoppedFrame"]


@dataclass
class SpeechStreamAudioRawFrame(TTSAudioRawFrame, SpeechOutputAudioRawFrame):
    """Stream audio the gate judged to be speech (or a pause inside it)."""


@dataclass
class SpeechStreamStoppedFrame(TTSStoppedFrame):
    """The stream's speech ended: the transport says the bot stopped once it is played."""


class SpeechStreamGate(FrameProcessor):
    """Judges a speech-to-speech stream's speech before the mix; put it just before the output.

    ``Pipeline([..., llm, SpeechStreamGate(), transport.output(), ...])``. ``stop_secs`` is
    the silence that ends speech (Pipecat's own 0.35 s by default).
    """

    def __init__(self, *, stop_secs: float = BOT_VAD_STOP_SECS, **kwargs: Any) -> None:
        if not 0.0 < stop_secs <= 10.0:
            raise ValueError(f"stop_secs must be between 0 and 10 seconds, got {stop_secs!r}")
        super().__init__(**kwargs)
        self._stop_secs = stop_secs
        self._speaking = False
        self._silence = 0.0  # seconds of silent stream since the last speech

    @property
    def speaking(self) -> bool:
        return self._speaking

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if (
            direction is FrameDirection.DOWNSTREAM
            and isinstance(frame, SpeechOutputAudioRawFrame)
            and not isinstance(frame, TTSAudioRawFrame)
        ):
            await self._gate(frame)
            return
        if isinstance(frame, InterruptionFrame):
            self._speaking, self._silence = False, 0.0  # the transport stops the bot itself
        await self.push_frame(frame, direction)

    async def _gate(self, frame: SpeechOutputAudioRawFrame) -> None:
        if not is_silence(frame.audio):
            self._speaking, self._silence = True, 0.0
            await self.push_frame(_retyped(frame, SpeechStreamAudioRawFrame))
            return
        if self._speaking:
            self._silence += len(frame.audio) / (2 * frame.num_channels * frame.sample_rate)
            if self._silence <= self._stop_secs:
                await self.push_frame(_retyped(frame, SpeechStreamAudioRawFrame))
                return
            self._speaking = False
            await self.push_frame(SpeechStreamStoppedFrame())
        await self.push_frame(_retyped(frame, OutputAudioRawFrame))


def _retyped(frame: OutputAudioRawFrame, cls: type[OutputAudioRawFrame]) -> OutputAudioRawFrame:
    """The same audio as a frame of ``cls``, keeping where it goes and how it may be dropped."""
    out = cls(frame.audio, sample_rate=frame.sample_rate, num_channels=frame.num_channels)
    out.pts = frame.pts
    out.metadata = frame.metadata
    out.transport_source = frame.transport_source
    out.transport_destination = frame.transport_destination
    out.interruptible = frame.interruptible
    return out
