"""The LiveKit-shaped API: lifecycle, handles, probability lists, errors, iterator sources."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable

import av
import numpy as np
import pytest

import roomtone
from roomtone import (
    AudioConfig,
    AudioFrame,
    BackgroundAudioPlayer,
    CueOptions,
    OfflineRenderer,
    PlayerStateError,
    ScriptedSession,
)
from roomtone.outputs import write_wav
from roomtone.player.selection import choose
from signals import band_db, rms_db, segment, tone

try:  # LiveKit frames are read by the livekit extra's adapter: tested only where it is installed
    from livekit import rtc
except ImportError:  # pragma: no cover - the extra is not installed
    rtc = None
needs_livekit = pytest.mark.skipif(rtc is None, reason="the livekit extra is not installed")

RATE = 48000


async def started(**kwargs: object) -> tuple[BackgroundAudioPlayer, OfflineRenderer]:
    renderer = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(seed=1, ducking=False, **kwargs)  # type: ignore[arg-type]
    await player.start(room=renderer)
    return player, renderer


async def test_ambient_starts_at_once_and_loops(tmp_path) -> None:  # type: ignore[no-untyped-def]
    noise = np.random.default_rng(0).normal(0, 0.1, (int(0.7 * RATE), 1)).astype(np.float32)
    write_wav(tmp_path / "noise.wav", noise, RATE, "float32")
    player, r = await started(ambient_sound=str(tmp_path / "noise.wav"))
    await r.advance(3.0)
    audio = r.audio()
    assert rms_db(segment(audio, RATE, 0.0, 0.1)) > -25
    # The 0.7 s noise keeps playing for 3 s at a steady level (an equal-power crossfaded loop).
    levels = [rms_db(segment(audio, RATE, t, t + 0.25)) for t in np.arange(0.25, 2.75, 0.25)]
    assert max(levels) - min(levels) < 1.0
    await player.aclose()


async def test_play_is_heard_in_the_next_block_and_handle_completes(
    tone_file: Callable[..., str],
) -> None:
    player, r = await started()
    await r.advance(0.1)
    handle = player.play(tone_file(1000, 0.5))
    assert not handle.done()
    await r.advance(0.02)  # exactly one block
    assert band_db(r.audio()[-960:], RATE, 1000) > -20
    await r.advance(0.6)
    assert handle.done()
    assert (await handle) is handle
    await handle.wait_for_playout()
    await player.aclose()


async def test_stop_fades_within_the_next_block(tone_file: Callable[..., str]) -> None:
    player, r = await started()
    handle = player.play(AudioConfig(tone_file(1000, 5.0), fade_out=0.0), loop=True)
    await r.advance(0.5)
    handle.stop()
    await r.advance(0.04)
    tail = r.audio()[-960:]
    assert rms_db(tail) < -90  # 5 ms de-click ramp inside the first block, silence after
    assert handle.done()
    await player.aclose()


async def test_fade_in_is_equal_power(tone_file: Callable[..., str]) -> None:
    player, r = await started()
    player.play(AudioConfig(tone_file(1000, 2.0, amp=0.5), fade_in=1.0))
    await r.advance(1.2)
    audio = r.audio()[:, 0]
    env = np.array([np.abs(audio[i : i + 480]).max() for i in range(0, 48000, 480)])
    t = (np.arange(100) * 480 + 480) / 48000
    expected = 0.5 * np.sin(np.clip(t, 0, 1) * np.pi / 2)
    np.testing.assert_allclose(env, expected, atol=0.02)  # envelope follows sin(pi/2 t)
    await player.aclose()


def test_probability_lists_follow_the_page() -> None:
    a, b = AudioConfig("a", probability=0.8), AudioConfig("b", probability=0.2)
    rng = random.Random(3)
    picks = [choose([a, b], rng) for _ in range(4000)]
    assert 0.77 < sum(p is a for p in picks) / 4000 < 0.83
    low = [AudioConfig("a", probability=0.25), AudioConfig("b", probability=0.25)]
    none = sum(choose(low, rng) is None for _ in range(4000)) / 4000
    assert 0.47 < none < 0.53  # the remaining 50 % plays nothing
    high = [AudioConfig("a", probability=3.0), AudioConfig("b", probability=1.0)]
    share = sum(choose(high, rng) is high[0] for _ in range(4000)) / 4000
    assert 0.72 < share < 0.78  # weights above 1 are normalised: 3/4


async def test_silent_draw_returns_a_done_handle(tone_file: Callable[..., str]) -> None:
    player, _ = await started()
    handle = player.play([AudioConfig(tone_file(500), probability=0.0)])
    assert handle.done()
    await handle
    await player.aclose()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("volume", -0.1),
        ("volume", 9.0),
        ("probability", -1.0),
        ("fade_in", -1.0),
        ("fade_out", float("nan")),
    ],
)
def test_bad_config_values_name_the_field(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        AudioConfig("x.wav", **{field: value})  # type: ignore[arg-type]


async def test_lifecycle_errors(tone_file: Callable[..., str]) -> None:
    player = BackgroundAudioPlayer()
    with pytest.raises(PlayerStateError, match="not started"):
        player.play(tone_file(440))
    r = OfflineRenderer()
    await player.start(room=r)
    with pytest.raises(PlayerStateError, match="already"):
        await player.start(room=OfflineRenderer())
    with pytest.raises(TypeError, match="int"):
        player.play(12345)  # type: ignore[arg-type]
    with pytest.raises(roomtone.AudioFileNotFoundError, match=r"missing\.wav"):
        player.play("/nowhere/missing.wav")
    await player.aclose()
    await player.aclose()  # idempotent
    with pytest.raises(PlayerStateError, match="new"):
        await player.start(room=OfflineRenderer())
    with pytest.raises(PlayerStateError, match="closed"):
        player.play(tone_file(440))


async def test_start_raises_when_ambient_cannot_be_opened(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"this is not audio at all" * 100)
    player = BackgroundAudioPlayer(ambient_sound=str(bad))
    with pytest.raises(roomtone.DecodeError, match=r"bad\.mp3"):
        await player.start(room=OfflineRenderer())
    player2 = BackgroundAudioPlayer(ambient_sound=str(tmp_path / "none.ogg"))
    with pytest.raises(roomtone.AudioFileNotFoundError, match=r"none\.ogg"):
        await player2.start(room=OfflineRenderer())


async def frames_of(
    samples: np.ndarray, rate: int, kind: str, block: int = 480
) -> AsyncIterator[object]:
    for i in range(0, len(samples), block):
        chunk = samples[i : i + block]
        if kind == "roomtone":
            yield AudioFrame(chunk, rate)
        elif kind == "livekit":
            pcm = (chunk * 32767).astype(np.int16)
            yield rtc.AudioFrame(pcm.tobytes(), rate, chunk.shape[1], len(chunk))
        else:
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(chunk.T),
                format="fltp",
                layout="stereo" if chunk.shape[1] == 2 else "mono",
            )
            frame.sample_rate = rate
            yield frame
        await asyncio.sleep(0)


@pytest.mark.parametrize("kind", ["roomtone", pytest.param("livekit", marks=needs_livekit), "pyav"])
@pytest.mark.parametrize(("rate", "channels"), [(24000, 2), (16000, 1), (48000, 1)])
async def test_iterator_sources_are_resampled_and_remixed(
    kind: str, rate: int, channels: int
) -> None:
    player, r = await started()
    handle = player.play(frames_of(tone(700, 1.0, rate, 0.3, channels), rate, kind))
    await r.advance(1.3)
    await handle
    audio = r.audio()
    body = segment(audio, RATE, 0.2, 0.8)
    assert abs(band_db(body, RATE, 700) - rms_db(tone(700, 1.0, RATE, 0.3))) < 0.5
    played = np.flatnonzero(np.abs(audio[:, 0]) > 0.01)
    assert abs((played[-1] - played[0]) / RATE - 1.0) < 0.01  # duration kept
    await player.aclose()


async def test_loop_with_iterator_is_a_value_error() -> None:
    player, _ = await started()
    with pytest.raises(ValueError, match="loop"):
        player.play(frames_of(tone(300, 0.1), RATE, "roomtone"), loop=True)
    await player.aclose()


async def test_bad_iterators_end_only_their_own_handle(tone_file: Callable[..., str]) -> None:
    async def raising() -> AsyncIterator[object]:
        yield AudioFrame(tone(500, 0.1), RATE)
        raise RuntimeError("network went away")

    async def garbage() -> AsyncIterator[object]:
        yield "not a frame"

    async def nan_frames() -> AsyncIterator[object]:
        data = tone(500, 0.2)
        data[::7] = np.nan
        data[::11] = np.inf
        yield AudioFrame(data, RATE)

    player, r = await started(ambient_sound=tone_file(300, 1.0))
    h1, h2, h3 = player.play(raising()), player.play(garbage()), player.play(nan_frames())
    await r.advance(1.0)
    with pytest.raises(roomtone.StreamError, match="network went away"):
        await h1
    with pytest.raises(roomtone.StreamError, match="str"):
        await h2
    await h3
    audio = r.audio()
    assert np.isfinite(audio).all()
    assert band_db(segment(audio, RATE, 0.5, 1.0), RATE, 300) > -20  # ambience kept playing
    await player.aclose()


async def test_thinking_follows_agent_state(tone_file: Callable[..., str]) -> None:
    session = ScriptedSession()
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(
        ambient_sound=tone_file(300, 1.0),
        thinking_sound=tone_file(2000, 0.5),
        thinking=CueOptions(delay=0.0, fade_out=0.05),
        ducking=False,
    )
    await player.start(room=r, agent_session=session)
    await r.advance(1.0)
    session.set_agent_state("thinking")
    await r.advance(2.0)
    session.set_agent_state("speaking")
    await r.advance(1.0)
    audio = r.audio()
    assert band_db(segment(audio, RATE, 0, 1), RATE, 2000) < -80
    assert band_db(segment(audio, RATE, 1.1, 3.0), RATE, 2000) > -20  # loops while thinking
    assert band_db(segment(audio, RATE, 3.1, 4.0), RATE, 2000) < -80
    await player.aclose()
    assert session.listener_count("agent_state_changed") == 0


async def test_live_volume_and_master(tone_file: Callable[..., str]) -> None:
    player, r = await started(ambient_sound=tone_file(300, 5.0))
    await r.advance(0.5)
    assert player.ambient_handle is not None
    player.ambient_handle.set_volume(0.5, ramp=0.2)
    await r.advance(0.5)
    player.set_master_volume(0.5, ramp=0.2)
    await r.advance(0.5)
    audio = r.audio()
    first, second, third = (rms_db(segment(audio, RATE, a, a + 0.2)) for a in (0.2, 0.8, 1.3))
    assert abs((second - first) + 6.02) < 0.1
    assert abs((third - second) + 6.02) < 0.1
    with pytest.raises(ValueError, match="volume"):
        player.ambient_handle.set_volume(-1)
    await player.aclose()


async def test_unknown_states_are_refused_by_name(
    tone_file: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    player, _ = await started(thinking_sound=tone_file(1000))
    with pytest.raises(ValueError, match=r"unknown agent state 'thinkng'.*thinking"):
        player.set_agent_state("thinkng")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"unknown user state 'talking'.*speaking"):
        player.set_user_state("talking")  # type: ignore[arg-type]
    await player.aclose()
    # From a session's events an unknown state is logged, not raised into the emitter.
    session = ScriptedSession()
    player = BackgroundAudioPlayer(thinking_sound=tone_file(1000))
    await player.start(room=OfflineRenderer(RATE, 1), agent_session=session)
    session.set_agent_state("pondering")
    assert "unknown agent state 'pondering'" in caplog.text
    await player.aclose()


@pytest.mark.parametrize("seconds", [0.5, 0.49])
async def test_a_sound_ending_in_the_last_block_of_an_advance_settles(
    tone_file: Callable[..., str], seconds: float
) -> None:
    player, renderer = await started()
    handle = player.play(tone_file(1000, seconds))
    await renderer.advance(0.5)  # the sound's last frame is in the last block rendered
    await asyncio.wait_for(handle.wait_for_playout(), 30)  # nothing more will be rendered
    assert handle.reason is None
    await player.aclose()
