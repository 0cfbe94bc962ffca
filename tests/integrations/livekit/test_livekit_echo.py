"""``player.start(..., agent_session=session, cancel_echo=True)`` in a real AgentSession.

The caller's phone is simulated: its loudspeaker plays what roomtone's track sent (read from
the player's reference tap, placed by the tap's timestamps) and what the agent's audio output
sent (placed as a playout buffer plays it), through an echo path (room response, 120 ms,
0 dB loss, microphone noise) into the microphone, which is the session's audio input. The
path lives on the tap's sample timeline, not on when the event loop gets round to a chunk, so
a stall of this shared machine's loop cannot move the echo (see ``TimelineEchoPath``), and
the issue's own numbers are asserted on what the agent received. The session runs Silero VAD
from ``livekit-plugins-silero``; its ``user_state_changed`` events say what the agent thought
it heard. Sent: a babble bed and the agent's own (synthetic) voice through ``session.say``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soxr
from livekit import rtc

from echo.echo_path import EchoPath, TimelineEchoPath, mic_noise
from echo.vad import longest_run_s, speech_windows, window_seconds
from echo.voices import BOT, CALLER, babble, talker
from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.outputs import write_wav
from signals import rms_db

agents = pytest.importorskip("livekit.agents")
silero = pytest.importorskip("livekit.plugins.silero")
from livekit.agents.voice import io  # noqa: E402

RATE = 48000
VAD_RATE = 16000
TICK_S = 0.02
TICK = round(RATE * TICK_S)
VOICE_FROM, VOICE_S = 1.2, 2.0
CALLER_FROM, CALLER_S = 4.0, 3.0
END_S = 7.4
CONVERGE_S = 1.0


class MicInput(io.AudioInput):
    """The caller's microphone as the session's audio input, paced by the clock; silent
    until ``connected`` is set (the call begins once the player has started)."""

    def __init__(self, path: TimelineEchoPath) -> None:
        super().__init__(label="SimulatedMic")
        self.path = path
        self.heard = np.zeros(0)
        self.connected = asyncio.Event()
        self._start: float | None = None
        self._ticks = 0

    async def __anext__(self) -> rtc.AudioFrame:
        if self._start is None:
            await self.connected.wait()
            self._start = time.monotonic()
        self._ticks += 1
        await asyncio.sleep(max(0.0, self._start + self._ticks * TICK_S - time.monotonic()))
        heard = self.path.hear(TICK, start=self._start)
        self.heard = np.concatenate([self.heard, heard])
        return rtc.AudioFrame(_pcm16(heard).tobytes(), RATE, 1, TICK)


class PhoneVoiceSink(io.AudioOutput):
    """The agent's voice track: its frames play back to back from when they arrive (or when
    the previous one ends), like a playout buffer; reports playout like RoomIO.

    With ``cancel_echo`` the canceller's ``AgentVoiceReference`` makes the same estimate a
    tenth of a millisecond earlier; the phone then plays the voice where that reference puts
    it (``follow``), as it plays the bed where the tap puts it: the echo path stays one path.
    A voice placed 5 samples off the bed is, to a linear canceller, a second echo path.
    """

    def __init__(self, path: TimelineEchoPath) -> None:
        super().__init__(
            label="SimulatedVoiceTrack",
            capabilities=io.AudioOutputCapabilities(pause=False),
            sample_rate=RATE,
        )
        self.path = path
        self.follow = False  # the voice is played from the canceller's reference instead
        self._queued_until = 0.0
        self._segment_start: float | None = None
        self._waiter: asyncio.Task[None] | None = None

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        plays_at = max(time.monotonic(), self._queued_until)
        if self._segment_start is None:
            self._segment_start = plays_at
        if not self.follow:
            pcm = np.frombuffer(frame.data, np.int16).astype(np.float32) / 32768
            self.path.play(pcm, plays_at, stream="voice")
        self._queued_until = plays_at + frame.samples_per_channel / frame.sample_rate

    def flush(self) -> None:
        super().flush()
        self._waiter = asyncio.ensure_future(self._report_when_played())

    async def _report_when_played(self) -> None:
        await asyncio.sleep(max(0.0, self._queued_until - time.monotonic()))
        start = self._segment_start or self._queued_until
        self._segment_start = None
        self.on_playback_finished(playback_position=self._queued_until - start, interrupted=False)

    def clear_buffer(self) -> None:
        now = time.monotonic()
        self.path.cut(now, stream="voice")
        self._queued_until = now


def _pcm16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(audio * 32768), -32768, 32767).astype(np.int16)


async def _frames(audio: np.ndarray) -> AsyncIterator[rtc.AudioFrame]:
    pcm = np.clip(np.rint(audio * 32768), -32768, 32767).astype(np.int16)
    for i in range(0, pcm.shape[0], TICK):
        chunk = pcm[i : i + TICK]
        yield rtc.AudioFrame(chunk.tobytes(), RATE, 1, chunk.shape[0])


async def run_call(
    tmp_path: Path, captured: Any, monkeypatch: pytest.MonkeyPatch, *, cancel_echo: bool
) -> dict[str, Any]:
    from roomtone.integrations.livekit.echo import EchoCancellingInput

    bed_file = tmp_path / "babble.wav"
    write_wav(bed_file, babble(9.0, RATE).astype(np.float32)[:, None], RATE, "float32")
    path = TimelineEchoPath(RATE, EchoPath(0.12, 0.0))
    caller = talker(CALLER, CALLER_S, RATE)
    path.talk(caller, from_sample=round(CALLER_FROM * RATE))
    mic = MicInput(path)
    # What the agent received: the canceller's output, by microphone sample.
    received = np.zeros(round(END_S * RATE) + RATE)
    original = EchoCancellingInput.__anext__

    async def recording(self: EchoCancellingInput) -> rtc.AudioFrame:
        frame = await original(self)
        n = frame.samples_per_channel
        at = path.heard - n  # the microphone sample this frame began at
        received[at : at + n] = np.frombuffer(frame.data, np.int16)[:n] / 32768
        return frame

    monkeypatch.setattr(EchoCancellingInput, "__anext__", recording)
    session = agents.AgentSession(vad=silero.VAD.load(), turn_handling={"turn_detection": "manual"})
    states: list[tuple[float, str]] = []  # (seconds into the call, the user's new state)
    session.on("user_state_changed", lambda ev: states.append((path.heard / RATE, ev.new_state)))
    await session.start(agents.Agent(instructions="test"))
    session.input.audio = mic
    sink = session.output.audio = PhoneVoiceSink(path)
    if cancel_echo:
        from roomtone.integrations.livekit import echo as session_echo

        sink.follow = True
        link_reference = session_echo._EchoLink.reference

        def voice_reference(link: Any, samples: Any, rate: int, at: Any, stream: str) -> None:
            if stream == "agent_voice":
                path.play(samples.astype(np.float32) / 32768, at, stream="voice")
            link_reference(link, samples, rate, at, stream)

        monkeypatch.setattr(session_echo._EchoLink, "reference", voice_reference)
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(str(bed_file), volume=1.0))
    tapped: list[np.ndarray] = []

    def loudspeaker(block: Any) -> None:  # the bed's track, where and when the tap says
        samples = block.float32()
        tapped.append(samples.copy())
        path.play(samples, block.plays_at, stream="bed")

    player.reference.subscribe(loudspeaker)
    room = _room()
    if cancel_echo:
        await player.start(room=room, agent_session=session, cancel_echo=True)
    else:
        await player.start(room=room, agent_session=session)
    installed = session.input.audio
    mic.connected.set()
    try:

        async def until(seconds: float) -> None:
            while path.heard < seconds * RATE:  # noqa: ASYNC110 - the call's own clock
                await asyncio.sleep(0.01)

        await until(VOICE_FROM)
        session.say("hello", audio=_frames(talker(BOT, VOICE_S, RATE)), add_to_chat_ctx=False)
        await until(END_S)
    finally:
        await player.aclose()
        await session.aclose()
    return {
        "states": states,
        "installed": installed,
        "session": session,
        "heard": mic.heard,
        "received": received[: mic.heard.shape[0]],
        "caller": caller,
        "tapped": np.concatenate(tapped) if tapped else np.zeros((0, 1)),
        "sent": np.concatenate(captured.frames) if captured.frames else np.zeros((0, 1)),
    }


def state_at(states: list[tuple[float, str]], seconds: float) -> str:
    """The user state the session believed in at ``seconds`` into the call."""
    current = "listening"
    for at, state in states:
        if at <= seconds:
            current = state
    return current


def speech_starts(states: list[tuple[float, str]], start: float, end: float) -> list[float]:
    return [at for at, state in states if state == "speaking" and start <= at < end]


def speaking_share(states: list[tuple[float, str]], start: float, end: float) -> float:
    """Share of [start, end) during which the session believed the user was speaking."""
    steps = np.arange(start, end, 0.01)
    return float(np.mean([state_at(states, t) == "speaking" for t in steps]))


def _room() -> Any:
    from livekit_rig import stand_in_room

    return stand_in_room()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every frame roomtone's AudioSource sends, in ``captured.frames``."""
    original = rtc.AudioSource.capture_frame

    class Sent:
        def __init__(self) -> None:
            self.frames: list[np.ndarray] = []

    sent = Sent()

    async def capture_frame(self: Any, frame: Any) -> None:
        n, ch = frame.samples_per_channel, frame.num_channels
        pcm = np.frombuffer(frame.data, np.int16)[: n * ch].reshape(n, ch)
        sent.frames.append(pcm.astype(np.float32) / 32768)
        await original(self, frame)

    monkeypatch.setattr(rtc.AudioSource, "capture_frame", capture_frame)
    return sent


def _windows(audio: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """Silero's speech windows (at 16 kHz) on ``audio`` between two call times."""
    part = audio[round(start_s * RATE) : round(end_s * RATE)]
    return speech_windows(soxr.resample(part, RATE, VAD_RATE), VAD_RATE)


async def test_session_vad_hears_neither_bed_nor_agent_but_hears_the_caller(
    tmp_path: Path, captured: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roomtone.integrations.livekit.echo import EchoCancellingInput

    result = await run_call(tmp_path, captured, monkeypatch, cancel_echo=True)
    assert isinstance(result["installed"], EchoCancellingInput)  # VAD, STT, turns read this
    # The loudspeaker played what the track really sent: the tap is the AudioSource's input.
    tapped, sent = result["tapped"], result["sent"]
    assert tapped.shape[0] > 5 * RATE
    np.testing.assert_allclose(tapped[: sent.shape[0]], sent[: tapped.shape[0]], atol=1e-6)
    received, caller = result["received"], result["caller"]
    # The numbers, on what the agent received: from 1 s on, the bed and the agent's
    # voice are speech in <= 1 % of Silero's windows, in no run of 200 ms or more.
    echo_only = _windows(received, CONVERGE_S, CALLER_FROM)
    run = longest_run_s(echo_only, VAD_RATE)
    # The caller's words: >= 95 % of the windows Silero finds on them alone, within 3 dB.
    # Silero listens to the whole call, as the session runs it.
    spoken = slice(round(CALLER_FROM * RATE), round(CALLER_FROM * RATE) + caller.shape[0])
    alone = np.zeros(received.shape[0])
    alone[spoken] = caller
    alone += mic_noise(alone.shape[0], RATE)
    first = int(np.ceil(CALLER_FROM / window_seconds(VAD_RATE)))
    clean = _windows(alone, 0.0, END_S)[first:]
    kept = (clean & _windows(received, 0.0, END_S)[first:]).sum() / clean.sum()
    talking = np.abs(caller) > 0
    change = rms_db(received[spoken][talking]) - rms_db(caller[talking])
    figures = (
        f"VAD {echo_only.mean():.1%} of windows before the caller (longest run {run:.3f} s); "
        f"caller windows kept {kept:.1%}, level change {change:+.2f} dB"
    )
    print(f"livekit live, bed + agent voice, 120 ms, ERL 0 dB: {figures}")
    assert echo_only.mean() <= 0.01, figures
    assert run < 0.2, figures
    assert kept >= 0.95, figures
    assert abs(change) <= 3.0, figures
    # And so the session: no turn of the user until the caller talks, then one.
    states = result["states"]
    assert not speech_starts(states, CONVERGE_S, CALLER_FROM), states
    assert speech_starts(states, CALLER_FROM, CALLER_FROM + CALLER_S), states
    # After aclose the session has its own input and output back.
    session = result["session"]
    assert not isinstance(session.input.audio, EchoCancellingInput)


async def test_without_cancel_echo_the_session_vad_takes_the_echo_for_the_caller(
    tmp_path: Path, captured: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = await run_call(tmp_path, captured, monkeypatch, cancel_echo=False)
    states = result["states"]
    assert speech_starts(states, 0.0, CALLER_FROM), states
    assert speaking_share(states, 1.0, CALLER_FROM) >= 0.8, states  # the bed never stops
    assert _windows(result["heard"], CONVERGE_S, CALLER_FROM).mean() > 0.5
