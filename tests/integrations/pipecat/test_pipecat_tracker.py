"""The frame-to-state mapping on its own: which frames move which state, and only once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    EndFrame,
    Frame,
    FunctionCallCancelFrame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallResultProperties,
    FunctionCallsStartedFrame,
    InterruptionFrame,
    LLMFullResponseStartFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection

from roomtone.errors import PlayerStateError
from roomtone.integrations.pipecat import PipelineStateTracker

DOWN, UP = FrameDirection.DOWNSTREAM, FrameDirection.UPSTREAM


@dataclass
class FakePlayer:
    started: bool = True
    closed: bool = False
    calls: list[tuple[str, object]] = field(default_factory=list)

    def _record(self, name: str, value: object) -> None:
        if self.closed:
            raise PlayerStateError("closed")
        self.calls.append((name, value))

    def set_agent_state(self, state: str) -> None:
        self._record("agent", state)

    def set_user_state(self, state: str) -> None:
        self._record("user", state)

    def set_tools_running(self, running: bool) -> None:
        self._record("tools", running)


def feed(tracker: PipelineStateTracker, *frames: Frame, direction: FrameDirection = DOWN) -> None:
    for frame in frames:
        tracker.handle(frame, direction)


def broadcast(frame_cls: type[Frame], **kwargs: Any) -> tuple[Frame, Frame]:
    """Two sibling copies, as ``FrameProcessor.broadcast_frame`` makes them."""
    down, up = frame_cls(**kwargs), frame_cls(**kwargs)
    down.broadcast_sibling_id, up.broadcast_sibling_id = up.id, down.id
    return down, up


def call(call_id: str, **kwargs: Any) -> dict[str, Any]:
    return {"function_name": "f", "tool_call_id": call_id, "arguments": {}, **kwargs}


def test_a_turn_moves_through_the_states_once_each() -> None:
    player = FakePlayer()
    tracker = PipelineStateTracker(player)
    feed(tracker, UserStartedSpeakingFrame())
    assert player.calls == [("user", "speaking"), ("agent", "listening"), ("tools", False)]
    player.calls.clear()
    feed(tracker, UserStoppedSpeakingFrame(), LLMFullResponseStartFrame())
    assert player.calls == [("user", "listening"), ("agent", "thinking")]
    player.calls.clear()
    feed(tracker, BotStartedSpeakingFrame(), LLMFullResponseStartFrame(), BotStoppedSpeakingFrame())
    assert player.calls == [("agent", "speaking"), ("agent", "listening")]


def test_broadcast_copies_count_once() -> None:
    player = FakePlayer()
    tracker = PipelineStateTracker(player)
    down, up = broadcast(BotStartedSpeakingFrame)
    tracker.handle(up, UP)
    assert player.calls == []
    tracker.handle(down, DOWN)
    assert ("agent", "speaking") in player.calls
    plain_upstream = UserStoppedSpeakingFrame()  # not broadcast: counts from either side
    tracker.handle(plain_upstream, UP)
    assert tracker.agent_state == "thinking"


def test_tools_run_until_every_call_settles() -> None:
    player = FakePlayer()
    tracker = PipelineStateTracker(player)
    started = FunctionCallsStartedFrame(
        function_calls=[
            FunctionCallFromLLM(function_name="f", tool_call_id=i, arguments={}, context=None)
            for i in ("a", "b")
        ]
    )
    feed(tracker, started, FunctionCallInProgressFrame(**call("a", cancel_on_interruption=True)))
    assert tracker.tools_running and ("tools", True) in player.calls
    intermediate = FunctionCallResultProperties(is_final=False)
    feed(tracker, FunctionCallResultFrame(**call("a"), result=1, properties=intermediate))
    assert tracker.tool_calls == {"a", "b"}
    feed(tracker, FunctionCallResultFrame(**call("a"), result=2))
    assert tracker.tools_running
    feed(tracker, FunctionCallCancelFrame(function_name="f", tool_call_id="b"))
    assert not tracker.tools_running and player.calls[-1] == ("tools", False)


def test_async_tools_can_be_left_silent() -> None:
    tracker = PipelineStateTracker(FakePlayer(), async_tools=False)
    feed(tracker, FunctionCallInProgressFrame(**call("bg", cancel_on_interruption=False)))
    assert not tracker.tools_running
    feed(tracker, FunctionCallInProgressFrame(**call("fg", cancel_on_interruption=True)))
    assert tracker.tool_calls == {"fg"}


def test_interruption_and_end() -> None:
    tracker = PipelineStateTracker(FakePlayer())
    feed(tracker, BotStartedSpeakingFrame(), InterruptionFrame())
    assert tracker.agent_state == "listening"
    feed(tracker, FunctionCallInProgressFrame(**call("x")), EndFrame())
    assert tracker.agent_state == "idle" and not tracker.tools_running


def test_waits_for_the_player_and_ignores_a_closed_one() -> None:
    player = FakePlayer(started=False)
    tracker = PipelineStateTracker(player)
    feed(tracker, UserStoppedSpeakingFrame())
    assert player.calls == []
    player.started = True
    feed(tracker, FunctionCallInProgressFrame(**call("x")))  # catches up in full
    assert player.calls == [("user", "listening"), ("agent", "thinking"), ("tools", True)]
    player.closed = True
    feed(tracker, BotStartedSpeakingFrame())  # no exception escapes into Pipecat
