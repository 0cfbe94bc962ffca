"""Human typing rhythm: words typed in bursts, spaces, hesitations, corrections, sentence ends.

Inter-key intervals are log-normal (fast digraphs, slow reaches). The sequence is built as
a chain of intervals and then stretched slightly so it sums to the loop length exactly:
the interval across the loop seam is one of the generated ones, so the rhythm never
stumbles where the clip restarts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Keystroke", "TypingStyle", "typing_schedule"]

_LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
# Rough English letter frequencies (percent), used to pick which key is struck.
_LETTER_WEIGHTS = np.array(
    [
        12.7,
        9.1,
        8.2,
        7.5,
        7.0,
        6.7,
        6.3,
        6.1,
        6.0,
        4.3,
        4.0,
        2.8,
        2.8,
        2.4,
        2.4,
        2.2,
        2.0,
        2.0,
        1.9,
        1.5,
        1.0,
        0.8,
        0.2,
        0.2,
        0.1,
        0.1,
    ]
)


@dataclass(frozen=True)
class Keystroke:
    time_s: float
    key: str
    force: float


@dataclass(frozen=True)
class TypingStyle:
    """How a typist types: speed within words and how often they stop to think."""

    interval_s: float = 0.14
    """Median time between keys inside a word (about 7 keys/s in a burst)."""
    spread: float = 0.35
    """Log-normal spread of the intervals."""
    pause_chance: float = 0.15
    """Chance of a thinking pause after a word."""
    pause_s: float = 0.7
    sentence_words: tuple[int, int] = (6, 12)
    correction_chance: float = 0.07


def _interval(rng: np.random.Generator, median: float, spread: float) -> float:
    return float(median * np.exp(spread * rng.standard_normal()))


def _force(rng: np.random.Generator) -> float:
    return float(np.exp(0.2 * rng.standard_normal()))


def _word(rng: np.random.Generator, style: TypingStyle) -> list[tuple[float, str]]:
    """(interval before key, key) for one word plus the space after it."""
    length = int(np.clip(1 + rng.poisson(3.7), 1, 11))
    letters = rng.choice(len(_LETTERS), size=length, p=_LETTER_WEIGHTS / _LETTER_WEIGHTS.sum())
    keys = [(_interval(rng, style.interval_s, style.spread), _LETTERS[i]) for i in letters]
    if rng.random() < style.correction_chance:
        # Notice a typo: hesitate, backspace a few keys, retype them.
        count = int(rng.integers(1, min(4, length) + 1))
        keys.append((_interval(rng, 0.35, 0.3), "backspace"))
        keys += [(_interval(rng, 0.12, 0.2), "backspace") for _ in range(count - 1)]
        keys += [
            (_interval(rng, style.interval_s, style.spread), _LETTERS[i]) for i in letters[-count:]
        ]
    keys.append((_interval(rng, style.interval_s * 1.25, style.spread), "space"))
    return keys


def typing_schedule(
    rng: np.random.Generator, duration_s: float, style: TypingStyle
) -> list[Keystroke]:
    """Keystrokes filling a loop of ``duration_s``; the rhythm continues across the seam."""
    events: list[tuple[float, str]] = []
    total = 0.0
    words_left = int(rng.integers(*style.sentence_words))
    while total < duration_s:
        word = _word(rng, style)
        if rng.random() < style.pause_chance:
            first_gap, first_key = word[0]
            word[0] = (first_gap + _interval(rng, style.pause_s, 0.4), first_key)
        events += word
        words_left -= 1
        if words_left == 0:
            events.append((_interval(rng, 0.18, 0.3), "."))
            if rng.random() < 0.5:
                events.append((_interval(rng, 0.3, 0.3), "enter"))
            words_left = int(rng.integers(*style.sentence_words))
            events.append((_interval(rng, 1.0, 0.3), "shift"))
        total = sum(gap for gap, _ in events)
    # Drop keys until the chain is as close as possible to the loop, then stretch to fit.
    gaps = np.array([gap for gap, _ in events])
    ends = np.cumsum(gaps)
    count = int(np.argmin(np.abs(ends - duration_s))) + 1
    gaps = gaps[:count] * (duration_s / ends[count - 1])
    offset = float(rng.uniform(0.0, duration_s))
    times = (offset + np.cumsum(gaps)) % duration_s
    return [
        Keystroke(float(t), key, _force(rng) * (1.15 if key == "enter" else 1.0))
        for t, (_, key) in zip(times.tolist(), events[:count], strict=True)
    ]
