"""A scene change to a sound that exists but does not decode: the current bed plays on.

The new sound is opened and checked before the old bed is touched; when it fails, the bed
never dips and the error is reported by name (a warning from the Pipecat mixer, the error on
the returned handle from the Python API).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile
from pipecat.frames.frames import MixerUpdateSettingsFrame
from pipecat_harness import Driver, run_pipeline, wait_frames
from pipecat_signals import BED2_HZ, BED_HZ, Tones, sine, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer, OfflineRenderer
from roomtone.errors import SourceError
from roomtone.integrations.pipecat import RoomtoneMixer

BED_DB = -20.0


def text_file(folder: Path) -> Path:
    path = folder / "notes.txt"
    path.write_text("call notes: the customer asked about the invoice\n" * 40)
    return path


def corrupt_wav(folder: Path) -> Path:
    """A RIFF/WAVE header that promises PCM, followed by bytes that are no valid chunk."""
    path = folder / "corrupt.wav"
    junk = np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(junk)) + b"WAVE" + junk)
    return path


def truncated_ogg(folder: Path) -> Path:
    """An Ogg Vorbis file cut inside its headers: no audio packet survives."""
    whole = folder / "whole.ogg"
    soundfile.write(whole, sine(440.0, 2.0, 48000, 0.2)[:, 0], 48000, format="OGG")
    path = folder / "truncated.ogg"
    path.write_bytes(whole.read_bytes()[:300])
    return path


def empty_wav(folder: Path) -> Path:
    path = folder / "empty.wav"
    soundfile.write(path, np.zeros(0, np.float32), 48000, subtype="PCM_16")
    return path


BAD_SOUNDS: dict[str, Callable[[Path], Path]] = {
    "text": text_file,
    "corrupt-wav": corrupt_wav,
    "truncated-ogg": truncated_ogg,
    "0-frame-wav": empty_wav,
}


def window_levels(audio: np.ndarray, rate: int, freq: float, step: float = 0.1) -> list[float]:
    n = round(step * rate)
    return [tone_db(audio[i : i + n], rate, freq) for i in range(0, len(audio) - n + 1, n)]


@pytest.mark.parametrize("kind", list(BAD_SOUNDS))
async def test_a_sound_that_does_not_decode_keeps_the_bed_in_a_pipeline(
    tones: Tones, tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    rate = 16000
    bad = BAD_SOUNDS[kind](tmp_path)
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    mixer = RoomtoneMixer(player, crossfade=0.3)

    async def script(d: Driver) -> None:
        await wait_frames(d, 0.4)
        d.mark("change")
        await d.queue(MixerUpdateSettingsFrame(settings={"sound": str(bad)}))
        await wait_frames(d, 1.5)

    with caplog.at_level(logging.WARNING, logger="roomtone"):
        rec = await run_pipeline(mixer, script, rate=rate)
    levels = window_levels(rec.at("change", -0.3, 1.4), rate, BED_HZ)
    assert min(levels) > BED_DB - 0.5, f"the bed dipped: {np.round(levels, 1)}"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(bad.name in m for m in warnings), warnings


@pytest.mark.parametrize("kind", list(BAD_SOUNDS))
async def test_set_ambient_checks_the_new_sound_before_touching_the_bed(
    tones: Tones, tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """The Python API: the old bed plays on, the handle carries the error, the state is kept."""
    rate = 8000
    bad = BAD_SOUNDS[kind](tmp_path)
    old = AudioConfig(tones.bed, volume=0.5)
    player = BackgroundAudioPlayer(ambient_sound=old)
    renderer = OfflineRenderer(rate)
    await player.start(output=renderer)
    await renderer.advance(0.4)
    old_handle = player.ambient_handle
    with caplog.at_level(logging.WARNING, logger="roomtone"):
        handle = player.set_ambient(str(bad), crossfade=0.3)
        assert handle is not None
        await renderer.advance(0.2)  # offline, the check is decided at the next block
        with pytest.raises(SourceError) as info:
            await asyncio.wait_for(handle.wait_for_playout(), 5.0)
        await renderer.advance(1.0)
    await player.aclose()
    assert bad.name in str(info.value)
    assert bad.name in caplog.text
    assert player.ambient_sound == old and player.ambient_handle is old_handle
    after = renderer.audio().astype(np.float64)[round(0.3 * rate) :]
    levels = window_levels(after, rate, BED_HZ)
    assert min(levels) > BED_DB - 0.5, f"the bed dipped: {np.round(levels, 1)}"


async def test_a_good_sound_still_crossfades_after_the_check(tones: Tones) -> None:
    """The check costs no audible time: a decodable sound crossfades in as before."""
    rate = 8000
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    renderer = OfflineRenderer(rate)
    await player.start(output=renderer)
    await renderer.advance(0.4)
    player.set_ambient(AudioConfig(tones.bed2, volume=0.5), crossfade=0.3)
    await renderer.advance(1.0)
    await player.aclose()
    audio = renderer.audio().astype(np.float64)
    settled = audio[round(0.9 * rate) :]
    assert tone_db(settled, rate, BED2_HZ) == pytest.approx(BED_DB, abs=0.5)
    assert tone_db(settled, rate, BED_HZ) < BED_DB - 50
