"""Scripted conversations: ``"listening:2,thinking:3,speaking:4"`` as (state, seconds) steps."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STATES", "Step", "parse_timeline"]

STATES = ("initializing", "idle", "listening", "thinking", "speaking", "tool")
"""Agent states a timeline may use; ``tool`` means thinking with a tool call running."""


@dataclass(frozen=True)
class Step:
    state: str
    seconds: float


def parse_timeline(text: str) -> list[Step]:
    """Parse ``state:seconds`` pairs separated by commas; errors say which part is wrong."""
    steps: list[Step] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        state, sep, seconds = part.partition(":")
        state = state.strip().lower()
        if not sep:
            raise ValueError(f"timeline step {part!r} must look like state:seconds")
        if state not in STATES:
            raise ValueError(f"timeline state {state!r} is not one of {', '.join(STATES)}")
        try:
            value = float(seconds)
        except ValueError:
            raise ValueError(f"timeline step {part!r}: {seconds!r} is not a number") from None
        if not 0 < value <= 3600:
            raise ValueError(f"timeline step {part!r}: seconds must be in (0, 3600]")
        steps.append(Step(state, value))
    if not steps:
        raise ValueError("timeline is empty; give steps like listening:2,thinking:3")
    return steps
