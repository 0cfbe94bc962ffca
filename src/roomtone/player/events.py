"""Agent-session events in the livekit-agents shape, and a scriptable source that emits them.

:class:`ScriptedSession` stands in for an ``AgentSession`` in tests, demos and frameworks other
than LiveKit: anything with ``.on(event, callback)`` / ``.off(event, callback)`` emitting these
events drives the player.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AgentState",
    "AgentStateChangedEvent",
    "FunctionCallInfo",
    "ScriptedSession",
    "ToolCallEnded",
    "ToolCallStarted",
    "ToolExecutionUpdatedEvent",
    "UserState",
    "UserStateChangedEvent",
]

AgentState = Literal["initializing", "idle", "listening", "thinking", "speaking"]
UserState = Literal["speaking", "listening", "away"]


@dataclass(frozen=True)
class AgentStateChangedEvent:
    old_state: str
    new_state: str
    type: str = "agent_state_changed"


@dataclass(frozen=True)
class UserStateChangedEvent:
    old_state: str
    new_state: str
    type: str = "user_state_changed"


@dataclass(frozen=True)
class FunctionCallInfo:
    call_id: str
    name: str = ""


@dataclass(frozen=True)
class ToolCallStarted:
    function_call: FunctionCallInfo
    type: str = "tool_call_started"


@dataclass(frozen=True)
class ToolCallEnded:
    call_id: str
    status: str = "done"
    type: str = "tool_call_ended"


@dataclass(frozen=True)
class ToolExecutionUpdatedEvent:
    update: ToolCallStarted | ToolCallEnded
    type: str = "tool_execution_updated"


@dataclass
class ScriptedSession:
    """An event source you drive by hand: ``set_agent_state("thinking")``, ``start_tool()``..."""

    agent_state: str = "initializing"
    user_state: str = "listening"
    _listeners: dict[str, list[Callable[[Any], None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _next_call: int = 0

    def on(self, event: str, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        self._listeners[event].append(callback)
        return callback

    def off(self, event: str, callback: Callable[[Any], None]) -> None:
        if callback in self._listeners[event]:
            self._listeners[event].remove(callback)

    def emit(self, event: str, payload: object) -> None:
        for callback in list(self._listeners[event]):
            callback(payload)

    def listener_count(self, event: str) -> int:
        return len(self._listeners[event])

    def set_agent_state(self, state: str) -> None:
        old, self.agent_state = self.agent_state, state
        self.emit("agent_state_changed", AgentStateChangedEvent(old, state))

    def set_user_state(self, state: str) -> None:
        old, self.user_state = self.user_state, state
        self.emit("user_state_changed", UserStateChangedEvent(old, state))

    def start_tool(self, name: str = "tool") -> str:
        """Announce a tool call; returns its call id for :meth:`end_tool`."""
        self._next_call += 1
        call_id = f"call_{self._next_call}"
        started = ToolCallStarted(FunctionCallInfo(call_id, name))
        self.emit("tool_execution_updated", ToolExecutionUpdatedEvent(started))
        return call_id

    def end_tool(self, call_id: str, status: str = "done") -> None:
        ended = ToolCallEnded(call_id, status)
        self.emit("tool_execution_updated", ToolExecutionUpdatedEvent(ended))
