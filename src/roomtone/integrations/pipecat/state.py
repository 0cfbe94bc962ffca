"""From Pipecat frames to the player's states: thinking, speaking, listening, tools running.

Pipecat has no single "agent state"; it is spread over frames. The user aggregator rules when
a user turn starts and stops, the LLM marks its responses and function calls, and the output
transport says when the bot's audio really starts and stops playing. This module folds those
frames into the three facts the player follows, and only tells the player about changes.
"""

from __future__ import annotations

import logging

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    Frame,
    FunctionCallCancelFrame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
    InterruptionFrame,
    LLMFullResponseStartFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection

from roomtone.errors import PlayerStateError
from roomtone.player.events import AgentState, UserState
from roomtone.player.session_link import NamedToolSink, StateSink

__all__ = ["PipelineStateTracker"]

logger = logging.getLogger("roomtone")


class PipelineStateTracker:
    """Folds frames into agent state, user state and running tool calls for a player.

    ``async_tools=False`` keeps tool calls registered with ``cancel_on_interruption=False``
    (Pipecat's asynchronous tools, which run while the conversation goes on) from playing
    the tool sound. Calls are only forwarded while the player is started; the first frame
    after it starts brings it up to date.
    """

    def __init__(self, player: StateSink, *, async_tools: bool = True) -> None:
        self._player = player
        self._async_tools = async_tools
        self.agent_state: AgentState = "listening"
        self.user_state: UserState = "listening"
        self.tool_calls: set[str] = set()
        self.tool_names: dict[str, str] = {}  # call id -> function name, for named sounds
        self._told_agent = ""
        self._told_user = ""
        self._told_tools: dict[str, str] | None = None
        self._synced_once = False

    @property
    def tools_running(self) -> bool:
        return bool(self.tool_calls)

    def handle(self, frame: Frame, direction: FrameDirection) -> None:
        """Take one frame as it is first pushed; broadcast copies count once."""
        if frame.broadcast_sibling_id is not None and direction is not FrameDirection.DOWNSTREAM:
            return
        if self._fold(frame):
            self._sync()

    def _fold(self, frame: Frame) -> bool:
        if isinstance(frame, UserStartedSpeakingFrame):
            self.user_state, self.agent_state = "speaking", "listening"
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self.user_state, self.agent_state = "listening", "thinking"
        elif isinstance(frame, LLMFullResponseStartFrame):
            if self.agent_state != "speaking":
                self.agent_state = "thinking"
        elif isinstance(frame, BotStartedSpeakingFrame):
            self.agent_state = "speaking"
        elif isinstance(frame, (BotStoppedSpeakingFrame, InterruptionFrame)):
            self.agent_state = "listening"
        elif isinstance(frame, FunctionCallsStartedFrame):
            for call in frame.function_calls:
                self._tool_started(str(call.tool_call_id), str(call.function_name))
        elif isinstance(frame, FunctionCallInProgressFrame):
            if self._async_tools or frame.cancel_on_interruption:
                self._tool_started(str(frame.tool_call_id), str(frame.function_name))
            else:
                self._tool_ended(str(frame.tool_call_id))
        elif isinstance(frame, FunctionCallResultFrame):
            properties = frame.properties
            if properties is None or properties.is_final:
                self._tool_ended(str(frame.tool_call_id))
        elif isinstance(frame, FunctionCallCancelFrame):
            self._tool_ended(str(frame.tool_call_id))
        elif isinstance(frame, (EndFrame, CancelFrame)):
            self.agent_state, self.user_state = "idle", "listening"
            self.tool_calls.clear()
            self.tool_names.clear()
        else:
            return False
        return True

    def _tool_started(self, call_id: str, name: str) -> None:
        self.tool_calls.add(call_id)
        self.tool_names[call_id] = name

    def _tool_ended(self, call_id: str) -> None:
        self.tool_calls.discard(call_id)
        self.tool_names.pop(call_id, None)

    def _sync_tools(self, player: StateSink, first: bool) -> None:
        """Names to a player that picks sounds by tool; "running or not" to any other sink."""
        if isinstance(player, NamedToolSink):
            if first or self.tool_names != self._told_tools:
                player.set_running_tools(dict(self.tool_names))
        elif first or self.tools_running != bool(self._told_tools):
            player.set_tools_running(self.tools_running)
        self._told_tools = dict(self.tool_names)

    def _sync(self) -> None:
        player = self._player
        if not getattr(player, "started", True):
            return
        first = not self._synced_once
        try:
            if first or self.user_state != self._told_user:
                player.set_user_state(self.user_state)
                self._told_user = self.user_state
            if first or self.agent_state != self._told_agent:
                player.set_agent_state(self.agent_state)
                self._told_agent = self.agent_state
            self._sync_tools(player, first)
            self._synced_once = True
        except PlayerStateError as exc:  # closed under us: the call is ending
            logger.debug("roomtone: state not forwarded: %s", exc)
