"""The call's shape around the cues: the opening cue, hold, the closing's wait, a gaps bed.

One :class:`CallFlow` per running player (event loop only). Whenever a fact changes (the
agent's or user's state, a tool call, a hold), :meth:`CallFlow.changed` brings everything in
line: the cues (``cues.py``), the opening cue (cut when anyone speaks or on hold), and the
bed, which pauses while any reason holds (the app's ``pause_ambient``, a hold, or the agent's
speech in gaps mode).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from roomtone.config import AudioConfig
from roomtone.engine.ducker import Ducking
from roomtone.engine.mixer import Mixer
from roomtone.errors import PlayerStateError
from roomtone.player.call_state import CallState
from roomtone.player.cues import CuePolicy
from roomtone.player.events import AgentState, UserState
from roomtone.player.handle import PlayHandle
from roomtone.player.hold import HoldMusic

__all__ = ["OPENING_CUT_FADE", "BedPauses", "CallFlow", "SessionActions"]

OPENING_CUT_FADE = 0.3
"""Seconds over which the opening cue fades when speech cuts it (unless it sets a fade_out)."""


class SessionActions(Protocol):
    """What the call flow asks of the agent session it follows (``SessionLink``)."""

    realtime: bool

    async def wait_for_speech(self) -> None: ...

    def set_input_muted(self, muted: bool) -> None: ...


SessionLinkT = TypeVar("SessionLinkT", bound=SessionActions)


class BedPauses:
    """The bed is paused while any reason holds, and resumes where it was when none does."""

    def __init__(self, pause: Callable[[float], None], resume: Callable[[float], None]) -> None:
        self._pause = pause
        self._resume = resume
        self.reasons: set[str] = set()

    def set(self, reason: str, on: bool, fade: float) -> None:
        before = bool(self.reasons)
        if on:
            self.reasons.add(reason)
        else:
            self.reasons.discard(reason)
        if before != bool(self.reasons):
            (self._pause if self.reasons else self._resume)(fade)


class CallFlow:
    """Opening, hold, closing and gaps for one running player."""

    def __init__(
        self,
        mixer: Mixer,
        state: CallState,
        cues: CuePolicy,
        hold: HoldMusic,
        bed: BedPauses,
        *,
        gaps: Ducking | None = None,
        infer_wait_auto: bool = False,
    ) -> None:
        self._mixer = mixer
        self.state = state
        self.cues = cues
        self.bed = bed
        self.session: SessionActions | None = None
        self._hold = hold
        self._gaps = gaps  # the fade timings of a gaps bed; None: the bed ducks instead
        self._infer_wait_auto = infer_wait_auto
        self._opening: PlayHandle | None = None
        self._input_muted = False
        self._agent_silent = asyncio.Event()
        self._agent_silent.set()
        self._closed = False

    def follow(self, session: SessionLinkT) -> SessionLinkT:
        """Act on ``session`` (a session link) from now on; returns it.

        With ``infer_wait=None`` the wait is inferred when the session runs a realtime model.
        """
        self.session = session
        if self._infer_wait_auto:
            self.state.infer_wait = session.realtime
        return session

    # -- facts ----------------------------------------------------------------------------------
    def set_agent_state(self, state: AgentState) -> None:
        mixer, speaking = self._mixer, state == "speaking"
        self.state.set_agent_state(state)
        self.changed()
        mixer.submit(lambda: setattr(mixer.ducker, "agent_speaking", speaking))

    def set_user_state(self, state: UserState) -> None:
        mixer, speaking = self._mixer, state == "speaking"
        self.state.set_user_state(state)
        self.changed()
        mixer.submit(lambda: setattr(mixer.ducker, "user_speaking", speaking))

    def set_tools(self, tools: Mapping[str, str]) -> None:
        self.state.set_tools(dict(tools))
        self.changed()

    # -- the call's shape ------------------------------------------------------------------------
    def open(self, play: Callable[[AudioConfig], PlayHandle], opening: AudioConfig) -> None:
        """Start the opening cue (before the first block, so it starts with the call)."""
        if opening.fade_out == 0.0:
            opening = dataclasses.replace(opening, fade_out=OPENING_CUT_FADE)
        self._opening = play(opening)

    def changed(self) -> None:
        """A fact changed: bring the cues, the opening cue and the bed in line."""
        state = self.state
        self.cues.update()
        if state.agent_state == "speaking":
            self._agent_silent.clear()
        else:
            self._agent_silent.set()
        if self._opening is not None and (state.anyone_spoke or state.on_hold):
            self._opening.stop()
            self._opening = None
        if self._gaps is not None:
            speaking = state.agent_state == "speaking"
            fade = self._gaps.attack if speaking else self._gaps.release
            self.bed.set("speech", speaking, fade)

    @property
    def input_muted(self) -> bool:
        return self._input_muted

    def hold(self, config: AudioConfig | None, *, mute_input: bool, fade: float) -> None:
        self._hold.start(config, fade)
        self.state.on_hold = True
        self.bed.set("hold", True, fade)
        self.changed()
        self._mute_input(mute_input)

    def unhold(self, fade: float) -> None:
        if not self.state.on_hold:
            return
        self._hold.stop(fade)
        self.state.on_hold = False
        self.bed.set("hold", False, fade)
        self.changed()
        self._mute_input(False)

    def _mute_input(self, muted: bool) -> None:
        if muted != self._input_muted:
            self._input_muted = muted
            if self.session is not None:
                self.session.set_input_muted(muted)

    async def after_speech(self) -> None:
        """Until the session's queued speech has been heard and the agent is silent; raises
        if the player closes meanwhile (a closing cue then has nowhere to play)."""
        if self.session is not None:
            await self.session.wait_for_speech()
        await self._agent_silent.wait()
        if self._closed:
            raise PlayerStateError("BackgroundAudioPlayer closed while a cue waited for speech")

    def close(self) -> None:
        """The player closed: release whoever waits for the speech to end."""
        self._closed = True
        self._agent_silent.set()
