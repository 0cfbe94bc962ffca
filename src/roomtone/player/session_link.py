"""Following an agent session: its events become the player's state calls.

Works with livekit-agents' ``AgentSession`` and anything else with ``.on``/``.off`` emitting the
same events (``agent_state_changed``, ``user_state_changed``, ``tool_execution_updated``).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from roomtone.player.events import AgentState, UserState

__all__ = ["SessionLink", "StateSink"]

logger = logging.getLogger("roomtone")


class StateSink(Protocol):
    def set_agent_state(self, state: AgentState) -> None: ...

    def set_user_state(self, state: UserState) -> None: ...

    def set_tools_running(self, running: bool) -> None: ...


class SessionLink:
    """Subscribes to a session's events until ``detach()``; all of them, or none if one fails."""

    def __init__(self, session: Any, sink: StateSink) -> None:
        self.check(session)
        self._session = session
        self._sink = sink
        self._running: set[str] = set()
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
            self._running.add(str(getattr(call, "call_id", id(update))))
        elif kind == "tool_call_ended":
            self._running.discard(str(getattr(update, "call_id", "")))
        else:
            return
        self._sink.set_tools_running(bool(self._running))
