"""The player's calls for the call's shape: states, tools by name, hold, closing cues.

A mixin of :class:`~roomtone.player.player.BackgroundAudioPlayer`, kept apart so the facade
stays the LiveKit API; the work is done by the running session's ``CallFlow``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from roomtone.config import SoundSpec, check_seconds
from roomtone.player.call_flow import CallFlow
from roomtone.player.cues import check_agent_state, check_user_state
from roomtone.player.events import AgentState, UserState
from roomtone.player.handle import PlayHandle
from roomtone.player.selection import choose, coerce_spec
from roomtone.player.session import Session

__all__ = ["CallControls"]


class CallControls:
    """The call's state and shape, on the player (event loop only).

    The player's constructor takes the options: ``tool_sound`` may map tool names to sounds
    (``"*"`` for the rest) or be a function of the name, and plays only while the agent is
    silent; ``call_control_tools`` (transfers, hang-ups) play nothing; a cue past its
    ``CueOptions.max_play`` hands over to ``give_up_sound`` or fades; ``opening_sound`` plays
    once, until anyone speaks; ``ambient_mode="gaps"`` pauses the bed under the agent's speech
    instead of ducking it; ``infer_wait`` (``None``: when the session runs a realtime model)
    plays the thinking sound from the user's end of turn to the agent's first audio.
    """

    _rng: random.Random

    def _live(self) -> Session:
        """The running session; raises the player's state error when not started or closed."""
        raise NotImplementedError

    def _mixing(self) -> Session | None:
        """The running session, or ``None`` once the output stopped by itself (state and level
        calls are then dropped); raises the state error when not started or closed."""
        raise NotImplementedError

    def _flow(self) -> CallFlow:
        return self._live().flow

    def _following(self) -> CallFlow | None:
        running = self._mixing()
        return running.flow if running is not None else None

    def play(self, audio: SoundSpec, *, loop: bool = False) -> PlayHandle:
        raise NotImplementedError

    # -- state (called by session links and framework integrations) -----------------------------
    def set_agent_state(self, state: AgentState) -> None:
        """Tell the player the agent's state ("thinking", "speaking", ...) yourself."""
        checked = check_agent_state(state)
        if (flow := self._following()) is not None:
            flow.set_agent_state(checked)

    def set_user_state(self, state: UserState) -> None:
        """Tell the player the user's state ("speaking", "listening" or "away")."""
        checked = check_user_state(state)
        if (flow := self._following()) is not None:
            flow.set_user_state(checked)

    def set_tools_running(self, running: bool) -> None:
        """Whether any (unnamed) tool call is in progress: drives ``tool_sound``."""
        if (flow := self._following()) is not None:
            flow.state.set_tools_running(bool(running))
            flow.changed()

    def set_running_tools(self, tools: Mapping[str, str]) -> None:
        """The tool calls in progress, call id -> tool name (what session links report)."""
        if (flow := self._following()) is not None:
            flow.set_tools(tools)

    def tool_started(self, call_id: str, name: str) -> None:
        """A call of the tool ``name`` started; its sound is picked by name."""
        if (flow := self._following()) is not None:
            flow.state.tool_started(call_id, name)
            flow.changed()

    def tool_ended(self, call_id: str) -> None:
        if (flow := self._following()) is not None:
            flow.state.tool_ended(call_id)
            flow.changed()

    # -- the bed and hold -------------------------------------------------------------------------
    def pause_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed out and hold its place."""
        fade = check_seconds("fade", fade)  # here, on the loop: the caller gets the error
        if (flow := self._following()) is not None:
            flow.bed.set("user", True, fade)

    def resume_ambient(self, fade: float = 0.5) -> None:
        """Fade the ambient bed back in where it paused (unless on hold)."""
        fade = check_seconds("fade", fade)
        if (flow := self._following()) is not None:
            flow.bed.set("user", False, fade)

    @property
    def on_hold(self) -> bool:
        try:
            return self._flow().state.on_hold
        except RuntimeError:  # not started, or closed
            return False

    @property
    def input_muted(self) -> bool:
        """Whether the caller's audio is kept from the agent (``hold(mute_input=True)``)."""
        try:
            return self._flow().input_muted
        except RuntimeError:
            return False

    def hold(
        self, sound: SoundSpec | None = None, *, mute_input: bool = False, fade: float = 0.5
    ) -> None:
        """Put the caller on hold: music (resuming where it stopped), ambience and cues paused.

        ``sound`` defaults to the last hold sound (at first the built-in hold music at 0.8).
        ``mute_input`` keeps the caller's audio from the agent until ``unhold()``.
        """
        flow = self._flow()
        check_seconds("fade", fade)
        spec = coerce_spec(sound, "sound")
        config = choose(spec, self._rng) if spec is not None else None
        flow.hold(config, mute_input=mute_input, fade=fade)

    def unhold(self, fade: float = 0.5) -> None:
        """Take the caller off hold: the music pauses (keeping its place), the rest resumes."""
        flow = self._flow()
        check_seconds("fade", fade)
        flow.unhold(fade)

    # -- cues after speech ----------------------------------------------------------------------
    async def play_closing(self, sound: SoundSpec) -> PlayHandle:
        """Play ``sound`` once the agent's queued speech has been heard; return once the sound
        itself has been heard (then hang up)."""
        return await self._play_after_speech(sound)

    async def play_transfer(self, sound: SoundSpec) -> PlayHandle:
        """A transfer cue, by the closing's rule: after the speech, returning once heard."""
        return await self._play_after_speech(sound)

    async def _play_after_speech(self, sound: SoundSpec) -> PlayHandle:
        await self._flow().after_speech()
        handle = self.play(sound)
        await handle.wait_for_playout()
        return handle
