"""livekit-agents' warm transfer with roomtone's player as its hold audio, in a real session.

A real ``AgentSession`` whose scripted LLM calls a ``transfer_to_human`` tool; the tool awaits
``RoomtoneWarmTransferTask`` under livekit's own ``fake_job_context`` (a real ``JobContext``
around the room stand-in). Only the SIP dial and the call merge need a LiveKit server: a
``HumanAgentLine`` stands in for them, and the test answers it, fails it, or plays the human
agent's tools. The hold is measured in the frames the player sent to its track.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from agents_stand_ins import CallerInput, ScriptedTTS, SpeakerOutput, ToolCallingLLM
from livekit_rig import Captured, stand_in_room

from roomtone import AudioConfig, BackgroundAudioPlayer, MemoryOutput, PlayerStateError
from roomtone.integrations.livekit import RoomOutput, RoomtoneWarmTransferTask
from roomtone.outputs import write_wav
from signals import band_db, tone

agents = pytest.importorskip("livekit.agents")
from livekit import rtc  # noqa: E402
from livekit.agents.testing import fake_job_context  # noqa: E402

pytestmark = pytest.mark.realtime  # a real session on the real clock

RATE = 48000
BED, HOLD = 300.0, 500.0
STEPS = (400.0, 600.0, 800.0, 1000.0)  # stepped hold music: its pitch tells its position
FADE = 0.1  # the hold's fade in and out
SETTLE = FADE + 0.15  # a fade plus the track's lead and a block's slack
ON, OFF = -20.0, -60.0
HOLD_DB = 20 * np.log10(0.25) - 3.01  # a 0.25-amplitude sine at volume 1: RMS in dBFS


@contextlib.contextmanager
def caller_job(room: Any) -> Iterator[Any]:
    """livekit's own fake job around ``room``; its temp dir is cleaned up here, because a
    JobContext leaves it to the GC, which warns (an error in this suite)."""
    with fake_job_context(room=room) as job:
        yield job
    job._tempdir.cleanup()


class HumanAgentLine:
    """Stands in for the SIP dial to the human agent (it needs a LiveKit server)."""

    def __init__(self) -> None:
        self.dialled = asyncio.Event()
        self.answer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.hung_up = False
        self.dial_cancelled = False

    def shutdown(self) -> None:  # what the task calls on the human agent's session
        self.hung_up = True


class ScriptedTransfer(RoomtoneWarmTransferTask):
    """The helper under test, with the server-side steps replaced by ``HumanAgentLine``."""

    def __init__(self, player: BackgroundAudioPlayer, line: HumanAgentLine, **options: Any):
        super().__init__(player, "+15105550123", sip_trunk_id="ST_test", **options)
        self.line = line

    async def _dial_human_agent(self) -> Any:
        self.line.dialled.set()
        try:
            await self.line.answer
        except asyncio.CancelledError:
            self.line.dial_cancelled = True
            raise
        return self.line

    async def _merge_calls(self) -> None:
        pass  # MoveParticipant is a server API


class FrontDesk(agents.Agent):
    """Transfers every caller; ``transfers`` holds the tasks it ran and ``outcomes`` how each
    ended (the tool's answer, as the LLM sees it)."""

    def __init__(self, player: BackgroundAudioPlayer, **options: Any) -> None:
        super().__init__(instructions="test")
        self.player = player
        self.options = options
        self.transfers: list[ScriptedTransfer] = []
        self.dialling: asyncio.Queue[HumanAgentLine] = asyncio.Queue()
        self.outcomes: list[str] = []
        self.tool_tasks: list[asyncio.Task[Any] | None] = []

    @agents.function_tool
    async def transfer_to_human(self, ctx: agents.RunContext) -> str:
        """Transfer the caller to a human."""
        self.tool_tasks.append(asyncio.current_task())
        line = HumanAgentLine()
        self.dialling.put_nowait(line)
        task = ScriptedTransfer(self.player, line, chat_ctx=self.chat_ctx, **self.options)
        self.transfers.append(task)
        try:
            result = await task
        except agents.llm.ToolError as exc:
            self.outcomes.append(f"failed: {exc.message}")
        else:
            self.outcomes.append(f"connected: {result.human_agent_identity}")
        return self.outcomes[-1]


class Call:
    """A caller's session, its roomtone player on the room stand-in, and the front desk."""

    def __init__(self, room: Any, captured: Captured, session: Any, player: Any, desk: Any):
        self.room = room
        self.captured = captured
        self.session = session
        self.player = player
        self.desk = desk
        output = player.output
        assert isinstance(output, RoomOutput)
        self.output = output
        self.runs: list[asyncio.Future[Any]] = []

    @classmethod
    async def start(cls, room: Any, captured: Captured, bed: str, **transfer_options: Any) -> Call:
        session = agents.AgentSession(
            llm=ToolCallingLLM("transfer_to_human", answer="Back with you."),
            tts=ScriptedTTS(),
            vad=None,
            turn_handling={"turn_detection": "manual"},
        )
        session.output.audio = SpeakerOutput()
        session.input.audio = CallerInput()
        player = BackgroundAudioPlayer(ambient_sound=bed, ducking=False)
        desk = FrontDesk(player, hold_fade=FADE, **transfer_options)
        await session.start(desk)
        await player.start(room=room, agent_session=session)
        return cls(room, captured, session, player, desk)

    async def transfer(self) -> tuple[ScriptedTransfer, HumanAgentLine, float]:
        """The caller asks for a human; returns once the human agent is being dialled."""
        self.runs.append(asyncio.ensure_future(self.session.run(user_input="a human please")))
        line = await asyncio.wait_for(self.desk.dialling.get(), 5)
        await asyncio.wait_for(line.dialled.wait(), 5)
        return self.desk.transfers[-1], line, time.monotonic()

    async def back_from_transfer(self) -> None:
        """Until the tool has its answer, the front desk is back and has had its say.

        ``run()`` ends earlier: livekit-agents stops watching a turn once it hands over to an
        AgentTask (and, when the dial fails inside ``on_enter``, it raises the task's error).
        """
        deadline = time.monotonic() + 10
        while not (
            len(self.desk.outcomes) == len(self.runs)
            and self.session.current_agent is self.desk
            and self.session.agent_state == "listening"
        ):
            assert time.monotonic() < deadline, "the transfer never came back"
            await asyncio.sleep(0.02)
        await asyncio.wait(self.runs, timeout=5)

    def level(self, freq: float, start: float, end: float) -> float:
        return band_db(self.captured.audio(self.output.source, start, end), RATE, freq)

    async def close(self) -> None:
        await self.player.aclose()
        await self.session.aclose()


async def _answered(line: HumanAgentLine) -> None:
    line.answer.set_result(None)
    await asyncio.sleep(0.05)  # on_enter takes the answered call


ENDINGS: dict[str, Callable[[ScriptedTransfer, HumanAgentLine], Any]] = {}


def ending(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        ENDINGS[name] = fn
        return fn

    return register


@ending("connected")
async def _connect(task: ScriptedTransfer, line: HumanAgentLine) -> None:
    await _answered(line)
    await task.connect_to_caller()  # the human agent's LLM calls it once briefed


@ending("declined")
async def _decline(task: ScriptedTransfer, line: HumanAgentLine) -> None:
    await _answered(line)
    await task.decline_transfer("in a meeting")


@ending("voicemail")
async def _voicemail(task: ScriptedTransfer, line: HumanAgentLine) -> None:
    await _answered(line)
    await task.voicemail_detected()


@ending("dial failed")
async def _dial_fails(task: ScriptedTransfer, line: HumanAgentLine) -> None:
    line.answer.set_exception(RuntimeError("SIP 486 busy here"))
    await asyncio.sleep(0.05)  # on_enter takes the failure


@ending("human agent's room closed")
async def _room_closes(task: ScriptedTransfer, line: HumanAgentLine) -> None:
    await _answered(line)
    # what the human agent's room's "disconnected" event calls (it needs a server to happen)
    task._on_human_agent_room_close(rtc.DisconnectReason.ROOM_DELETED)


EXPECTED_OUTCOME = {
    "connected": "connected: human-agent-sip",
    "declined": "failed: human agent declined to connect: in a meeting",
    "voicemail": "failed: voicemail detected",
    "dial failed": "failed: could not dial human agent",
    "human agent's room closed": "failed: room closed: ROOM_DELETED",
}


@pytest.mark.parametrize("how", list(ENDINGS))
async def test_the_hold_plays_on_our_track_for_exactly_the_transfer(
    room: Any, captured: Captured, tone_file: Callable[..., str], how: str
) -> None:
    with caller_job(room):
        call = await Call.start(room, captured, tone_file(BED, 6.0), hold_sound=tone_file(HOLD))
        await asyncio.sleep(0.6)
        task, line, entered = await call.transfer()
        assert call.player.on_hold
        assert not call.session.input.audio_enabled  # the task's own muting, left to it
        await asyncio.sleep(1.2)
        await ENDINGS[how](task, line)
        ended = time.monotonic()
        assert task.done()
        assert not call.player.on_hold
        await call.back_from_transfer()
        await asyncio.sleep(0.8)
        input_back = call.session.input.audio_enabled
        await call.close()

    assert call.desk.outcomes == [EXPECTED_OUTCOME[how]]
    assert line.hung_up == (how != "dial failed")  # the task's own ending ran as in livekit
    published = room.local_participant.published
    assert [p.name for p in published] == ["background_audio"]  # ours, and only ours
    assert isinstance(published[0].track, rtc.LocalAudioTrack)

    # before: the bed, no hold music
    assert call.level(BED, 0.1, entered) > ON
    assert call.level(HOLD, 0.1, entered) < OFF
    # on hold: the music at its own level, the bed paused under it
    hold_db = call.level(HOLD, entered + SETTLE, ended)
    assert abs(hold_db - HOLD_DB) < 0.5, hold_db
    assert call.level(BED, entered + SETTLE, ended) < OFF
    # after: the music stops within its fade, the bed is back
    assert call.level(HOLD, ended + SETTLE, ended + 0.8) < OFF
    assert call.level(BED, ended + SETTLE, ended + 0.8) > ON
    if how != "connected":  # after a connect the human agent talks with the caller
        assert input_back  # the task gave the caller's input back


async def test_session_closing_mid_dial_ends_the_hold_and_the_dial(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    with caller_job(room):
        call = await Call.start(room, captured, tone_file(BED, 6.0), hold_sound=tone_file(HOLD))
        task, line, entered = await call.transfer()
        await asyncio.sleep(0.8)
        # cancels the task while the human agent is still ringing; nobody answers
        await asyncio.wait_for(call.session.aclose(), 5)
        ended = time.monotonic()
        assert task.done()
        assert line.dial_cancelled  # the human agent's phone stops ringing
        assert not call.player.on_hold
        await asyncio.sleep(0.6)
        await call.player.aclose()
        await asyncio.wait(call.runs, timeout=5)

    assert call.level(HOLD, entered + SETTLE, ended) > ON
    assert call.level(HOLD, ended + SETTLE, ended + 0.6) < OFF
    assert call.level(BED, ended + SETTLE, ended + 0.6) > ON
    assert len(room.local_participant.published) == 1


async def test_cancelling_the_tool_that_awaits_the_transfer_ends_the_hold(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    with caller_job(room):
        call = await Call.start(room, captured, tone_file(BED, 6.0), hold_sound=tone_file(HOLD))
        task, line, entered = await call.transfer()
        await _answered(line)  # the human agent is being briefed
        await asyncio.sleep(0.6)
        tool = call.desk.tool_tasks[-1]
        assert tool is not None
        tool.cancel()  # livekit-agents then completes the task with an error
        await asyncio.wait({tool}, timeout=5)
        ended = time.monotonic()
        assert task.done()
        assert not call.player.on_hold
        await asyncio.sleep(0.6)
        await call.close()
        await asyncio.wait(call.runs, timeout=5)

    assert call.level(HOLD, entered + SETTLE, ended) > ON
    assert call.level(HOLD, ended + SETTLE, ended + 0.6) < OFF
    assert call.level(BED, ended + SETTLE, ended + 0.6) > ON


async def test_a_player_that_stops_mid_transfer_leaves_the_transfer_alone(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    with caller_job(room):
        call = await Call.start(room, captured, tone_file(BED, 6.0), hold_sound=tone_file(HOLD))
        task, line, _entered = await call.transfer()
        room.emit("disconnected", rtc.DisconnectReason.ROOM_DELETED)
        assert not call.player.started
        await _decline(task, line)  # ending the hold on a stopped player must not raise
        assert task.done()
        await call.back_from_transfer()
        await call.close()
    assert call.desk.outcomes == [EXPECTED_OUTCOME["declined"]]
    assert "ROOM_DELETED" in str(call.player.error)


def stepped_music(path: Path) -> str:
    """Hold music that is 400 Hz in its first second, 600 Hz in its second, and so on."""
    write_wav(path, np.concatenate([tone(f, 1.0) for f in STEPS]), RATE, "float32")
    return str(path)


async def test_a_second_transfer_resumes_the_hold_where_the_first_left_it(
    room: Any, captured: Captured, tone_file: Callable[..., str], tmp_path: Path
) -> None:
    music = AudioConfig(stepped_music(tmp_path / "steps.wav"))
    with caller_job(room):
        call = await Call.start(room, captured, tone_file(BED, 6.0), hold_sound=music)
        task, line, first = await call.transfer()
        await asyncio.sleep(1.5)  # 400 Hz, then half of the 600 Hz step
        await _decline(task, line)
        await call.back_from_transfer()
        task, line, second = await call.transfer()
        await asyncio.sleep(1.6)
        await _decline(task, line)
        await call.back_from_transfer()
        await call.close()

    def loudest(start: float, end: float) -> float:
        return max(STEPS, key=lambda f: call.level(f, start, end))

    assert loudest(first + SETTLE, first + 0.9) == 400.0
    assert loudest(second + SETTLE, second + 0.35) == 600.0  # not 400: resumed, not restarted
    assert loudest(second + 0.7, second + 1.5) == 800.0
    assert call.desk.outcomes == ["failed: human agent declined to connect: in a meeting"] * 2
    assert len(room.local_participant.published) == 1


# -- bad input ------------------------------------------------------------------------------
async def test_a_player_that_is_not_started_is_refused() -> None:
    with pytest.raises(PlayerStateError, match=r"await player\.start\(room=ctx\.room"):
        RoomtoneWarmTransferTask(BackgroundAudioPlayer(), "+15105550123", sip_trunk_id="ST_x")


async def test_a_player_without_a_livekit_room_is_refused() -> None:
    player = BackgroundAudioPlayer()
    await player.start(output=MemoryOutput())
    try:
        with pytest.raises(PlayerStateError, match=r"plays into MemoryOutput.*room=ctx\.room"):
            RoomtoneWarmTransferTask(player, "+15105550123", sip_trunk_id="ST_x")
    finally:
        await player.aclose()


async def test_a_player_in_another_room_than_the_jobs_is_refused(room: Any) -> None:
    player = BackgroundAudioPlayer()
    await player.start(room=room)
    try:
        with (
            caller_job(stand_in_room()),
            pytest.raises(PlayerStateError, match="plays into another room"),
        ):
            RoomtoneWarmTransferTask(player, "+15105550123", sip_trunk_id="ST_x")
    finally:
        await player.aclose()


async def test_livekits_own_player_and_hold_audio_are_refused(room: Any) -> None:
    from livekit.agents.voice.background_audio import BackgroundAudioPlayer as LiveKitPlayer

    with pytest.raises(TypeError, match="roomtone's BackgroundAudioPlayer"):
        RoomtoneWarmTransferTask(LiveKitPlayer(), "+15105550123", sip_trunk_id="ST_x")  # type: ignore[arg-type]
    player = BackgroundAudioPlayer()
    await player.start(room=room)
    try:
        with pytest.raises(TypeError, match=r"hold_sound=\.\.\. instead of hold_audio"):
            RoomtoneWarmTransferTask(player, "+1510", sip_trunk_id="ST_x", hold_audio=None)
        with pytest.raises(ValueError, match="hold_fade"):
            RoomtoneWarmTransferTask(player, "+1510", sip_trunk_id="ST_x", hold_fade=-1)
    finally:
        await player.aclose()
    assert len(room.local_participant.published) == 1


def test_without_the_workflow_the_package_imports_and_the_helper_names_the_fix() -> None:
    """An older livekit-agents (no beta warm-transfer workflow), in a fresh interpreter."""
    code = """
import sys
sys.modules["livekit.agents.beta.workflows.warm_transfer"] = None  # what an old version lacks
import roomtone.integrations.livekit as lk
assert "RoomOutput" in lk.__all__
assert "livekit.agents" not in sys.modules  # the helper loads livekit-agents when used
try:
    lk.RoomtoneWarmTransferTask
except ImportError as exc:
    print(type(exc).__name__, exc)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MissingExtraError RoomtoneWarmTransferTask needs")
    assert "pip install -U livekit-agents" in result.stdout
