"""Echo cancellation inside a livekit-agents ``AgentSession``: the agent never hears roomtone.

``await player.start(room=..., agent_session=session, cancel_echo=True)`` installs a
:class:`SessionEchoCanceller`. It uses the session's supported hooks, no private internals:

- ``session.input.audio`` is replaced by an :class:`EchoCancellingInput` wrapping it (the
  session restarts its forwarding on the change), so VAD, turn detection and STT all get the
  caller's audio with roomtone's echo removed;
- ``session.output.audio`` is wrapped by an :class:`AgentVoiceReference` (an ``AudioOutput``
  with ``next_in_chain``), which passes the agent's voice on untouched and also hands it to the
  canceller, so the agent's own voice coming back from a speakerphone is removed too;
- the player's reference tap gives what the bed's track really sent, and when.

Both references are placed on ``time.monotonic()`` and summed; the caller's frames are stamped
on arrival. The canceller is made on the first caller frame (its rate and channels), with the
reference heard so far. ``remove()`` puts the session's own input and output back.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from roomtone.echo import EchoCanceller
from roomtone.errors import MissingExtraError

try:
    from livekit import rtc
    from livekit.agents.voice import io
except ImportError as exc:  # pragma: no cover - the agents extra is installed in CI
    raise MissingExtraError("Echo cancellation in an AgentSession", "agents") from exc

__all__ = [
    "AgentVoiceReference",
    "EchoCancellingInput",
    "SessionEchoCanceller",
    "install_session_echo",
]


_EARLY_S = 1.0  # reference kept from before the first caller frame (longer than any delay)


class _EchoLink:
    """The canceller shared by the input, the voice output and the player's tap."""

    def __init__(self, max_delay: float) -> None:
        self.canceller: EchoCanceller | None = None
        self._max_delay = max_delay
        self._early: deque[tuple[np.ndarray[Any, Any], int, float | None, str]] = deque()
        self._early_s = 0.0

    def reference(
        self, samples: np.ndarray[Any, Any], rate: int, at: float | None, stream: str
    ) -> None:
        if self.canceller is not None:
            self.canceller.push_reference(samples, at=at, sample_rate=rate, stream=stream)
            return
        self._early.append((samples.copy(), rate, at, stream))
        self._early_s += samples.shape[0] / rate
        while self._early_s > _EARLY_S and len(self._early) > 1:
            old = self._early.popleft()
            self._early_s -= old[0].shape[0] / old[1]

    def clean(self, pcm: np.ndarray[Any, Any], rate: int, at: float) -> np.ndarray[Any, Any]:
        canceller = self.canceller
        channels = int(pcm.shape[1])
        if canceller is None or (canceller.sample_rate, canceller.num_channels) != (rate, channels):
            canceller = self.canceller = EchoCanceller(
                sample_rate=rate, num_channels=channels, max_delay=self._max_delay
            )
            while self._early:
                samples, ref_rate, ref_at, stream = self._early.popleft()
                canceller.push_reference(samples, at=ref_at, sample_rate=ref_rate, stream=stream)
            self._early_s = 0.0
        return canceller.process(pcm, at=at)


def _pcm(frame: rtc.AudioFrame) -> np.ndarray[Any, Any]:
    n, channels = frame.samples_per_channel, frame.num_channels
    return np.frombuffer(frame.data, dtype=np.int16)[: n * channels].reshape(n, channels)


class EchoCancellingInput(io.AudioInput):
    """The session's audio input with roomtone's echo (bed and agent voice) removed."""

    def __init__(self, source: io.AudioInput, link: _EchoLink) -> None:
        super().__init__(label="roomtone.EchoCancellingInput", source=source)
        self._link = link
        self.enabled = True

    async def __anext__(self) -> rtc.AudioFrame:
        frame = await super().__anext__()
        if not self.enabled:
            return frame
        rate = frame.sample_rate
        # Frames carry no capture time: arrival less their length is when they began.
        at = time.monotonic() - frame.samples_per_channel / rate
        cleaned = self._link.clean(_pcm(frame), rate, at)
        return rtc.AudioFrame(
            cleaned.tobytes(), rate, frame.num_channels, frame.samples_per_channel
        )


class AgentVoiceReference(io.AudioOutput):
    """Passes the agent's voice to the session's output and tells the canceller when it plays.

    The sink takes frames faster than real time and plays them in order, so each frame plays
    when the previous one ends, or now if the sink ran dry; a cleared buffer (interruption)
    plays nothing more, and a pause moves what is queued later by its length.
    """

    def __init__(self, next_in_chain: io.AudioOutput, link: _EchoLink) -> None:
        super().__init__(
            label="roomtone.AgentVoiceReference",
            next_in_chain=next_in_chain,
            sample_rate=next_in_chain.sample_rate,
            capabilities=io.AudioOutputCapabilities(pause=True),
        )
        self._link = link
        self._queued_until = 0.0
        self._paused_at: float | None = None
        self.enabled = True

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if self.enabled:
            now = time.monotonic()
            plays_at = max(now, self._queued_until)
            self._queued_until = plays_at + frame.samples_per_channel / frame.sample_rate
            self._link.reference(_pcm(frame), frame.sample_rate, plays_at, "agent_voice")
        if self.next_in_chain is not None:
            await self.next_in_chain.capture_frame(frame)

    def flush(self) -> None:
        super().flush()
        if self.next_in_chain is not None:
            self.next_in_chain.flush()

    def clear_buffer(self) -> None:
        self._queued_until = time.monotonic()
        if self.next_in_chain is not None:
            self.next_in_chain.clear_buffer()

    def pause(self) -> None:
        self._paused_at = time.monotonic()
        super().pause()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._queued_until += time.monotonic() - self._paused_at
            self._paused_at = None
        super().resume()


ReferenceSubscribe = Callable[[Callable[[Any], None]], Callable[[], None]]


class SessionEchoCanceller:
    """Cancels roomtone's audio from an ``AgentSession``'s input; see the module docstring.

    ``subscribe`` is the player's ``reference.subscribe``. ``agent_voice`` also cancels the
    agent's own voice where the session has an audio output to wrap.
    """

    def __init__(
        self,
        session: Any,
        subscribe: ReferenceSubscribe,
        *,
        agent_voice: bool = True,
        max_delay: float = 0.6,
    ) -> None:
        if not hasattr(session, "input") or not hasattr(session, "output"):
            raise TypeError(
                "cancel_echo needs a livekit.agents AgentSession (with .input and .output), "
                f"got {type(session).__name__}"
            )
        self._session = session
        self._subscribe = subscribe
        self._agent_voice = agent_voice
        self._link = _EchoLink(max_delay)
        self._input: EchoCancellingInput | None = None
        self._output: AgentVoiceReference | None = None
        self._own_sink: Any = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def canceller(self) -> EchoCanceller | None:
        """The canceller, once the first caller frame has arrived."""
        return self._link.canceller

    @property
    def input(self) -> EchoCancellingInput | None:
        return self._input

    def install(self) -> None:
        """Wrap the session's input (and output); raises if the session has no audio input."""
        if self._input is not None:
            return
        source = self._session.input.audio
        if source is None:
            raise ValueError(
                "cancel_echo needs the session's audio input: start the AgentSession "
                "(session.start(..., room=...)) before starting the player"
            )
        self._unsubscribe = self._subscribe(self._on_reference)
        self._input = EchoCancellingInput(source, self._link)
        self._session.input.audio = self._input
        sink = self._session.output.audio
        if self._agent_voice and sink is not None:
            self._own_sink = sink
            self._output = AgentVoiceReference(sink, self._link)
            self._session.output.audio = self._output

    def _on_reference(self, block: Any) -> None:
        at = float(block.plays_at)
        samples = block.samples
        if samples.ndim == 1:
            samples = samples.reshape(-1, 1)
        plays_at = None if math.isnan(at) else at  # nan: an output with no wall clock
        self._link.reference(samples, int(block.sample_rate), plays_at, "bed")

    def remove(self) -> None:
        """Give the session its own input and output back; a second call does nothing."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._input is not None:
            self._input.enabled = False  # wrapped again by someone else: stay, as a pass-through
            if self._session.input.audio is self._input:
                self._session.input.audio = self._input.source
            self._input = None
        if self._output is not None:
            self._output.enabled = False
            if self._session.output.audio is self._output:
                self._session.output.audio = self._own_sink
            self._output = None


def install_session_echo(session: Any, subscribe: ReferenceSubscribe) -> Callable[[], None] | None:
    """Install a :class:`SessionEchoCanceller` on an ``AgentSession``; its ``remove``, or
    ``None`` for anything that is not an ``AgentSession``."""
    from livekit.agents import AgentSession

    if not isinstance(session, AgentSession):
        return None
    echo = SessionEchoCanceller(session, subscribe)
    echo.install()
    return echo.remove
