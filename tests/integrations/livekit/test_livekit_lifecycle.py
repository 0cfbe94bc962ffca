"""Lifecycle edges a real LiveKit worker meets (issue 17), with the real SDK and livekit-agents.

A room that disconnects for good, a ``start()`` that fails half-way, LiveKit's ``NOT_GIVEN``
passed on by drop-in code, our track unpublished by LiveKit's own player (same default name),
and a room that is not connected yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import pytest
from livekit_rig import Captured, stand_in_room

from roomtone import BackgroundAudioPlayer, CueOptions, OutputError, PlayerStateError
from roomtone.engine.mixer import Mixer
from roomtone.integrations.livekit import RoomOutput

rtc = pytest.importorskip("livekit.rtc")
agents = pytest.importorskip("livekit.agents")
from livekit.agents.types import NOT_GIVEN, NotGiven  # noqa: E402

QUICK = CueOptions(delay=0, fade_in=0.0, fade_out=0.0, min_play=0.0)


def output_of(player: BackgroundAudioPlayer) -> RoomOutput:
    out = player.output
    assert isinstance(out, RoomOutput)
    return out


def count_submits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts commands queued for any mixer from now on."""
    count = [0]
    original = Mixer.submit

    def submit(self: Mixer, command: Any) -> None:
        count[0] += 1
        original(self, command)

    monkeypatch.setattr(Mixer, "submit", submit)
    return count


# -- 1. a final disconnect ----------------------------------------------------------------------
async def test_a_final_disconnect_ends_the_player_and_settles_its_handles(
    room: Any,
    tone_file: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = agents.AgentSession()  # never started: only its events are used
    player = BackgroundAudioPlayer(
        ambient_sound=tone_file(300), thinking_sound=tone_file(1000), thinking=QUICK
    )
    await player.start(room=room, agent_session=session)
    output = output_of(player)
    handle = player.play(tone_file(500, seconds=5.0))
    await asyncio.sleep(0.2)

    room.set_connected(False)  # what the SDK reports once the connection is gone for good
    room.emit("disconnected", rtc.DisconnectReason.ROOM_DELETED)
    assert handle.done()  # settled by the room's event itself, not later at aclose()
    assert handle.reason is not None and "disconnected" in handle.reason
    assert player.ambient_handle is not None and player.ambient_handle.done()
    assert not player.started
    assert not output.running
    assert isinstance(player.error, OutputError)
    assert "ROOM_DELETED" in str(player.error)
    with pytest.raises(PlayerStateError, match="the room disconnected"):
        player.play(tone_file(700))
    with pytest.raises(PlayerStateError, match="cannot restart"):
        await player.start(room=stand_in_room())  # a player belongs to one connection

    submits = count_submits(monkeypatch)
    with caplog.at_level(logging.WARNING):
        for state in ["thinking", "speaking", "listening"] * 333:
            session.emit(
                "agent_state_changed",
                agents.AgentStateChangedEvent(old_state="listening", new_state=state),
            )
        player.set_agent_state("thinking")  # a direct call is quiet too: nothing to drive
    assert submits[0] == 0  # nothing queued for a mix that nobody renders
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await player.aclose()
    assert room.local_participant.unpublished == []  # nothing to unpublish from a dead room


async def test_a_reconnect_keeps_the_player_going(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    output = output_of(player)
    room.emit("reconnecting")  # a short reconnect (a resume)
    room.emit("reconnected")
    # A full reconnect: the SDK republishes the same track under a new sid, updating the
    # publication in place, and says so with local_track_republished (not unpublished).
    participant, publication = room.local_participant, player.publication
    previous_sid = publication.sid
    publication.sid = "TR_after_full_reconnect"
    participant.track_publications[publication.sid] = participant.track_publications.pop(
        previous_sid
    )
    room.emit("local_track_republished", publication, previous_sid)
    await asyncio.sleep(0.2)
    before = len(captured.of(output.source))
    await asyncio.sleep(0.3)
    assert len(captured.of(output.source)) > before
    assert player.started and output.running and output.error is None
    await player.aclose()
    assert participant.unpublished == ["TR_after_full_reconnect"]


# -- 2. a start() that fails half-way -----------------------------------------------------------
async def test_a_bad_session_fails_start_before_anything_is_published(
    room: Any, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    with pytest.raises(TypeError, match="agent_session"):
        await player.start(room=room, agent_session=object())
    assert room.local_participant.published == []
    assert not player.started and player.output is None
    await player.start(room=room, agent_session=agents.AgentSession())  # the retry works
    assert player.started
    assert [p.name for p in room.local_participant.published] == ["background_audio"]
    await player.aclose()


class _SessionThatBreaks(agents.AgentSession):  # type: ignore[misc]
    """A real session whose emitter fails while the player subscribes (after publishing)."""

    def on(self, event: str, callback: Any = None) -> Any:
        if event == "tool_execution_updated":
            raise RuntimeError("emitter broke")
        return super().on(event, callback)


async def test_a_start_that_fails_after_publishing_is_undone(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300), thinking_sound=tone_file(1000))
    session = _SessionThatBreaks()
    with pytest.raises(RuntimeError, match="emitter broke"):
        await player.start(room=room, agent_session=session)
    participant = room.local_participant
    assert [p.sid for p in participant.published] == participant.unpublished  # undone
    assert not player.started and player.output is None
    assert not session._events.get("agent_state_changed")  # no listener left behind
    fed = len(captured.frames)
    await asyncio.sleep(0.3)
    assert len(captured.frames) == fed  # nothing feeds the unpublished track

    await player.start(room=room, agent_session=agents.AgentSession())  # the retry works
    assert player.started and len(participant.published) == 2
    await asyncio.sleep(0.3)
    assert len(captured.of(output_of(player).source)) > 0
    await player.aclose()


async def test_a_failed_publish_can_be_retried(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    room.local_participant.fail_publish = RuntimeError("no permission")
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    with pytest.raises(OutputError, match="no permission"):
        await player.start(room=room)
    assert not player.started
    room.local_participant.fail_publish = None
    await player.start(room=room)
    await asyncio.sleep(0.3)
    loud = [f for f in captured.of(output_of(player).source) if np.abs(f.samples).max() > 1e-3]
    assert loud  # the ambience plays on the retry
    await player.aclose()


def closed_sources(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Records every ``rtc.AudioSource`` closed from now on."""
    closed: list[Any] = []
    original = rtc.AudioSource.aclose

    async def aclose(self: Any) -> None:
        closed.append(self)
        await original(self)

    monkeypatch.setattr(rtc.AudioSource, "aclose", aclose)
    return closed


async def test_a_disconnect_while_publishing_fails_start_and_releases_the_source(
    room: Any, tone_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = closed_sources(monkeypatch)
    participant = room.local_participant
    publish = participant.publish_track

    async def publish_then_drop(track: Any, options: Any = None) -> Any:
        publication = await publish(track, options)
        room.set_connected(False)  # the connection drops for good before publish returns
        room.emit("disconnected", rtc.DisconnectReason.ROOM_DELETED)
        return publication

    participant.publish_track = publish_then_drop
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    with pytest.raises(OutputError, match=r"disconnected \(ROOM_DELETED\)"):
        await player.start(room=room)
    assert not player.started and player.output is None
    assert len(closed) == 1
    await player.aclose()


async def test_a_start_cancelled_while_publishing_releases_the_source(
    room: Any, tone_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = closed_sources(monkeypatch)
    publishing = asyncio.Event()

    async def publish_forever(track: Any, options: Any = None) -> Any:
        publishing.set()
        await asyncio.Event().wait()

    room.local_participant.publish_track = publish_forever
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    start = asyncio.ensure_future(player.start(room=room))
    await asyncio.wait_for(publishing.wait(), 10)
    start.cancel()
    with pytest.raises(asyncio.CancelledError):
        await start
    assert not player.started
    assert len(closed) == 1
    await player.aclose()


# -- 3. LiveKit's NOT_GIVEN ---------------------------------------------------------------------
async def _start_like_livekit_code(
    player: Any,
    room: Any,
    agent_session: Any = NOT_GIVEN,
    track_publish_options: Any = NOT_GIVEN,
) -> None:
    """Code that forwards its own NotGivenOr arguments, as livekit-agents' signatures do."""
    await player.start(
        room=room, agent_session=agent_session, track_publish_options=track_publish_options
    )


async def test_livekit_not_given_in_start_means_not_given(
    room: Any, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await _start_like_livekit_code(player, room)
    assert player.started
    pub = room.local_participant.published[0]
    assert pub.options == rtc.TrackPublishOptions()  # the default, not NOT_GIVEN passed on
    await player.aclose()

    other = stand_in_room()
    session = agents.AgentSession()
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await _start_like_livekit_code(player, other, agent_session=session)
    assert other.local_participant.published[0].options == rtc.TrackPublishOptions()
    assert session._events.get("agent_state_changed")  # the given session is followed
    await player.aclose()


async def test_livekit_not_given_in_the_constructor_means_not_given(room: Any) -> None:
    player = BackgroundAudioPlayer(
        ambient_sound=NOT_GIVEN, thinking_sound=NotGiven(), tool_sound=NOT_GIVEN
    )
    await player.start(room=room, track_publish_options=NotGiven())
    assert room.local_participant.published[0].options == rtc.TrackPublishOptions()
    assert player.ambient_handle is None
    assert player.play(None).done()  # LiveKit's player takes None as silence too
    await player.aclose()


# -- 4. our track unpublished by someone else ---------------------------------------------------
async def _hold_tone(seconds: float) -> AsyncIterator[Any]:
    """Hold music for LiveKit's player, as frames (a file would leave its decoder thread)."""
    rate, n = 48000, 4800
    for i in range(round(seconds * 10)):
        t = (np.arange(n) + i * n) / rate
        pcm = (0.2 * 32767 * np.sin(2 * np.pi * 700 * t)).astype(np.int16)
        yield rtc.AudioFrame(pcm.tobytes(), rate, 1, n)


async def test_livekits_player_closing_takes_our_track_and_we_stop_and_report(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    ours = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await ours.start(room=room)
    output = output_of(ours)
    our_sid = ours.publication.sid
    handle = ours.play(tone_file(500, seconds=5.0))

    theirs = agents.BackgroundAudioPlayer()  # e.g. the hold player of a warm transfer
    await theirs.start(room=room)
    hold = theirs.play(_hold_tone(0.3))
    await hold
    await theirs.aclose()  # looks its track up by name, finds ours first
    participant = room.local_participant
    assert participant.unpublished == [our_sid]

    await asyncio.sleep(0.1)
    fed = len(captured.of(output.source))
    await asyncio.sleep(0.3)
    assert len(captured.of(output.source)) == fed  # no more frames into an unpublished track
    assert not output.running
    assert handle.done() and handle.reason is not None and "unpublished" in handle.reason
    assert isinstance(ours.error, OutputError) and "unpublished" in str(ours.error)
    with pytest.raises(PlayerStateError, match="unpublished"):
        ours.play(tone_file(700))
    await ours.aclose()
    assert participant.unpublished == [our_sid]  # the stale sid is not unpublished again


async def test_a_renamed_track_does_not_clash_with_livekits_player(
    room: Any, captured: Captured, tone_file: Callable[..., str]
) -> None:
    ours = BackgroundAudioPlayer(ambient_sound=tone_file(300), track_name="roomtone_bed")
    await ours.start(room=room)
    output = output_of(ours)
    theirs = agents.BackgroundAudioPlayer()
    await theirs.start(room=room)
    await theirs.aclose()
    participant = room.local_participant
    their_pub = next(p for p in participant.published if p.name == "background_audio")
    assert participant.unpublished == [their_pub.sid]
    fed = len(captured.of(output.source))
    await asyncio.sleep(0.3)
    assert len(captured.of(output.source)) > fed and output.running
    await ours.aclose()
    assert participant.unpublished == [their_pub.sid, ours.publication.sid]


# -- 5. a room that is not connected yet --------------------------------------------------------
async def test_a_room_that_is_not_connected_is_refused_before_publishing(
    tone_file: Callable[..., str],
) -> None:
    room = stand_in_room(connected=False)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    with pytest.raises(OutputError, match=r"not connected.*connect\(\)"):
        await player.start(room=room)
    assert room.local_participant.published == []
    assert not player.started
    room.set_connected(True)
    await player.start(room=room)  # once connected, the same player starts
    assert player.started and len(room.local_participant.published) == 1
    await player.aclose()


async def test_aclose_settles_what_still_plays_and_says_so(
    room: Any, tone_file: Callable[..., str]
) -> None:
    player = BackgroundAudioPlayer(ambient_sound=tone_file(300))
    await player.start(room=room)
    handle = player.play(tone_file(500, seconds=5.0))
    await player.aclose()
    assert handle.done() and handle.reason == "the player closed"
    assert player.ambient_handle is not None and player.ambient_handle.reason == "the player closed"
    assert player.error is None  # closing is not an error
