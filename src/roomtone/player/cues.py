"""Agent and tool state to cues: which of the thinking and tool sounds should be on.

This is the policy; ``engine/cue.py`` does the timing (delay, minimum play, resume). The player
and session links call in on the event loop; the decisions reach the mix as commands.
"""

from __future__ import annotations

import random
from typing import get_args

from roomtone.config import AudioConfig
from roomtone.engine.cue import CueController, CueOptions
from roomtone.engine.mixer import Mixer
from roomtone.player.events import AgentState, UserState
from roomtone.player.voices import VoiceMaker

__all__ = ["AGENT_STATES", "USER_STATES", "CuePolicy", "check_agent_state", "check_user_state"]

AGENT_STATES: tuple[str, ...] = get_args(AgentState)
USER_STATES: tuple[str, ...] = get_args(UserState)


def check_agent_state(state: object) -> AgentState:
    if state not in AGENT_STATES:
        raise ValueError(
            f"unknown agent state {state!r}; expected one of: {', '.join(AGENT_STATES)}"
        )
    return state  # type: ignore[return-value]


def check_user_state(state: object) -> UserState:
    if state not in USER_STATES:
        raise ValueError(f"unknown user state {state!r}; expected one of: {', '.join(USER_STATES)}")
    return state  # type: ignore[return-value]


class CuePolicy:
    """Turns "thinking" and "tools running" into the thinking and tool cues, one busy stretch."""

    def __init__(
        self,
        mixer: Mixer,
        voices: VoiceMaker,
        rng: random.Random,
        *,
        thinking_sound: list[AudioConfig] | AudioConfig | None,
        tool_sound: list[AudioConfig] | AudioConfig | None,
        thinking: CueOptions,
        tool: CueOptions,
    ) -> None:
        self._mixer = mixer
        self._voices = voices
        self._rng = rng
        self._thinking = (mixer.thinking, thinking_sound, thinking)
        self._tool = (mixer.tool, tool_sound, tool)
        self._agent_state: AgentState = "initializing"
        self._tools_running = False
        self._thinking_on = False
        self._tool_on = False

    def set_agent_state(self, state: AgentState) -> None:
        self._agent_state = state
        self._update()
        mixer, speaking = self._mixer, state == "speaking"
        mixer.submit(lambda: setattr(mixer.ducker, "agent_speaking", speaking))

    def set_user_state(self, state: UserState) -> None:
        mixer, speaking = self._mixer, state == "speaking"
        mixer.submit(lambda: setattr(mixer.ducker, "user_speaking", speaking))

    def set_tools_running(self, running: bool) -> None:
        self._tools_running = running
        self._update()

    def _update(self) -> None:
        tool_on = self._tools_running and self._tool[1] is not None
        thinking_on = self._agent_state == "thinking" and not tool_on
        # Thinking handing over to a tool (or back) is one busy stretch: no second delay.
        handover = tool_on != self._tool_on and thinking_on != self._thinking_on
        if tool_on != self._tool_on:
            self._tool_on = tool_on
            self._switch(*self._tool, on=tool_on, handover=handover)
        if thinking_on != self._thinking_on:
            self._thinking_on = thinking_on
            self._switch(*self._thinking, on=thinking_on, handover=handover)

    def _switch(
        self,
        cue: CueController,
        spec: list[AudioConfig] | AudioConfig | None,
        options: CueOptions,
        *,
        on: bool,
        handover: bool,
    ) -> None:
        if spec is None:
            return
        mixer = self._mixer
        if on:
            factory = self._voices.cue(spec, options, self._rng)
            mixer.submit(lambda: cue.activate(mixer.position, factory, skip_delay=handover))
        else:
            mixer.submit(lambda: cue.deactivate(mixer.position))
