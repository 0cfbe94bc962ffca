"""What the call sounds like now, from what is known about it: a pure fold of facts.

Facts come from the session (agent state, user state, tool calls by name) and from the app
(hold). :meth:`CallState.wanted` turns them into the cues that should be on:

- the tool sound plays while a tool with a sound is pending AND the agent is not speaking
  (async tools run beside speech, fillers are speech too), and never on hold;
- the thinking sound plays while the agent thinks, or, for models with no thinking state
  (realtime, speech-to-speech), while it is inferred to be working: from the user's end of
  turn to the agent's first audio; not while the tool sound plays, a call-control tool
  (transfer, end call) runs, or the caller is on hold;
- the opening cue lasts until anyone first speaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roomtone.player.tool_sounds import Resolved, ToolSounds

__all__ = ["CallState", "Wanted"]

ANONYMOUS_TOOL = ""
"""The name of tool calls reported without one (``set_tools_running(True)``)."""


@dataclass(frozen=True)
class Wanted:
    """The cues that should sound now."""

    thinking: bool = False
    tool: str | None = None
    """The call id of the pending tool whose sound should play (the earliest with one)."""
    speech: bool = False
    """The agent is speaking (the tool sound is gated off, not finished)."""


@dataclass
class CallState:
    """Facts about the call; mutate them, then ask :meth:`wanted`."""

    tool_sounds: ToolSounds
    infer_wait: bool = False
    agent_state: str = "initializing"
    user_state: str = "listening"
    on_hold: bool = False
    tools: dict[str, str] = field(default_factory=dict)
    """Pending tool calls, call id -> tool name, in the order they started."""
    sounds: dict[str, Resolved] = field(default_factory=dict)
    """The sound of each pending call, resolved once when it started."""
    waiting: bool = False
    """Inferred: the user ended a turn and the agent has not answered yet."""
    anyone_spoke: bool = False

    def set_agent_state(self, state: str) -> None:
        self.agent_state = state
        if state == "speaking":
            self.anyone_spoke = True
            self.waiting = False

    def set_user_state(self, state: str) -> None:
        previous, self.user_state = self.user_state, state
        if state == "speaking":
            self.anyone_spoke = True
            self.waiting = False
        elif previous == "speaking" and self.agent_state != "speaking":
            self.waiting = self.infer_wait

    def tool_started(self, call_id: str, name: str) -> None:
        if call_id not in self.tools:
            self.tools[call_id] = name
            self.sounds[call_id] = self.tool_sounds.for_tool(name)

    def tool_ended(self, call_id: str) -> None:
        self.tools.pop(call_id, None)
        self.sounds.pop(call_id, None)

    def set_tools_running(self, running: bool) -> None:
        """An unnamed "some tool is running" (for callers that know no names)."""
        if running:
            self.tool_started(ANONYMOUS_TOOL, ANONYMOUS_TOOL)
        else:
            self.tools.clear()
            self.sounds.clear()

    def set_tools(self, tools: dict[str, str]) -> None:
        """The whole set of pending calls (call id -> name), as integrations report it."""
        for call_id in [c for c in self.tools if c not in tools]:
            self.tool_ended(call_id)
        for call_id, name in tools.items():
            self.tool_started(call_id, name)

    def wanted(self) -> Wanted:
        speaking = self.agent_state == "speaking"
        if self.on_hold:
            return Wanted(speech=speaking)
        control = any(self.tool_sounds.is_call_control(name) for name in self.tools.values())
        pending = next((c for c, sound in self.sounds.items() if sound is not None), None)
        busy = self.agent_state == "thinking" or self.waiting
        return Wanted(
            thinking=busy and pending is None and not control,
            tool=None if speaking else pending,
            speech=speaking,
        )
