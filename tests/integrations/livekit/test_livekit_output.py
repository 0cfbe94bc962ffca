"""RoomOutput with the real SDK: publishing, what reaches capture_frame, closing, reaction time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from livekit_rig import Captured, stand_in_room

from roomtone import BackgroundAudioPlayer, CueOptions, OutputError
from roomtone.integrations.livekit import RoomOutput, is_livekit_room
from signals import band_db

rtc = pytest.importorskip("livekit.rtc")

pytestmark = pytest.mark.realtime  # the SDK's AudioSource paces in real time

RATE = 48000
QUICK = CueOptions(delay=0, fade_in=0.0, fade_out=0.0, min_play=0.0)


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
        queued.append(out.queued_seconds)
    # What is queued ahead of the listener stays within the lead and the block in flight
    # (LiveKit queues 0.4-0.5 s). On a loaded machine the lead may have grown after an
    # underrun, so the bound is the lead in force, not a wall-clock figure.
    assert out.lead <= 0.1
    assert max(queued) <= out.current_lead + out.frame_duration + 0.005  # a block is in flight
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
    await asyncio.sleep(0.2)
    handle = player.play(tone_file(1000, seconds=0.3))
    await handle
    done_at = time.monotonic()
    # The tone's last loud sample left the source at the end of its frame's place in the queue.
    frames = [f for f in captured.of(out.source) if np.abs(f.samples).max() > 1e-3]
    assert frames
    assert out.queued_seconds < 0.11
    queue_end = 0.0
    last_loud_leaves = 0.0
    for f in captured.of(out.source):
        queue_end = max(queue_end, f.time) + len(f.samples) / RATE
        if np.abs(f.samples).max() > 1e-3:
            last_loud_leaves = queue_end
    assert done_at >= last_loud_leaves - 0.06  # never reported before it was sent
    await player.aclose()


async def test_stop_is_heard_within_about_a_tenth_of_a_second(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer()
    await player.start(room=room)
    out = output_of(player)
    handle = player.play(tone_file(1000, seconds=5.0), loop=True)
    await asyncio.sleep(0.5)
    stopped_at = time.monotonic()
    handle.stop()
    await asyncio.sleep(0.4)
    queue_end, last_loud = 0.0, stopped_at
    for f in captured.of(out.source):
        queue_end = max(queue_end, f.time) + len(f.samples) / RATE
        loud = np.flatnonzero(np.abs(f.samples[:, 0]) > 1e-3)
        if loud.size:
            last_loud = queue_end - (len(f.samples) - 1 - loud[-1]) / RATE
    assert last_loud - stopped_at < 0.2  # LiveKit's own player: 0.4-0.6 s
    assert handle.done()
    await player.aclose()


async def test_aclose_returns_quickly_when_the_room_is_gone(tone_file: Callable[..., str]) -> None:
    room = stand_in_room()
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    room.set_connected(False)
    began = time.monotonic()
    await player.aclose()
    assert time.monotonic() - began < 2.0
    assert room.local_participant.unpublished == []  # nothing to unpublish from a dead room


async def test_aclose_returns_in_time_when_unpublish_hangs(tone_file: Callable[..., str]) -> None:
    room = stand_in_room()
    room.local_participant.hang_unpublish = True
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    began = time.monotonic()
    await player.aclose()
    assert time.monotonic() - began < 2.0


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
    await asyncio.sleep(0.3)
    before = len(captured.of(healthy.source))
    await asyncio.sleep(0.3)
    assert isinstance(broken.error, RuntimeError)
    assert len(captured.of(healthy.source)) > before
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
    await asyncio.sleep(0.1)
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
