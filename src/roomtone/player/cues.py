"""The call's state to cues: which of the thinking and tool sounds should be on, with which
sound (``call_state.py`` says what is wanted; this switches the two cue controllers).

This is the policy; ``engine/cue.py`` does the timing (delay, minimum play, resume, give-up).
The player and session links call in on the event loop; the decisions reach the mix as
commands.
"""

from __future__ import annotations

import random
from typing import get_args

from roomtone.config import AudioConfig
from roomtone.engine.cue import CueController, CueOptions
from roomtone.engine.mixer import Mixer
from roomtone.player.call_state import CallState
from roomtone.player.events import AgentState, UserState
from roomtone.player.tool_sounds import Resolved
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
    """Turns :meth:`CallState.wanted` into ``activate``/``deactivate`` of the two cues."""

    def __init__(
        self,
        mixer: Mixer,
        voices: VoiceMaker,
        rng: random.Random,
        state: CallState,
        *,
        thinking_sound: list[AudioConfig] | AudioConfig | None,
        thinking: CueOptions,
        tool: CueOptions,
        give_up_sound: list[AudioConfig] | AudioConfig | None = None,
    ) -> None:
        self._mixer = mixer
        self._voices = voices
        self._rng = rng
        self.state = state
        self._thinking_sound = thinking_sound
        self._thinking_options = thinking
        self._tool_options = tool
        self._give_up_sound = give_up_sound
        self._thinking_on = False
        self._tool_sound: Resolved = None  # the sound the tool cue plays now, if on
        self._cue_sound: Resolved = None  # the sound the tool cue last had (it may resume)
        self._tool_held_back = False  # a tool with a sound waits behind speech or hold
        self._tool_since: int | None = None  # mix position the tool cue first went on, this wait

    def update(self) -> None:
        """Bring both cues in line with the state; only changes reach the mixer."""
        wanted = self.state.wanted()
        tool_sound = self.state.sounds.get(wanted.tool) if wanted.tool is not None else None
        tool_on = tool_sound is not None
        thinking_on = wanted.thinking and self._thinking_sound is not None
        was_tool_on = self._tool_sound is not None
        # Thinking handing over to a tool (or back) is one busy stretch: no second delay.
        handover = tool_on != was_tool_on and thinking_on != self._thinking_on
        quiet_now = wanted.speech or self.state.on_hold
        mixer, cue = self._mixer, self._mixer.tool
        if tool_on and tool_sound != self._tool_sound:
            assert tool_sound is not None
            # Back after speech with the tool still pending: the wait goes on, no new delay.
            skip = handover or self._tool_held_back or was_tool_on
            # Another tool's sound must not resume the last one's paused voice.
            restart = self._cue_sound is not None and tool_sound != self._cue_sound
            if self._tool_since is None:
                self._tool_since = mixer.position
            given_up = self._past_max_play(self._tool_since, self._tool_options)
            self._switch_on(
                cue, tool_sound, self._tool_options, skip, restart=restart, given_up=given_up
            )
            self._cue_sound = tool_sound
        elif not tool_on and was_tool_on:
            mixer.submit(lambda: cue.deactivate(mixer.position, at_once=quiet_now))
        self._tool_sound = tool_sound
        pending = any(s is not None for s in self.state.sounds.values())
        self._tool_held_back = not tool_on and pending
        if not pending:
            self._tool_since = None  # the wait is over: a next one may play its full time
        if thinking_on != self._thinking_on:
            self._thinking_on = thinking_on
            thinking = mixer.thinking
            if thinking_on:
                assert self._thinking_sound is not None
                self._switch_on(thinking, self._thinking_sound, self._thinking_options, handover)
            else:
                mixer.submit(lambda: thinking.deactivate(mixer.position, at_once=quiet_now))

    def _past_max_play(self, since: int, options: CueOptions) -> bool:
        """Whether a wait that began at mix position ``since`` has outlasted ``max_play``."""
        limit = options.max_play
        frames = self._mixer.format.frames(limit) if limit is not None else 0
        return limit is not None and self._mixer.position - since >= frames

    def _switch_on(
        self,
        cue: CueController,
        spec: list[AudioConfig] | AudioConfig,
        options: CueOptions,
        skip_delay: bool,
        *,
        restart: bool = False,
        given_up: bool = False,
    ) -> None:
        """Activate ``cue`` with ``spec``; ``restart`` first ends the sound of another tool;
        ``given_up``: this wait outlasted ``max_play`` already (see ``CueController``)."""
        mixer = self._mixer
        factory = self._voices.cue(spec, options, self._rng)
        give_up = (
            self._voices.cue(self._give_up_sound, CueOptions(loop=True), self._rng)
            if self._give_up_sound is not None and options.max_play is not None
            else None
        )

        def command() -> None:
            skip = skip_delay
            if restart:
                skip = skip or cue.sounding  # one tool's sound handing over to the next
                cue.stop()
            cue.activate(
                mixer.position, factory, skip_delay=skip, give_up=give_up, given_up=given_up
            )

        mixer.submit(command)
