"""Fixtures for the LiveKit tests (the rig itself is ``livekit_rig``); skipped without LiveKit."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

if importlib.util.find_spec("livekit.rtc") is None:  # pragma: no cover - extra not installed
    collect_ignore_glob = ["test_*.py"]
else:
    from livekit import rtc
    from livekit_rig import Captured, Frame, stand_in_room

    @pytest.fixture
    def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
        """Records every ``capture_frame`` call, then lets the SDK do its real work."""
        record = Captured()
        original = rtc.AudioSource.capture_frame

        async def capture_frame(self: Any, frame: Any) -> None:
            n, ch = frame.samples_per_channel, frame.num_channels
            pcm = np.frombuffer(frame.data, np.int16)[: n * ch].reshape(n, ch)
            record.frames.append(Frame(id(self), time.monotonic(), pcm.astype(np.float32) / 32768))
            await original(self, frame)

        monkeypatch.setattr(rtc.AudioSource, "capture_frame", capture_frame)
        yield record

    @pytest.fixture
    async def room() -> Any:
        return stand_in_room()
