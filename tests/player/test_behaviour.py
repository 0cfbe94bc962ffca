"""Beyond the peers, measured: ducking, cue timing, continuity, ramps, scene changes, seams."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from roomtone import (
    AudioConfig,
    BackgroundAudioPlayer,
    CueOptions,
    Ducking,
    OfflineRenderer,
    ScriptedSession,
)
from roomtone.outputs import write_wav
from signals import band_db, max_jump, rms_db, segment, tone

RATE = 48000
BED, CUE, TOOL = 300.0, 2000.0, 5000.0


async def run(
    files: Callable[..., str], script: list[tuple[str, float]], **kwargs: object
) -> np.ndarray:
    """Render a state script with a 300 Hz bed, a 2 kHz thinking cue and a 5 kHz tool cue."""
    session = ScriptedSession()
    r = OfflineRenderer(RATE, 1)
    options: dict[str, object] = {
        "ambient_sound": files(BED, 8.0),
        "thinking_sound": files(CUE, 3.0),
        "tool_sound": files(TOOL, 3.0),
        "seed": 5,
    }
    options.update(kwargs)
    player = BackgroundAudioPlayer(**options)  # type: ignore[arg-type]
    await player.start(room=r, agent_session=session)
    call: str | None = None
    for state, seconds in script:
        if state == "tool":
            call = session.start_tool("lookup")
        elif state == "tool_end":
            assert call is not None
            session.end_tool(call)
        else:
            session.set_agent_state(state)
        await r.advance(seconds)
    await player.aclose()
    return r.audio()


async def test_bed_ducks_by_the_set_amount_and_recovers_within_release(
    tone_file: Callable[..., str],
) -> None:
    ducking = Ducking(amount_db=12.0, attack=0.05, release=0.4)
    audio = await run(
        tone_file, [("listening", 2), ("speaking", 2), ("listening", 2)], ducking=ducking
    )
    before = band_db(segment(audio, RATE, 1.0, 2.0), RATE, BED)
    during = band_db(segment(audio, RATE, 2.5, 4.0), RATE, BED)
    after = band_db(segment(audio, RATE, 4.45, 5.5), RATE, BED)
    assert abs((before - during) - 12.0) < 0.5
    assert abs(after - before) < 0.5  # back to full level once the release time has passed


async def test_ducking_attack_is_ramped_not_stepped(tone_file: Callable[..., str]) -> None:
    audio = await run(
        tone_file, [("listening", 1), ("speaking", 1)], ducking=Ducking(amount_db=20, attack=0.1)
    )
    region = segment(audio, RATE, 0.9, 1.3)
    assert max_jump(region) <= 1.05 * max_jump(segment(audio, RATE, 0.5, 0.9))


async def test_short_thought_is_silent_and_long_thought_starts_after_delay(
    tone_file: Callable[..., str],
) -> None:
    opts = CueOptions(delay=0.5, fade_in=0.05)
    audio = await run(
        tone_file,
        [("listening", 1), ("thinking", 0.2), ("listening", 1), ("thinking", 2.0), ("speaking", 1)],
        thinking=opts,
        ducking=False,
    )
    assert band_db(segment(audio, RATE, 1.0, 2.2), RATE, CUE) < -80  # 200 ms thought: nothing
    start = 2.2
    assert band_db(segment(audio, RATE, start, start + 0.48), RATE, CUE) < -80
    assert band_db(segment(audio, RATE, start + 0.6, start + 2.0), RATE, CUE) > -20


async def test_cue_loops_until_the_state_leaves(tone_file: Callable[..., str]) -> None:
    audio = await run(
        tone_file,
        [("thinking", 8.0), ("speaking", 1)],
        thinking=CueOptions(delay=0.0),
        ducking=False,
    )
    levels = [band_db(segment(audio, RATE, t, t + 0.5), RATE, CUE) for t in range(1, 7)]
    assert min(levels) > -20  # the 3 s cue keeps going for 8 s


async def test_chained_tool_cycles_give_one_continuous_sound(
    tone_file: Callable[..., str],
) -> None:
    script = [
        ("thinking", 0.1),
        ("tool", 1.5),
        ("tool_end", 0.3),
        ("tool", 1.5),
        ("tool_end", 0.1),
        ("speaking", 1.0),
    ]
    session_audio = await run(tone_file, script, tool=CueOptions(delay=0.2), ducking=False)
    run_region = segment(session_audio, RATE, 0.6, 3.3)
    windows = [
        band_db(run_region[i : i + 2400], RATE, TOOL, 100)
        for i in range(0, len(run_region) - 2400, 2400)
    ]
    assert min(windows) > -25  # never drops out between the two tool calls


async def test_reentering_thinking_resumes_instead_of_restarting(
    tone_file: Callable[..., str],
) -> None:
    session = ScriptedSession()
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(
        thinking_sound=tone_file(CUE, 3.0), thinking=CueOptions(delay=0.0), ducking=False
    )
    await player.start(room=r, agent_session=session)
    session.set_agent_state("thinking")
    await r.advance(1.0)
    session.set_agent_state("listening")
    await r.advance(0.8)
    session.set_agent_state("thinking")
    await r.advance(1.0)
    assert r.renderer.mixer.thinking.starts == 1
    session.set_agent_state("listening")
    await r.advance(3.0)  # past resume_within: a new thought starts a fresh sound
    session.set_agent_state("thinking")
    await r.advance(1.0)
    assert r.renderer.mixer.thinking.starts == 2
    await player.aclose()


async def test_immediate_cues_reproduce_livekit_rules(tone_file: Callable[..., str]) -> None:
    audio = await run(
        tone_file,
        [("thinking", 4.0), ("speaking", 1)],
        thinking=CueOptions.immediate(),
        ducking=False,
    )
    assert band_db(segment(audio, RATE, 0.02, 0.5), RATE, CUE) > -20  # no delay
    assert band_db(segment(audio, RATE, 3.1, 4.0), RATE, CUE) < -80  # played once, no loop


async def test_scene_change_crossfades_and_pause_resume(tone_file: Callable[..., str]) -> None:
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(ambient_sound=tone_file(BED, 8.0), ducking=False)
    await player.start(room=r)
    await r.advance(1.0)
    player.set_ambient(tone_file(800, 8.0), crossfade=1.0)
    await r.advance(2.0)
    player.pause_ambient(fade=0.3)
    await r.advance(1.0)
    player.resume_ambient(fade=0.3)
    await r.advance(1.0)
    await player.aclose()
    audio = r.audio()
    assert band_db(segment(audio, RATE, 0.2, 1.0), RATE, BED) > -20
    mid = segment(audio, RATE, 1.4, 1.6)
    assert band_db(mid, RATE, BED) > -30 and band_db(mid, RATE, 800) > -30  # overlap
    assert band_db(segment(audio, RATE, 2.2, 3.0), RATE, BED) < -80
    assert rms_db(segment(audio, RATE, 3.4, 4.0)) < -90  # paused
    assert band_db(segment(audio, RATE, 4.4, 5.0), RATE, 800) > -20  # resumed
    old_tone = max_jump(segment(audio, RATE, 0.2, 0.9))
    new_tone = max_jump(segment(audio, RATE, 2.2, 2.9))
    # The crossfade is at most the two tones' own steps added; pause and resume no more than
    # the tone itself: no transition adds a click.
    assert max_jump(segment(audio, RATE, 0.9, 2.2)) <= (old_tone + new_tone) * 1.01
    assert max_jump(segment(audio, RATE, 2.9, 5.0)) <= new_tone * 1.01


@pytest.mark.parametrize("fade", [0.0, 0.2])
async def test_no_transition_is_sharper_than_the_audio(
    tmp_path,
    fade: float,  # type: ignore[no-untyped-def]
) -> None:
    tone = (0.4 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)).astype(np.float32)
    write_wav(tmp_path / "t.wav", tone[:, None], RATE, "float32")
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(ducking=False)
    await player.start(room=r)
    cfg = AudioConfig(str(tmp_path / "t.wav"), fade_in=fade, fade_out=fade)
    handle = player.play(cfg, loop=True)
    await r.advance(2.33)  # crosses a loop seam
    handle.stop()
    await r.advance(0.5)
    await player.aclose()
    audio = r.audio()
    steady = 2 * np.pi * 440 / RATE * 0.4  # the largest step of the tone itself
    assert max_jump(audio) <= steady * 1.02


async def test_limiter_keeps_a_loud_mix_under_the_ceiling_without_clipping(
    tone_file: Callable[..., str],
) -> None:
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(ducking=False)
    await player.start(room=r)
    for freq in (200, 310, 450, 620):
        player.play(AudioConfig(tone_file(freq, 2.0, amp=0.6), volume=1.0))
    await r.advance(1.5)
    await player.aclose()
    audio = r.audio()
    ceiling = 10 ** (-1 / 20)
    assert np.max(np.abs(audio)) <= ceiling + 1e-6
    clipped = np.mean(np.abs(audio) >= ceiling - 1e-6)
    assert clipped < 0.001  # a gain change, not flat-topped samples


async def test_random_start_differs_per_seed(tone_file: Callable[..., str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    noise = np.random.default_rng(1).normal(0, 0.1, (RATE * 3, 1)).astype(np.float32)
    write_wav(tmp_path / "n.wav", noise, RATE, "float32")
    starts = []
    for seed in (1, 2):
        r = OfflineRenderer(RATE, 1)
        player = BackgroundAudioPlayer(
            ambient_sound=str(tmp_path / "n.wav"), ambient_random_start=True, seed=seed
        )
        await player.start(room=r)
        await r.advance(0.1)
        await player.aclose()
        starts.append(r.audio()[:4800, 0])
    assert not np.allclose(starts[0], starts[1])


async def test_same_script_and_seed_give_identical_samples(
    tone_file: Callable[..., str],
) -> None:
    script = [("listening", 0.5), ("thinking", 1.5), ("speaking", 1.0)]
    a = await run(tone_file, script)
    b = await run(tone_file, script)
    np.testing.assert_array_equal(a, b)


async def test_sidechain_level_drives_ducking_word_by_word(tone_file: Callable[..., str]) -> None:
    """Where the agent's own audio is visible, the bed follows its words, not its state."""
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(
        ambient_sound=tone_file(BED, 8.0), ducking=Ducking(amount_db=10, hold=0.1, release=0.2)
    )
    await player.start(room=r)
    mixer = r.renderer
    word = tone(1000, 0.02)
    pause = np.zeros_like(word)

    def feed(block: np.ndarray) -> None:
        in_word = int(r.time / 0.6) % 2 == 0 and r.time > 1.0  # 0.6 s words, 0.6 s pauses
        mixer.sidechain(word if in_word else pause)

    r.on_block = feed
    await r.advance(4.0)
    await player.aclose()
    audio = r.audio()
    assert band_db(segment(audio, RATE, 0.5, 1.0), RATE, BED) - band_db(
        segment(audio, RATE, 1.4, 1.8), RATE, BED
    ) == pytest.approx(10, abs=0.5)  # ducked inside a word
    assert band_db(segment(audio, RATE, 2.3, 2.4), RATE, BED) == pytest.approx(
        band_db(segment(audio, RATE, 0.5, 1.0), RATE, BED), abs=0.5
    )  # and back up in the pause between words


async def test_optional_ducking_under_the_user(tone_file: Callable[..., str]) -> None:
    session = ScriptedSession()
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(
        ambient_sound=tone_file(BED, 8.0),
        ducking=Ducking(under_user=True, user_amount_db=4.0, attack=0.05),
    )
    await player.start(room=r, agent_session=session)
    await r.advance(1.0)
    session.set_user_state("speaking")
    await r.advance(1.0)
    await player.aclose()
    audio = r.audio()
    drop = band_db(segment(audio, RATE, 0.2, 1.0), RATE, BED) - band_db(
        segment(audio, RATE, 1.2, 2.0), RATE, BED
    )
    assert drop == pytest.approx(4.0, abs=0.5)


async def test_probability_is_drawn_per_thought(tone_file: Callable[..., str]) -> None:
    session = ScriptedSession()
    r = OfflineRenderer(RATE, 1)
    cues = [
        AudioConfig(tone_file(CUE, 1.0), probability=0.5),
        AudioConfig(tone_file(TOOL, 1.0), probability=0.5),
    ]
    player = BackgroundAudioPlayer(
        thinking_sound=cues, thinking=CueOptions(delay=0, resume_within=0), seed=11
    )
    await player.start(room=r, agent_session=session)
    heard = []
    for _ in range(12):
        start = r.time
        session.set_agent_state("thinking")
        await r.advance(0.6)
        session.set_agent_state("listening")
        await r.advance(1.0)
        part = segment(r.audio(), RATE, start + 0.2, start + 0.5)
        heard.append(band_db(part, RATE, CUE) > band_db(part, RATE, TOOL))
    await player.aclose()
    assert 0 < sum(heard) < len(heard)  # both sounds were picked across thoughts


async def test_cue_keeps_its_minimum_play_time(tone_file: Callable[..., str]) -> None:
    opts = CueOptions(delay=0.0, min_play=1.0, fade_out=0.05, resume_within=0)
    audio = await run(
        tone_file, [("thinking", 0.3), ("listening", 2.0)], thinking=opts, ducking=False
    )
    assert band_db(segment(audio, RATE, 0.6, 0.95), RATE, CUE) > -20  # still on after leaving
    assert band_db(segment(audio, RATE, 1.2, 2.0), RATE, CUE) < -80


async def test_target_lufs_normalises_user_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from roomtone.analysis.loudness import integrated_loudness

    rng = np.random.default_rng(2)
    for name, level in (("quiet", 0.01), ("loud", 0.2)):
        write_wav(
            tmp_path / f"{name}.wav",
            rng.normal(0, level, (RATE * 4, 1)).astype(np.float32),
            RATE,
            "float32",
        )
    results = []
    for name in ("quiet", "loud"):
        r = OfflineRenderer(RATE, 1)
        player = BackgroundAudioPlayer(
            ambient_sound=AudioConfig(str(tmp_path / f"{name}.wav"), target_lufs=-30.0)
        )
        await player.start(room=r)
        await r.advance(3.0)
        await player.aclose()
        results.append(integrated_loudness(r.audio()[RATE // 2 :], RATE))
    assert results[0] == pytest.approx(-30.0, abs=0.5)
    assert results[1] == pytest.approx(-30.0, abs=0.5)


async def test_thinking_and_tool_hand_over_without_a_gap(tone_file: Callable[..., str]) -> None:
    """thinking -> tool -> thinking -> tool: one busy stretch, never a silent delay inside."""
    script = [("thinking", 1.5), ("tool", 2.0), ("tool_end", 0.6), ("tool", 2.0), ("speaking", 1.0)]
    audio = await run(tone_file, script, ducking=False)
    busy = segment(audio, RATE, 0.7, 6.0)
    windows = [
        max(
            band_db(busy[i : i + 2400], RATE, CUE, 100),
            band_db(busy[i : i + 2400], RATE, TOOL, 100),
        )
        for i in range(0, len(busy) - 2400, 2400)
    ]
    assert min(windows) > -25
