"""One shared scheduler per event loop: the real-time clock, the LiveKit capture pump.

Both serve every output of a loop from one task; this keeps the one-per-loop bookkeeping in one
place. Entries die with their loop (weak keys), so closed loops leak nothing.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["PerLoop"]

T = TypeVar("T")


class PerLoop(Generic[T]):
    """``PerLoop(factory)()`` is the running loop's instance, made by ``factory(loop)`` once."""

    def __init__(self, factory: Callable[[asyncio.AbstractEventLoop], T]) -> None:
        self._factory = factory
        self._instances: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self) -> T:
        loop = asyncio.get_running_loop()
        instance = self._instances.get(loop)
        if instance is None:
            instance = self._instances[loop] = self._factory(loop)
        return instance
