"""Shared fixtures: generated tone files, one per frequency, at any rate and channel count."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from roomtone import default_cache
from roomtone.sources.cache import CacheStats
from signals import tone_wav


@pytest.fixture
def tone_file(tmp_path: Path) -> Callable[..., str]:
    def make(
        freq: float, seconds: float = 2.0, rate: int = 48000, amp: float = 0.25, channels: int = 1
    ) -> str:
        return tone_wav(
            tmp_path / f"tone_{freq:g}_{seconds:g}_{rate}_{channels}.wav",
            freq,
            seconds,
            rate,
            amp=amp,
            channels=channels,
        )

    return make


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty process-wide clip cache, so stats are its own."""
    default_cache.clear()
    default_cache.stats = CacheStats()
