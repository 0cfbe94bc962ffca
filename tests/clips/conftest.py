"""Shared, cached renders and decodes of the built-in clips (each is made once per session)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import numpy.typing as npt
import pytest

from roomtone.analysis.decode import decode_audio
from roomtone.clips.catalog import clip_path, get_spec
from roomtone.clips.generate import render_clip

Audio = npt.NDArray[np.float32]


@cache
def _rendered(name: str) -> Audio:
    return render_clip(get_spec(name))


@cache
def _decoded(name: str) -> Audio:
    samples, rate = decode_audio(clip_path(name))
    assert rate == 48000
    return samples


@pytest.fixture(scope="session")
def rendered() -> Callable[[str], Audio]:
    """Float synthesis of a clip, normalised exactly as the generator encodes it."""
    return _rendered


@pytest.fixture(scope="session")
def decoded() -> Callable[[str], Audio]:
    """The committed Ogg Opus file, decoded."""
    return _decoded
