"""Tool sounds as tools run now: gated on the agent's silence, per tool, with a give-up."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from call_script import Call

from roomtone import AudioConfig, CueOptions

BED, THINK, TOOL, SEARCH, HOLD = 300.0, 2000.0, 3000.0, 5000.0, 440.0
ON, OFF = -20.0, -80.0  # a 0.25 tone measures -12 dB; silence is below -100 dB

QUICK_TOOL = CueOptions(delay=0.2, fade_in=0.1, fade_out=0.2, min_play=1.0, resume_within=1.5)


async def test_tool_sound_is_silent_under_speech_and_back_within_its_fade_in_after(
    tone_file: Callable[..., str],
) -> None:
    """A filler (speech) starts while the tool runs: the sound fades out under it, even inside
    its minimum play time, and returns without a second delay once the agent is silent."""
    call = await Call.start(tool_sound=tone_file(TOOL, 3.0), tool=QUICK_TOOL, ducking=False)
    call.session.set_agent_state("thinking")
    tool = call.session.start_tool("search_flights")
    await call.wait(0.8)  # sound from 0.2 s; 0.6 s played, under min_play
    call.session.set_agent_state("speaking")  # a filler, "one moment please"
    await call.wait(1.5)
    call.session.set_agent_state("thinking")  # the tool still runs
    await call.wait(1.5)
    call.session.end_tool(tool)
    call.session.set_agent_state("speaking")
    await call.wait(1.0)
    await call.close()

    assert call.level(TOOL, 0.3, 0.8) > ON
    assert call.level(TOOL, 0.8 + 0.2 + 0.02, 2.3) < OFF  # gone within its fade-out
    back = call.level(TOOL, 2.3 + 0.1 + 0.02, 3.8)  # full again once its fade-in is over
    assert back == pytest.approx(call.level(TOOL, 0.35, 0.8), abs=0.5)
    assert call.level(TOOL, 3.8 + 0.2 + 0.02, 4.8) < OFF  # the answer: silent again


async def test_per_tool_sounds_are_told_apart_by_their_spectra(
    tone_file: Callable[..., str],
) -> None:
    sounds = {"search_flights": tone_file(SEARCH, 3.0), "*": tone_file(TOOL, 3.0)}
    call = await Call.start(
        tool_sound=sounds,
        tool=CueOptions(delay=0, resume_within=0, min_play=0, fade_out=0.05),
        ducking=False,
    )
    call.session.set_agent_state("thinking")
    for name in ("search_flights", "get_weather"):
        call.mark(name)
        tool = call.session.start_tool(name)
        await call.wait(1.0)
        call.session.end_tool(tool)
        await call.wait(0.5)
    await call.close()

    at = call.marks
    assert call.level(SEARCH, at["search_flights"] + 0.1, at["search_flights"] + 0.9) > ON
    assert call.level(TOOL, at["search_flights"] + 0.1, at["search_flights"] + 0.9) < OFF
    assert call.level(TOOL, at["get_weather"] + 0.1, at["get_weather"] + 0.9) > ON  # default
    assert call.level(SEARCH, at["get_weather"] + 0.1, at["get_weather"] + 0.9) < OFF


async def test_a_callable_picks_the_sound_and_none_means_silence(
    tone_file: Callable[..., str],
) -> None:
    search = tone_file(SEARCH, 3.0)
    call = await Call.start(
        tool_sound=lambda name: AudioConfig(search) if name.startswith("search") else None,
        tool=CueOptions(delay=0, resume_within=0, min_play=0, fade_out=0.05),
        ducking=False,
    )
    call.session.set_agent_state("thinking")
    tool = call.session.start_tool("lookup_order")
    await call.wait(1.0)
    call.session.end_tool(tool)
    tool = call.session.start_tool("search_hotels")
    await call.wait(1.0)
    call.session.end_tool(tool)
    await call.close()
    assert call.level(SEARCH, 0.1, 0.95) < OFF
    assert call.level(SEARCH, 1.1, 1.95) > ON


@pytest.mark.parametrize(
    ("name", "control"),
    [("transfer_call", None), ("end_call", None), ("book_room", {"book_room"})],
)
async def test_call_control_tools_play_no_sound_at_all(
    tone_file: Callable[..., str], name: str, control: set[str] | None
) -> None:
    """Transfers and hang-ups get no tool sound, and no thinking sound either."""
    options: dict[str, object] = {}
    if control is not None:
        options["call_control_tools"] = control
    call = await Call.start(
        thinking_sound=tone_file(THINK, 3.0),
        tool_sound=tone_file(TOOL, 3.0),
        thinking=CueOptions(delay=0.2),
        tool=CueOptions(delay=0.2),
        ducking=False,
        **options,
    )
    call.session.set_agent_state("thinking")
    call.session.start_tool(name)
    await call.wait(2.0)
    await call.close()
    assert call.level(TOOL, 0.1, 2.0) < OFF
    assert call.level(THINK, 0.1, 2.0) < OFF


async def test_an_ordinary_tool_beside_a_call_control_tool_still_plays(
    tone_file: Callable[..., str],
) -> None:
    call = await Call.start(
        tool_sound=tone_file(TOOL, 3.0), tool=CueOptions(delay=0.0), ducking=False
    )
    call.session.set_agent_state("thinking")
    call.session.start_tool("end_call")
    await call.wait(1.0)
    call.session.start_tool("save_notes")
    await call.wait(1.0)
    await call.close()
    assert call.level(TOOL, 0.1, 1.0) < OFF
    assert call.level(TOOL, 1.2, 2.0) > ON


async def test_give_up_fades_the_cue_after_max_play(tone_file: Callable[..., str]) -> None:
    call = await Call.start(
        tool_sound=tone_file(TOOL, 3.0),
        tool=CueOptions(delay=0.0, max_play=2.0, fade_out=0.3),
        ducking=False,
    )
    call.session.set_agent_state("thinking")
    call.session.start_tool("slow_lookup")
    await call.wait(5.0)
    await call.close()
    assert call.level(TOOL, 0.2, 1.95) > ON
    assert call.level(TOOL, 2.0 + 0.3 + 0.02, 5.0) < OFF  # gave up, though the tool runs on


async def test_give_up_hands_over_to_hold_music(tone_file: Callable[..., str]) -> None:
    call = await Call.start(
        tool_sound=tone_file(TOOL, 3.0),
        give_up_sound=tone_file(HOLD, 3.0),
        tool=CueOptions(delay=0.0, max_play=2.0, fade_in=0.3, fade_out=0.3, min_play=0),
        ducking=False,
    )
    call.session.set_agent_state("thinking")
    tool = call.session.start_tool("slow_lookup")
    await call.wait(5.0)
    call.session.end_tool(tool)
    call.session.set_agent_state("speaking")
    await call.wait(1.0)
    await call.close()
    assert call.level(HOLD, 0.2, 1.95) < OFF
    assert call.level(TOOL, 2.35, 5.0) < OFF
    assert call.level(HOLD, 2.35, 5.0) > ON  # the hold music took over (and loops)
    assert call.level(HOLD, 5.0 + 0.3 + 0.02, 6.0) < OFF  # and ends with the wait


def test_max_play_is_validated() -> None:
    with pytest.raises(ValueError, match="max_play"):
        CueOptions(max_play=0.0)


@pytest.mark.parametrize("hand_over", [False, True])
async def test_a_give_up_lasts_through_a_filler(
    tone_file: Callable[..., str], hand_over: bool
) -> None:
    """The agent speaks after the cue gave up: the wait goes on given up, it does not restart."""
    options: dict[str, object] = {"give_up_sound": tone_file(HOLD, 3.0)} if hand_over else {}
    call = await Call.start(
        tool_sound=tone_file(TOOL, 3.0),
        tool=CueOptions(delay=0.0, max_play=2.0, fade_in=0.1, fade_out=0.1, resume_within=0.5),
        ducking=False,
        **options,
    )
    call.session.set_agent_state("thinking")
    call.session.start_tool("slow_lookup")
    await call.wait(3.0)
    call.session.set_agent_state("speaking")  # a filler, longer than resume_within
    await call.wait(1.0)
    call.session.set_agent_state("thinking")
    await call.wait(2.0)
    await call.close()
    assert call.level(TOOL, 0.2, 1.9) > ON
    assert call.level(TOOL, 2.2, 6.0) < OFF  # not again after the filler
    if hand_over:
        assert call.level(HOLD, 2.2, 2.95) > ON
        assert call.level(HOLD, 3.15, 3.95) < OFF  # silent under the filler
        assert call.level(HOLD, 4.2, 6.0) > ON  # the hold music, again, after it
