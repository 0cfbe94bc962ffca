"""Fixtures for the sources tests: a private clip cache and the common output formats."""

from __future__ import annotations

import pytest

from roomtone.format import AudioFormat
from roomtone.sources.cache import ClipCache


@pytest.fixture
def cache() -> ClipCache:
    """A cache of its own, so stats and eviction are the test's alone."""
    return ClipCache(64 * 1024 * 1024)


@pytest.fixture
def mono48() -> AudioFormat:
    return AudioFormat(48000, 1)
