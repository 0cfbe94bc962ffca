"""Scripted conversations: ``"listening:2,thinking:3,speaking:4"`` as (state, seconds) steps.

Besides the agent's states a timeline can say what the call does:
``user:2`` (the caller speaks), ``tool=search_flights:3`` (that tool runs while the agent
waits), ``filler:1`` (the agent speaks while the tool runs on), ``hold:5`` (the caller is on
hold) and ``closing`` (the closing cue, after the speech before it; ``closing:1`` also renders
one more second).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STATES", "Step", "parse_timeline"]

STATES = (
    "initializing",
    "idle",
    "listening",
    "thinking",
    "speaking",
    "tool",
    "user",
    "filler",
    "hold",
    "closing",
)
"""What a timeline step may be; ``tool`` means thinking with a tool call running."""

_OPTIONAL_SECONDS = ("closing",)


@dataclass(frozen=True)
class Step:
    state: str
    seconds: float
    tool: str | None = None
    """The tool's name in a ``tool=name:seconds`` step."""


def _parse_seconds(part: str, seconds: str) -> float:
    try:
        value = float(seconds)
    except ValueError:
        raise ValueError(f"timeline step {part!r}: {seconds!r} is not a number") from None
    if not 0 < value <= 3600:
        raise ValueError(f"timeline step {part!r}: seconds must be in (0, 3600]")
    return value


def _parse_step(part: str) -> Step:
    head, sep, seconds = part.partition(":")
    state, eq, tool = head.strip().partition("=")
    state = state.strip().lower()
    if state not in STATES:
        raise ValueError(f"timeline state {state!r} is not one of {', '.join(STATES)}")
    if eq and state != "tool":
        raise ValueError(f"timeline step {part!r}: only tool steps take a name (tool=name:3)")
    name = tool.strip() if eq else None
    if eq and not name:
        raise ValueError(f"timeline step {part!r}: give the tool's name, as in tool=lookup:3")
    if not sep:
        if state in _OPTIONAL_SECONDS:
            return Step(state, 0.0)
        raise ValueError(f"timeline step {part!r} must look like state:seconds")
    return Step(state, _parse_seconds(part, seconds), name)


def parse_timeline(text: str) -> list[Step]:
    """Parse ``state:seconds`` pairs separated by commas; errors say which part is wrong."""
    steps = [_parse_step(p.strip()) for p in text.split(",") if p.strip()]
    if not steps:
        raise ValueError("timeline is empty; give steps like listening:2,thinking:3")
    return steps
