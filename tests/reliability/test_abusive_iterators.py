"""Iterators that misbehave end their own sound (a played one or a thinking cue); the bed and
the output stay sound.

Each case plays an abusive async iterator over a 300 Hz bed and compares the bed's level with a
render of the bed alone: within 0.5 dB, nothing non-finite, and the handle settles.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import pytest

from roomtone import AudioConfig, BackgroundAudioPlayer, CueOptions, OfflineRenderer
from signals import band_db, segment, tone

RATE = 16000
BED = 300.0
BLOCK = 320  # 20 ms at 16 kHz


def frames_of(samples: np.ndarray, rate: int, block: int = BLOCK) -> list[tuple[np.ndarray, int]]:
    return [(samples[i : i + block], rate) for i in range(0, len(samples), block)]


async def stream(items: list[Any], fail: BaseException | None = None) -> AsyncIterator[Any]:
    for item in items:
        yield _frame(item)
    if fail is not None:
        raise fail


def _frame(item: Any) -> Any:
    from roomtone.sources.frames import AudioFrame

    if isinstance(item, tuple):
        samples, rate = item
        return AudioFrame(np.asarray(samples), rate)
    return item  # garbage, passed through as it came


def poisoned(value: float) -> np.ndarray:
    """A 1 kHz tone with every 50th sample replaced by ``value``."""
    x = tone(1000.0, 1.0, RATE, amp=0.1).astype(np.float64)
    x[::50] = value
    return x


CASES: dict[str, Callable[[], AsyncIterator[Any]]] = {
    "inf": lambda: stream(frames_of(poisoned(np.inf), RATE)),
    "minus inf": lambda: stream(frames_of(poisoned(-np.inf), RATE)),
    "nan": lambda: stream(frames_of(poisoned(np.nan), RATE)),
    "raises": lambda: stream(frames_of(tone(1000.0, 0.3, RATE, amp=0.1), RATE), RuntimeError("x")),
    "wrong type": lambda: stream([*frames_of(tone(1000.0, 0.2, RATE, amp=0.1), RATE), "garbage"]),
    "rate change": lambda: stream(
        frames_of(tone(1000.0, 0.4, RATE, amp=0.1), RATE)
        + frames_of(tone(1000.0, 0.4, 44100, amp=0.1), 44100, 882)
    ),
}


async def render(tone_file: Callable[..., str], case: str | None) -> tuple[np.ndarray, Any]:
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(
        ambient_sound=AudioConfig(tone_file(BED, 4.0, RATE), volume=0.5), ducking=False, seed=1
    )
    await player.start(output=r)
    await r.advance(0.5)
    handle = player.play(CASES[case]()) if case is not None else None
    await r.advance(2.0)
    await player.aclose()
    return r.audio(), handle


@pytest.mark.parametrize("case", sorted(CASES))
async def test_an_abusive_iterator_leaves_the_bed_alone(
    tone_file: Callable[..., str], case: str
) -> None:
    clean, _ = await render(tone_file, None)
    audio, handle = await render(tone_file, case)
    assert np.all(np.isfinite(audio))
    assert np.max(np.abs(audio)) <= 10 ** (-1.0 / 20) + 1e-6  # the limiter's -1 dBFS ceiling
    assert handle.done()  # settled within the 2 s rendered after it started
    for start in (0.6, 1.0, 1.5, 2.0):  # the bed holds its level throughout
        want = band_db(segment(clean, RATE, start, start + 0.4), RATE, BED)
        got = band_db(segment(audio, RATE, start, start + 0.4), RATE, BED)
        assert abs(got - want) < 0.5, (case, start, got, want)


async def render_thoughts(tone_file: Callable[..., str], case: str | None) -> np.ndarray:
    """The bed, with two thoughts whose thinking sound is the abusive iterator."""
    r = OfflineRenderer(RATE, 1)
    player = BackgroundAudioPlayer(
        ambient_sound=AudioConfig(tone_file(BED, 4.0, RATE), volume=0.5),
        thinking_sound=CASES[case]() if case is not None else None,
        thinking=CueOptions.immediate(),
        ducking=False,
        seed=1,
    )
    await player.start(output=r)
    await r.advance(0.5)
    for _ in range(2):  # the second thought meets an iterator that already failed or ended
        player.set_agent_state("thinking")
        await r.advance(0.8)
        player.set_agent_state("listening")
        await r.advance(0.2)
    await player.aclose()
    return r.audio()


@pytest.mark.parametrize("case", sorted(CASES))
async def test_an_abusive_thinking_stream_ends_its_cue_and_leaves_the_bed_alone(
    tone_file: Callable[..., str], case: str, caplog: pytest.LogCaptureFixture
) -> None:
    clean = await render_thoughts(tone_file, None)
    with caplog.at_level(logging.WARNING, logger="roomtone"):
        audio = await render_thoughts(tone_file, case)
    assert np.all(np.isfinite(audio))
    assert np.max(np.abs(audio)) <= 10 ** (-1.0 / 20) + 1e-6  # the limiter's -1 dBFS ceiling
    for start in (0.6, 1.0, 1.5, 2.0):
        want = band_db(segment(clean, RATE, start, start + 0.4), RATE, BED)
        got = band_db(segment(audio, RATE, start, start + 0.4), RATE, BED)
        assert abs(got - want) < 0.5, (case, start, got, want)
    if case in ("raises", "wrong type"):  # said in the log, naming the iterator
        assert "cue sound stopped: async iterator" in caplog.text
