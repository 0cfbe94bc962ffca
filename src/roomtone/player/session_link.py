"""Following an agent session: its events become the player's state calls.

Works with livekit-agents' ``AgentSession`` and anything else with ``.on``/``.off`` emitting the
same events (``agent_state_changed``, ``user_state_changed``, ``tool_execution_updated``).
The link also acts on the session for the call's shape: it tells whether the session runs a
realtime model (no thinking state), waits for its queued speech, and mutes the caller on hold.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from roomtone.player.events import AgentState, UserState
from roomtone.registry import mute_session_input

__all__ = ["NamedToolSink", "SessionLink", "StateSink"]

logger = logging.getLogger("roomtone")


class StateSink(Protocol):
    def set_agent_state(self, state: AgentState) -> None: ...

    def set_user_state(self, state: UserState) -> None: ...

    def set_tools_running(self, running: bool) -> None: ...


@runtime_checkable
class NamedToolSink(StateSink, Protocol):
    """A sink that picks sounds by tool name (the player): it gets the calls themselves."""

    def set_running_tools(self, tools: Mapping[str, str]) -> None: ...


class SessionLink:
    """Subscribes to a session's events until ``detach()``; all of them, or none if one fails."""

    def __init__(self, session: Any, sink: NamedToolSink) -> None:
        self.check(session)
        self._session = session
        self._sink = sink
        self._running: dict[str, str] = {}
        self.realtime = _runs_realtime_model(session)
        self._handlers = {
            "agent_state_changed": self._on_agent_state,
            "user_state_changed": self._on_user_state,
            "tool_execution_updated": self._on_tool_update,
        }
        self._subscribed: list[str] = []
        try:
            for event, handler in self._handlers.items():
                session.on(event, handler)
                self._subscribed.append(event)
            current = getattr(session, "agent_state", None)
            if isinstance(current, str):
                self._tell(sink.set_agent_state, current)
        except BaseException:
            self.detach()
            raise

    @staticmethod
    def check(session: Any) -> None:
        """Raise now, before anything is started, if ``session`` cannot be followed."""
        if not (callable(getattr(session, "on", None)) and callable(getattr(session, "off", None))):
            raise TypeError(
                "agent_session must have .on(event, callback) and .off(event, callback), "
                f"like livekit.agents.AgentSession; got {type(session).__name__}"
            )

    def detach(self) -> None:
        """Remove the listeners; safe to call twice."""
        subscribed, self._subscribed = self._subscribed, []
        for event in subscribed:
            try:
                self._session.off(event, self._handlers[event])
            except (KeyError, ValueError):  # the emitter already forgot the listener
                logger.debug("roomtone: %s listener was already removed", event)

    def _tell(self, method: Any, state: str) -> None:
        """A state the player does not know (a newer framework's) is logged, not raised into
        the session's event emitter."""
        try:
            method(state)
        except ValueError as exc:
            logger.warning("roomtone: session state ignored: %s", exc)

    def _on_agent_state(self, event: Any) -> None:
        self._tell(self._sink.set_agent_state, str(event.new_state))

    def _on_user_state(self, event: Any) -> None:
        self._tell(self._sink.set_user_state, str(event.new_state))

    def _on_tool_update(self, event: Any) -> None:
        update = getattr(event, "update", event)
        kind = getattr(update, "type", "")
        if kind == "tool_call_started":
            call = getattr(update, "function_call", None)
            call_id = str(getattr(call, "call_id", id(update)))
            self._running[call_id] = str(getattr(call, "name", ""))
        elif kind == "tool_call_ended":
            self._running.pop(str(getattr(update, "call_id", "")), None)
        else:
            return  # progress updates and reply states change nothing that sounds
        self._sink.set_running_tools(dict(self._running))

    async def wait_for_speech(self) -> None:
        """Until the speech the session has queued has been played (``wait_for_idle``)."""
        wait = getattr(self._session, "wait_for_idle", None)
        if not callable(wait):
            return
        try:
            await wait()
        except RuntimeError as exc:  # not running, or closing: there is nothing left to hear
            logger.debug("roomtone: not waiting for the session's speech: %s", exc)

    def set_input_muted(self, muted: bool) -> None:
        """Stop (or restart) the caller's audio into the session."""
        session = self._session
        if mute_session_input(session, muted):
            return
        agent_input = getattr(session, "input", None)
        enable = getattr(agent_input, "set_audio_enabled", None)
        if callable(enable):
            enable(not muted)


def _runs_realtime_model(session: Any) -> bool:
    """A realtime (speech-to-speech) model goes listening -> speaking with no thinking state."""
    model = getattr(session, "llm", None)
    return any(cls.__name__ == "RealtimeModel" for cls in type(model).__mro__)
