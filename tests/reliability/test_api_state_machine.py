"""Random sequences of public API calls keep the player's promises.

Invariants after every step: only documented exceptions are raised, the output is finite and
under the limiter's ceiling, and once the player is closed every handle it gave out has settled.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from roomtone import (
    AudioConfig,
    BackgroundAudioPlayer,
    OfflineRenderer,
    PlayerStateError,
    PlayHandle,
)
from signals import tone_wav

RATE = 16000
CEILING = 10 ** (-1.0 / 20) + 1e-6
FILES: list[str] = []  # a bed and a short cue, written by the sound_files fixture
LOUD: list[str] = []  # a near full-scale tone (one path)
STATES = ["initializing", "idle", "listening", "thinking", "speaking"]
volumes = st.floats(min_value=-1.0, max_value=5.0, allow_nan=False)


@pytest.fixture(scope="module", autouse=True)
def sound_files(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The machine's sounds, in a folder pytest owns and cleans up (not one left in /tmp)."""
    folder = tmp_path_factory.mktemp("stateful")
    FILES[:] = [
        tone_wav(folder / f"t{f}.wav", f, s, RATE, amp=0.5) for f, s in ((300, 1.5), (900, 0.4))
    ]
    LOUD[:] = [tone_wav(folder / "loud.wav", 2000, 0.8, RATE, amp=0.99)]


class PlayerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.renderer = OfflineRenderer(RATE, 1)
        self.player = BackgroundAudioPlayer(
            ambient_sound=AudioConfig(FILES[0], volume=0.8),
            thinking_sound=FILES[1],
            tool_sound=LOUD[0],
            seed=3,
        )
        self.started = False
        self.closed = False
        self.handles: list[PlayHandle] = []
        self.rendered = 0

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def call(self, fn: Any) -> Any:
        """Run a plain call on the event loop, as an agent's code would."""

        async def inside() -> Any:
            return fn()

        return self.run(inside())

    def teardown(self) -> None:
        self.run(self.player.aclose())
        assert all(h.done() for h in self.handles)
        self.loop.close()

    @precondition(lambda self: not self.started and not self.closed)
    @rule()
    def start(self) -> None:
        self.run(self.player.start(output=self.renderer))
        self.started = True

    @rule(index=st.integers(0, 2), loop=st.booleans(), volume=volumes)
    def play(self, index: int, loop: bool, volume: float) -> None:
        source = [*FILES, *LOUD][index]
        if not 0 <= volume <= 4:
            try:
                AudioConfig(source, volume=volume)
            except ValueError:
                return
            raise AssertionError(f"volume {volume} was accepted")
        try:
            handle = self.call(
                lambda: self.player.play(AudioConfig(source, volume=volume), loop=loop)
            )
        except PlayerStateError:
            assert not self.started or self.closed
            return
        assert self.started and not self.closed
        self.handles.append(handle)

    @precondition(lambda self: bool(self.handles))
    @rule(data=st.data())
    def stop(self, data: st.DataObject) -> None:
        handle = data.draw(st.sampled_from(self.handles))
        self.call(handle.stop)

    @precondition(lambda self: bool(self.handles))
    @rule(data=st.data(), volume=volumes, ramp=st.floats(0, 0.5))
    def set_volume(self, data: st.DataObject, volume: float, ramp: float) -> None:
        handle = data.draw(st.sampled_from(self.handles))
        try:
            self.call(lambda: handle.set_volume(volume, ramp))
        except ValueError:
            assert not 0 <= volume <= 4

    @rule(state=st.sampled_from(STATES))
    def agent_state(self, state: str) -> None:
        self._live(lambda: self.player.set_agent_state(state))

    @rule(state=st.sampled_from(["speaking", "listening", "away"]))
    def user_state(self, state: str) -> None:
        self._live(lambda: self.player.set_user_state(state))

    @rule(running=st.booleans())
    def tools(self, running: bool) -> None:
        self._live(lambda: self.player.set_tools_running(running))

    @rule(pause=st.booleans())
    def pause_or_resume(self, pause: bool) -> None:
        call = self.player.pause_ambient if pause else self.player.resume_ambient
        self._live(lambda: call(0.05))

    @rule(index=st.sampled_from([None, 0, 1]), crossfade=st.floats(0, 0.5))
    def set_ambient(self, index: int | None, crossfade: float) -> None:
        sound = None if index is None else FILES[index]
        self._live(lambda: self.player.set_ambient(sound, crossfade=crossfade))

    @rule(volume=volumes)
    def master(self, volume: float) -> None:
        try:
            self._live(lambda: self.player.set_master_volume(volume, 0.05))
        except ValueError:
            assert not 0 <= volume <= 4

    @precondition(lambda self: self.started and not self.closed)
    @rule(seconds=st.floats(0.02, 0.4))
    def advance(self, seconds: float) -> None:
        self.run(self.renderer.advance(seconds))

    @rule()
    def close(self) -> None:
        self.run(self.player.aclose())
        self.closed = self.closed or self.started  # before start(): a no-op, as LiveKit's
        assert all(h.done() for h in self.handles)

    def _live(self, call: Any) -> None:
        """Calls that need a started, open player raise PlayerStateError otherwise, nothing else."""
        try:
            self.call(call)
        except PlayerStateError:
            assert not self.started or self.closed
        else:
            assert self.started and not self.closed

    @invariant()
    def output_is_finite_and_under_the_ceiling(self) -> None:
        audio = self.renderer.audio()
        fresh = audio[self.rendered :]
        self.rendered = len(audio)
        if len(fresh):
            assert np.all(np.isfinite(fresh))
            assert float(np.max(np.abs(fresh))) <= CEILING


PlayerMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_public_api_state_machine = PlayerMachine.TestCase
