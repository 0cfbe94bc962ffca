"""Handles finishing on another thread (issue 11, item 6).

An output that renders on its own thread (a sound-card callback, the console's speaker) finishes
sounds there, while the event loop settles handles. Before the fix a completion could be
appended to a list the loop was replacing at that moment, and be lost: awaiting its handle
never returned. The window is a line or two wide, so the test does not wait for luck: it makes
the render thread run one block between every two lines of player code the loop executes.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import roomtone
from roomtone import AudioOutput, BackgroundAudioPlayer
from roomtone.outputs.base import Renderer

PLAYER_CODE = str(Path(roomtone.__file__).parent / "player")


class LockstepOutput(AudioOutput):
    """Renders one small block on its own thread each time ``step()`` asks, and waits for it."""

    def __init__(self) -> None:
        super().__init__(48000, 1, 0.01)
        self._go = threading.Semaphore(0)
        self._done = threading.Semaphore(0)
        self._delivered = 0
        self._closed = False
        self._thread: threading.Thread | None = None

    async def start(self, renderer: Renderer) -> None:
        def run() -> None:
            while True:
                self._go.acquire()
                if self._closed:
                    self._done.release()
                    return
                renderer.render(48)
                self._delivered += 48
                self._done.release()

        self._thread = threading.Thread(target=run, name="test-render", daemon=True)
        self._thread.start()

    def step(self) -> None:
        if self._thread is not None and not self._closed:
            self._go.release()
            self._done.acquire(timeout=1.0)

    def delivered_frames(self) -> int:
        return self._delivered

    async def aclose(self) -> None:
        self._closed = True
        self._go.release()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 2.0)


def interleave(out: LockstepOutput) -> Callable[[FrameType, str, Any], Any]:
    """A tracer: before each line of player code on this thread, the render thread runs a block."""

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            out.step()
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename.startswith(PLAYER_CODE):
            return local
        return None

    return calls


async def test_handles_finished_on_a_render_thread_all_settle(
    tone_file: Callable[..., str],
) -> None:
    # Sparse ends at uneven spacing, so that over the rounds they fall on every line.
    clicks = [tone_file(1000, k * 0.0013) for k in range(1, 100)]
    out = LockstepOutput()
    player = BackgroundAudioPlayer()
    await player.start(output=out)
    running = True

    async def keep_time() -> None:
        while running:
            out.step()
            await asyncio.sleep(0)

    clock = asyncio.ensure_future(keep_time())
    lost = 0
    try:
        for round_ in range(12):
            handles = [player.play(click) for click in clicks[round_ % 5 :: 5]]
            sys.settrace(interleave(out))  # while the sounds play and end
            waits = [asyncio.ensure_future(h.wait_for_playout()) for h in handles]
            _, pending = await asyncio.wait(waits, timeout=30)  # a hang guard, not a bound
            sys.settrace(None)
            lost += len(pending)
        assert lost == 0, f"{lost} handles never settled"
    finally:
        sys.settrace(None)
        running = False
        await clock
        await player.aclose()
