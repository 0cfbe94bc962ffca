"""Pipecat test setup: import Pipecat once with its known import-time warning silenced.

Pipecat 1.14 imports the standard library's ``audioop``, which warns on Python 3.11-3.12
("deprecated and slated for removal in Python 3.13"). The suite turns warnings into errors, so
that one warning, and only during this import, is ignored here: it is Pipecat's, not ours.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
from pipecat_signals import Tones, make_tones

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="'audioop' is deprecated", category=DeprecationWarning
    )
    import pipecat.audio.utils  # noqa: F401  (the module that imports audioop)

from loguru import logger

# Pipecat logs every frame at DEBUG; keep the test output readable and cheap.
logger.remove()
logger.add(sys.stderr, level="WARNING")


@pytest.fixture
def tones(tmp_path: Path) -> Tones:
    return make_tones(tmp_path)
