"""The call-flow policy without sound: which cues the facts ask for, and what tool_sound takes."""

from __future__ import annotations

import pytest

from roomtone import AudioConfig, BackgroundAudioPlayer, CueOptions, OfflineRenderer
from roomtone.errors import PlayerStateError
from roomtone.player.call_state import CallState, Wanted
from roomtone.player.tool_sounds import DEFAULT_CALL_CONTROL_TOOLS, ToolSounds

TYPING = AudioConfig("typing.wav")
PULSE = AudioConfig("pulse.wav")


def state(**kwargs: object) -> CallState:
    sounds = ToolSounds({"search": PULSE, "*": TYPING, "quiet": None})
    return CallState(sounds, **kwargs)  # type: ignore[arg-type]


def test_a_pending_tool_sounds_only_while_the_agent_is_silent() -> None:
    s = state()
    s.set_agent_state("thinking")
    assert s.wanted() == Wanted(thinking=True)
    s.tool_started("c1", "search")
    assert s.wanted() == Wanted(tool="c1")
    s.set_agent_state("speaking")  # a filler
    assert s.wanted() == Wanted(speech=True)
    s.set_agent_state("thinking")
    assert s.wanted() == Wanted(tool="c1")
    assert s.sounds["c1"] == PULSE


def test_the_earliest_pending_tool_with_a_sound_plays() -> None:
    s = state()
    s.set_agent_state("thinking")
    s.tool_started("c1", "quiet")  # silent by the mapping
    s.tool_started("c2", "lookup")
    s.tool_started("c3", "search")
    assert s.wanted().tool == "c2"
    s.tool_ended("c2")
    assert s.wanted().tool == "c3"
    s.set_tools({"c1": "quiet"})
    assert s.wanted() == Wanted(thinking=True)  # no tool sound: the thinking sound goes on


def test_call_control_silences_thinking_but_not_an_ordinary_tool() -> None:
    s = state()
    s.set_agent_state("thinking")
    s.tool_started("t", "transfer_call")
    assert s.wanted() == Wanted()
    s.tool_started("n", "save_notes")
    assert s.wanted().tool == "n"


def test_hold_wants_nothing() -> None:
    s = state()
    s.set_agent_state("thinking")
    s.tool_started("c1", "search")
    s.on_hold = True
    assert s.wanted() == Wanted()


def test_the_wait_is_inferred_from_the_users_end_of_turn_only_when_asked() -> None:
    for infer, expected in ((True, True), (False, False)):
        s = state(infer_wait=infer)
        s.set_agent_state("listening")
        s.set_user_state("speaking")
        assert not s.wanted().thinking
        s.set_user_state("listening")
        assert s.wanted().thinking is expected
        s.set_agent_state("speaking")
        assert not s.wanted().thinking and not s.waiting


def test_tool_sound_function_is_asked_once_per_call() -> None:
    asked: list[str] = []

    def pick(name: str) -> AudioConfig | None:
        asked.append(name)
        return PULSE if name == "search" else None

    s = CallState(ToolSounds(pick))
    s.set_agent_state("thinking")
    s.tool_started("c1", "search")
    for _ in range(3):
        s.wanted()
    s.tool_started("c1", "search")  # reported again: still one call
    assert asked == ["search"]
    assert ToolSounds(pick).for_tool("end_call") is None  # call control never asks
    assert asked == ["search"]


def test_tool_sounds_checks_what_it_is_given() -> None:
    assert "end_call" in DEFAULT_CALL_CONTROL_TOOLS
    with pytest.raises(TypeError, match="collection of tool names"):
        ToolSounds(TYPING, "end_call")
    with pytest.raises(TypeError, match=r"tool_sound\['search'\]"):
        ToolSounds({"search": 42})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="tool_sound keys must be tool names"):
        ToolSounds({1: TYPING})  # type: ignore[dict-item]
    assert not ToolSounds(None).configured
    assert ToolSounds({"x": TYPING}).for_tool("y") is None  # no "*": other tools are silent


async def test_call_flow_calls_need_a_started_player(tone_file: object) -> None:
    player = BackgroundAudioPlayer()
    with pytest.raises(PlayerStateError, match="not started"):
        player.hold()
    with pytest.raises(PlayerStateError, match="not started"):
        await player.play_closing("chime.wav")
    await player.start(room=OfflineRenderer())
    with pytest.raises(ValueError, match="fade must be between"):
        player.hold(fade=-1.0)
    player.unhold()  # not on hold: nothing to do
    await player.aclose()


def test_cue_max_play_must_be_positive() -> None:
    assert CueOptions(max_play=12.5).max_play == 12.5
    for bad in (0.0, -1.0, 4000.0, "long"):
        with pytest.raises((ValueError, TypeError), match="max_play"):
            CueOptions(max_play=bad)  # type: ignore[arg-type]


async def test_after_the_output_stops_state_calls_are_dropped_and_hold_raises() -> None:
    """As for the facade's own calls: the session's events are ignored, a hold is refused."""
    renderer = OfflineRenderer()
    player = BackgroundAudioPlayer()
    await player.start(room=renderer)
    renderer.fail(RuntimeError("the room went away"))
    player.set_agent_state("thinking")
    player.tool_started("c1", "search")
    player.set_running_tools({})
    player.pause_ambient()
    assert not player.on_hold and not player.input_muted
    with pytest.raises(PlayerStateError, match="the room went away"):
        player.hold()
    with pytest.raises(PlayerStateError, match="the room went away"):
        await player.play_closing("chime.wav")
    await player.aclose()
