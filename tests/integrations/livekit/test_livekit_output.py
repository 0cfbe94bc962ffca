"""RoomOutput with the real SDK: publishing, what reaches capture_frame, closing, reaction time.

Reaction times are counted in samples of the captured stream against the output's own
accounting (what was captured, what had left the queue), never as wall-clock durations.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from livekit_rig import Captured, stand_in_room

from roomtone import AudioConfig, BackgroundAudioPlayer, CueOptions, OutputError
from roomtone.integrations.livekit import RoomOutput, is_livekit_room
from roomtone.integrations.livekit.pump import WINDOW
from signals import assert_fades_to_silence, band_db

rtc = pytest.importorskip("livekit.rtc")

pytestmark = pytest.mark.realtime  # the SDK's AudioSource paces in real time

RATE = 48000
QUICK = CueOptions(delay=0, fade_in=0.0, fade_out=0.0, min_play=0.0)
RAMP = 240  # the engine's 5 ms de-click ramp at 48 kHz


async def captured_at_least(captured: Captured, source: Any, frames: int) -> None:
    """Wait until ``frames`` samples of ``source`` were captured (a hang guard, no time bound)."""
    async with asyncio.timeout(30):
        while sum(len(f.samples) for f in captured.of(source)) < frames:  # noqa: ASYNC110
            await asyncio.sleep(0.02)  # the SDK's captures set no event to wait on


def output_of(player: BackgroundAudioPlayer) -> RoomOutput:
    out = player.output
    assert isinstance(out, RoomOutput)
    return out


async def test_publishes_one_named_track_with_the_given_options(
    room: Any, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300), track_name="bed")
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await player.start(room=room, track_publish_options=options)
    participant = room.local_participant
    assert len(participant.published) == 1
    pub = participant.published[0]
    assert pub.name == "bed"
    assert isinstance(pub.track, rtc.LocalAudioTrack)
    assert pub.options.source == rtc.TrackSource.SOURCE_MICROPHONE
    assert player.publication is pub
    await player.aclose()
    assert participant.unpublished == [pub.sid]


async def test_defaults_match_livekit(room: Any, tone_file: Callable[..., str]) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    pub = room.local_participant.published[0]
    assert pub.name == "background_audio"
    assert pub.options == rtc.TrackPublishOptions()  # LiveKit's default: SOURCE_UNKNOWN
    out = output_of(player)
    await asyncio.sleep(0.3)
    queued = []
    for _ in range(20):
        await asyncio.sleep(0.013)
        queued.append((out.queued_seconds, out.current_lead))
    # What is queued ahead of the listener stays within the lead and the block in flight
    # (LiveKit queues 0.4-0.5 s). On a loaded machine the lead may have grown after an
    # underrun, so each look is bounded by the lead in force then, not a wall-clock figure.
    assert out.lead <= 0.1
    for seconds, lead in queued:  # a block is in flight; the pump serves one WINDOW early
        assert seconds <= lead + out.frame_duration + WINDOW
    await player.aclose()


async def test_lead_grows_after_a_stall_and_stays_bounded(
    room: Any, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    out = output_of(player)
    await asyncio.sleep(0.3)
    assert out.current_lead == out.lead
    for _ in range(8):
        time.sleep(0.15)  # noqa: ASYNC251 - a blocked event loop on purpose: the queue runs dry
        await asyncio.sleep(0.1)
    assert out.underruns >= 1
    assert out.lead < out.current_lead <= out.max_lead
    await player.aclose()


async def test_capture_holds_ambience_thinking_and_tool_layers(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(
        ambient_sound=tone_file(300),
        thinking_sound=tone_file(1000),
        tool_sound=tone_file(2500),
        thinking=QUICK,
        tool=QUICK,
    )
    await player.start(room=room)
    source = output_of(player).source
    marks = [time.monotonic()]
    steps: list[Callable[[], None]] = [
        lambda: player.set_agent_state("thinking"),
        lambda: player.set_tools_running(True),
        lambda: player.set_tools_running(False),
        lambda: player.set_agent_state("listening"),
    ]
    await asyncio.sleep(0.5)
    for step in steps:
        marks.append(time.monotonic())
        step()
        await asyncio.sleep(0.5)
    marks.append(time.monotonic())
    await player.aclose()

    def levels(i: int) -> tuple[float, float, float]:
        x = captured.audio(source, marks[i] + 0.15, marks[i + 1])
        return band_db(x, RATE, 300), band_db(x, RATE, 1000), band_db(x, RATE, 2500)

    idle, thinking, tool, thinking_again, after = (levels(i) for i in range(5))
    for amb, _, _ in (idle, thinking, tool, thinking_again, after):
        assert amb > -30  # the ambience is always there
    assert idle[1] < -50 and idle[2] < -50
    assert thinking[1] > -30 and thinking[2] < -50
    assert tool[2] > -30 and tool[1] < -50  # a running tool replaces the thinking cue
    assert thinking_again[1] > -30 and thinking_again[2] < -50
    assert after[1] < -50 and after[2] < -50


async def test_handle_completes_only_once_the_sound_has_left_the_queue(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer()
    await player.start(room=room)
    out = output_of(player)
    handle = player.play(tone_file(1000, seconds=0.3))
    at_done: list[int] = []
    handle.add_done_callback(lambda _h: at_done.append(out.delivered_frames()))
    await asyncio.wait_for(handle.wait_for_playout(), 30)  # a hang guard
    audio = captured.audio(out.source)[:, 0]
    loud = np.flatnonzero(np.abs(audio) > 1e-3)
    assert loud.size
    # Never reported before its last loud sample had left the source's queue.
    assert at_done and at_done[0] >= loud[-1] + 1
    assert out.queued_seconds <= out.current_lead + out.frame_duration + WINDOW
    await player.aclose()


async def test_stop_is_heard_within_a_block_of_what_was_queued(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer()
    await player.start(room=room)
    out = output_of(player)
    handle = player.play(tone_file(1000, seconds=5.0), loop=True)
    await captured_at_least(captured, out.source, RATE // 2)
    rendered = sum(len(f.samples) for f in captured.of(out.source))
    queued = rendered - out.delivered_frames()
    handle.stop()
    await asyncio.wait_for(handle.wait_for_playout(), 30)  # a hang guard
    frames = captured.of(out.source)
    audio = np.concatenate([f.samples for f in frames])[:, 0]
    last_loud = int(np.flatnonzero(np.abs(audio) > 1e-3)[-1])
    following = len(_blocks_from(frames, rendered)[0].samples)
    # The stop lands in the next block rendered and fades over the de-click ramp: what the
    # listener still hears is what was queued (at most the lead and a block; LiveKit's own
    # player: 0.4-0.6 s) and that block's ramp.
    assert last_loud < rendered + max(following, RAMP) + 1
    assert queued <= round((out.max_lead + out.frame_duration + WINDOW) * RATE)
    await player.aclose()


def _blocks_from(frames: list[Any], start: int) -> list[Any]:
    """The captured frames that begin at or after sample ``start``."""
    position, later = 0, []
    for frame in frames:
        if position >= start:
            later.append(frame)
        position += len(frame.samples)
    return later


async def test_aclose_fades_the_mix_out_and_unpublishes_once_the_fade_has_left(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    bed = AudioConfig(tone_file(440, 4.0, amp=0.5), fade_in=0.0)
    player = BackgroundAudioPlayer(ambient_sound=bed, ducking=False)
    await player.start(room=room)
    out = output_of(player)
    await captured_at_least(captured, out.source, RATE // 2)
    participant = room.local_participant
    unpublish = participant.unpublish_track
    delivered_then: list[int] = []

    async def unpublish_track(sid: str) -> None:
        delivered_then.append(out.delivered_frames())
        await unpublish(sid)

    participant.unpublish_track = unpublish_track
    await asyncio.wait_for(player.aclose(), 30)  # a hang guard
    audio = captured.audio(out.source)
    assert_fades_to_silence(audio, RATE)  # through the real rtc.AudioSource
    fade_end = int(np.flatnonzero(np.abs(audio[:, 0]) > 2 / 32768)[-1]) + 1
    assert delivered_then and delivered_then[0] >= fade_end  # heard before the track went


async def test_aclose_returns_quickly_when_the_room_is_gone(tone_file: Callable[..., str]) -> None:
    room = stand_in_room()
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    room.set_connected(False)
    await asyncio.wait_for(player.aclose(), 30)  # a hang guard
    assert room.local_participant.unpublished == []  # a dead room is not asked to unpublish


async def test_aclose_returns_in_time_when_unpublish_hangs(tone_file: Callable[..., str]) -> None:
    room = stand_in_room()
    participant = room.local_participant
    given_up = asyncio.Event()

    async def hangs(sid: str) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            given_up.set()
            raise

    participant.unpublish_track = hangs
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    await asyncio.wait_for(player.aclose(), 30)  # returns although unpublish never does
    assert given_up.is_set()  # because the unpublish was given up on, not waited for


async def test_a_failing_capture_ends_only_its_own_session(
    tone_file: Callable[..., str], captured: Captured
) -> None:
    rooms = [stand_in_room(), stand_in_room()]
    players = [BackgroundAudioPlayer(ambient_sound=tone_file(300)) for _ in rooms]
    for player, room in zip(players, rooms, strict=True):
        await player.start(room=room)
    broken, healthy = output_of(players[0]), output_of(players[1])

    async def gone(frame: Any) -> None:
        raise RuntimeError("room gone")

    broken.source.capture_frame = gone  # type: ignore[union-attr, method-assign]
    async with asyncio.timeout(30):  # a hang guard
        while broken.error is None:  # noqa: ASYNC110 - the pump reports on its own task
            await asyncio.sleep(0.02)
    assert isinstance(broken.error, RuntimeError)
    before = sum(len(f.samples) for f in captured.of(healthy.source))
    await captured_at_least(captured, healthy.source, before + RATE // 5)  # it goes on
    for player in players:
        await player.aclose()


async def test_room_disconnect_stops_feeding(
    tone_file: Callable[..., str], captured: Captured
) -> None:
    room = stand_in_room()
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    await asyncio.sleep(0.2)
    room.emit("disconnected", rtc.DisconnectReason.CLIENT_INITIATED)
    assert isinstance(output_of(player).error, OutputError)  # at once, from the room's event
    await asyncio.sleep(0.1)  # a capture in flight then may still land
    count = len(captured.of(output_of(player).source))
    await asyncio.sleep(0.3)
    assert len(captured.of(output_of(player).source)) == count
    await player.aclose()


async def test_failed_publish_is_an_output_error(tone_file: Callable[..., str]) -> None:
    room = stand_in_room()
    room.local_participant.fail_publish = RuntimeError("no permission")
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    with pytest.raises(OutputError, match="no permission"):
        await player.start(room=room)


async def test_a_real_room_is_recognised() -> None:
    mock_room = pytest.importorskip("livekit.agents.ipc.mock_room")
    create_mock_room = mock_room.create_mock_room
    assert is_livekit_room(rtc.Room())
    assert is_livekit_room(create_mock_room())  # the console's autospec mock
    assert not is_livekit_room(object())
    # An unconnected real room goes to RoomOutput, which refuses it before publishing.
    player = BackgroundAudioPlayer()
    with pytest.raises(OutputError, match="not connected"):
        await player.start(room=rtc.Room())


def test_frame_and_queue_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="multiple of 10 ms"):
        RoomOutput(None, frame_duration=0.025)
    assert RoomOutput(None, frame_duration=0.1).queue_size_ms % 10 == 0
