"""Per-chunk cost in a real pipeline: the mechanism, counted (the figures are in the bench).

Inside a live pipeline each ``mix()`` runs after 20 ms of sleep with cold caches: the same
``_mix_now`` cost 0.017 ms in a tight loop and 0.22 ms of CPU there, while the pacer never
slept. What costs is each pass through the code, not the samples. So the background (the
voices, ducking, master volume) is rendered in blocks of at least 60 ms, converted to int16
once, and served chunk by chunk; the bot's voice and the limiter stay per chunk (the fast
paths are checked sample for sample in tests/engine/test_mixer_pcm16.py). Tests never time
anything: this one counts the passes through the voices. ``bench/pipecat_bench.py`` measures
the CPU per chunk against Pipecat's ``SoundfileMixer`` side by side.
"""

from __future__ import annotations

from typing import Any

import pytest
from pipecat_harness import Driver, run_pipeline, wait_frames
from pipecat_signals import Tones

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.engine.voice import Voice
from roomtone.integrations.pipecat import RoomtoneMixer

RATE = 16000


@pytest.mark.parametrize("speaking", [False, True], ids=["silent", "speaking"])
async def test_the_voices_are_rendered_once_per_60_ms_not_once_per_chunk(
    tones: Tones, monkeypatch: pytest.MonkeyPatch, speaking: bool
) -> None:
    passes = 0
    render_into = Voice.render_into

    def counted(self: Voice, *args: Any, **kwargs: Any) -> int:
        nonlocal passes
        passes += 1
        return render_into(self, *args, **kwargs)

    monkeypatch.setattr(Voice, "render_into", counted)
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    mixer = RoomtoneMixer(player, num_channels=1)  # 20 ms chunks: mono, or 10 ms stereo

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.3)
        if speaking:
            await d.say(1.2)
        await wait_frames(d, 1.5)

    await run_pipeline(mixer, script, rate=RATE, chunks_10ms=2)
    assert mixer.chunks_mixed > 60
    # One voice (the bed); 20 ms chunks, 60 ms blocks: one pass serves three chunks.
    assert passes <= mixer.chunks_mixed / 3 + 2, (passes, mixer.chunks_mixed)
