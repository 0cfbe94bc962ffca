"""Stand-ins for the model and the caller around a real livekit-agents ``AgentSession``.

``ScriptedRealtime`` is a ``RealtimeModel`` driven by the test: it reports the caller's speech
starting and stopping (server-side turn detection, as OpenAI Realtime or Gemini Live do) and
answers with generated audio, so the session goes listening -> speaking with no thinking state.
``SpeakerOutput`` is the session's audio output: it plays frames in real time and records when.
``CallerInput`` is the session's audio input: a tone, one 10 ms frame every 10 ms.
``ScriptedTTS`` speaks every text as a 700 Hz tone, a quarter second per word.
``ToolCallingLLM`` calls one tool each user turn, then answers with a sentence.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import numpy as np
from livekit import rtc
from livekit.agents import APIConnectOptions, llm, tts
from livekit.agents.llm import ChatChunk, ChoiceDelta, FunctionToolCall
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS
from livekit.agents.voice import io

SPEECH_RATE = 24000


def tone_frames(freq: float, seconds: float, rate: int = SPEECH_RATE) -> list[rtc.AudioFrame]:
    """A 0.3-amplitude tone as 20 ms int16 frames."""
    step = rate // 50
    t = np.arange(round(seconds * rate)) / rate
    pcm = (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    return [
        rtc.AudioFrame(pcm[i : i + step].tobytes(), rate, 1, len(pcm[i : i + step]))
        for i in range(0, len(pcm), step)
    ]


class ScriptedRealtimeSession(llm.RealtimeSession):
    def __init__(self, model: ScriptedRealtime) -> None:
        super().__init__(model)
        self._chat_ctx = llm.ChatContext.empty()
        self._tools = llm.ToolContext.empty()
        self.frames_in = 0
        self._replies = 0

    @property
    def chat_ctx(self) -> llm.ChatContext:
        return self._chat_ctx

    @property
    def tools(self) -> llm.ToolContext:
        return self._tools

    async def update_instructions(self, instructions: str) -> None:
        pass

    async def update_chat_ctx(self, chat_ctx: llm.ChatContext) -> None:
        self._chat_ctx = chat_ctx.copy()

    async def update_tools(self, tools: list[Any]) -> None:
        pass

    def update_options(self, *, tool_choice: Any = None) -> None:
        pass

    def push_audio(self, frame: rtc.AudioFrame) -> None:
        self.frames_in += 1

    def push_video(self, frame: rtc.VideoFrame) -> None:
        pass

    def generate_reply(self, **_: Any) -> asyncio.Future[llm.GenerationCreatedEvent]:
        future: asyncio.Future[llm.GenerationCreatedEvent] = asyncio.Future()
        future.set_result(self._generation(0.5, user_initiated=True))
        return future

    def commit_audio(self) -> None:
        pass

    def clear_audio(self) -> None:
        pass

    def interrupt(self) -> None:
        pass

    def truncate(self, **_: Any) -> None:
        pass

    async def aclose(self) -> None:
        pass

    # -- the script -------------------------------------------------------------------------
    def caller_starts(self) -> None:
        self.emit("input_speech_started", llm.InputSpeechStartedEvent())

    def caller_stops(self) -> None:
        self.emit("input_speech_stopped", llm.InputSpeechStoppedEvent(False))

    def answer(self, seconds: float, freq: float = 700.0) -> None:
        """The model answers with ``seconds`` of audio (its first audio arrives at once)."""
        self.emit("generation_created", self._generation(seconds, user_initiated=False))

    def _generation(self, seconds: float, *, user_initiated: bool) -> llm.GenerationCreatedEvent:
        self._replies += 1
        frames = tone_frames(700.0, seconds)
        modalities: asyncio.Future[list[Literal["text", "audio"]]] = asyncio.Future()
        modalities.set_result(["audio", "text"])

        async def audio() -> AsyncIterator[rtc.AudioFrame]:
            for frame in frames:
                yield frame

        async def text() -> AsyncIterator[str]:
            yield "Sure."

        async def messages() -> AsyncIterator[llm.MessageGeneration]:
            yield llm.MessageGeneration(f"msg_{self._replies}", text(), audio(), modalities)

        async def functions() -> AsyncIterator[llm.FunctionCall]:
            return
            yield  # an async generator with nothing in it

        return llm.GenerationCreatedEvent(
            message_stream=messages(),
            function_stream=functions(),
            user_initiated=user_initiated,
            response_id=f"resp_{self._replies}",
        )


class ScriptedRealtime(llm.RealtimeModel):
    def __init__(self) -> None:
        super().__init__(
            capabilities=llm.RealtimeCapabilities(
                message_truncation=False,
                turn_detection=True,
                user_transcription=False,
                auto_tool_reply_generation=True,
                audio_output=True,
                manual_function_calls=False,
            )
        )
        self.sessions: list[ScriptedRealtimeSession] = []

    def session(self, *, turn_detection_disabled: bool = False) -> ScriptedRealtimeSession:
        session = ScriptedRealtimeSession(self)
        self.sessions.append(session)
        return session

    async def aclose(self) -> None:
        pass


class SpeakerOutput(io.AudioOutput):
    """Plays the agent's speech in real time; ``played`` holds (monotonic start, seconds)."""

    def __init__(self) -> None:
        super().__init__(label="speaker", capabilities=io.AudioOutputCapabilities(pause=False))
        self.played: list[tuple[float, float]] = []
        self._segment = 0.0
        self._open = False

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._open:
            self._open = True
            self._segment = 0.0
            self.on_playback_started(created_at=time.time())
        seconds = frame.samples_per_channel / frame.sample_rate
        self.played.append((time.monotonic(), seconds))
        self._segment += seconds
        await asyncio.sleep(seconds)

    def flush(self) -> None:
        super().flush()
        if self._open:
            self._open = False
            self.on_playback_finished(playback_position=self._segment, interrupted=False)

    def clear_buffer(self) -> None:
        if self._open:
            self._open = False
            self.on_playback_finished(playback_position=self._segment, interrupted=True)

    @property
    def last_sound_ended(self) -> float:
        start, seconds = self.played[-1]
        return start + seconds


class CallerInput(io.AudioInput):
    """The caller's microphone: a tone, paced at 10 ms a frame."""

    def __init__(self) -> None:
        super().__init__(label="caller")
        self._frames = tone_frames(450.0, 0.01, 16000)

    async def __anext__(self) -> rtc.AudioFrame:
        await asyncio.sleep(0.01)
        return self._frames[0]


class _ToneStream(tts.ChunkedStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        words = max(1, len(self._input_text.split()))
        frames = tone_frames(700.0, 0.25 * words)
        output_emitter.initialize(
            request_id="tone", sample_rate=SPEECH_RATE, num_channels=1, mime_type="audio/pcm"
        )
        for frame in frames:
            output_emitter.push(bytes(frame.data))
        output_emitter.flush()


class ScriptedTTS(tts.TTS):
    def __init__(self) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=SPEECH_RATE,
            num_channels=1,
        )

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _ToneStream(tts=self, input_text=text, conn_options=conn_options)


class ToolCallingLLM(llm.LLM):
    """Each user turn: after ``think`` seconds, call the tool ``name`` with ``arguments``
    (JSON); once the tool has answered, say ``answer``."""

    def __init__(
        self, name: str, *, arguments: str = "{}", answer: str = "All done.", think: float = 0.0
    ) -> None:
        super().__init__()
        self.tool_name, self.arguments, self.answer, self.think = name, arguments, answer, think

    def chat(self, *, chat_ctx: Any, tools: Any = None, conn_options: Any = None, **_: Any) -> Any:
        return _ToolCallingReply(
            self,
            chat_ctx=chat_ctx,
            tools=tools or [],
            conn_options=conn_options or DEFAULT_API_CONNECT_OPTIONS,
        )


class _ToolCallingReply(llm.LLMStream):
    async def _run(self) -> None:
        model = self._llm
        assert isinstance(model, ToolCallingLLM)
        if model.think:
            await asyncio.sleep(model.think)
        if self._chat_ctx.items[-1].type == "function_call_output":
            delta = ChoiceDelta(role="assistant", content=model.answer)
        else:
            turn = sum(1 for item in self._chat_ctx.items if item.type == "message")
            call = FunctionToolCall(
                name=model.tool_name, arguments=model.arguments, call_id=f"call_{turn}"
            )
            delta = ChoiceDelta(role="assistant", tool_calls=[call])
        self._event_ch.send_nowait(ChatChunk(id="c", delta=delta))
