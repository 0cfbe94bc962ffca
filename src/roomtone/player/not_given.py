"""Arguments marked "not given" count as omitted, as in the frameworks roomtone stands in for.

livekit-agents' signatures default to ``NOT_GIVEN`` (an instance of its ``NotGiven`` class),
and code that forwards its own arguments passes that value on explicitly. The marker is
recognised by its class name and its falseness, so the core imports no framework; other SDKs
that use the same convention (a falsy ``NotGiven``) are covered too.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["given", "is_not_given"]

_T = TypeVar("_T")


def is_not_given(value: object) -> bool:
    """True for LiveKit's ``NOT_GIVEN`` and any other falsy ``NotGiven`` instance."""
    return type(value).__name__ == "NotGiven" and not value


def given(value: _T) -> _T | None:
    """``value``, or ``None`` when it is a "not given" marker."""
    return None if is_not_given(value) else value
