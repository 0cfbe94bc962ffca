"""int16 pulls (a Pipecat ``mix()``): the fast paths give the general path's samples exactly.

``Mixer.render_pcm16`` converts a block rendered ahead once for all the pulls it serves and
skips the limiter when the voice's peak and the background's bound cannot reach its ceiling.
``fast_pcm16 = False`` converts every pull alone and always asks the limiter: the two must
agree sample for sample through ducking, ramps, loud speech under the limiter and silence.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from roomtone.engine.ducker import Ducking
from roomtone.engine.mixer import Mixer
from roomtone.engine.pcm16 import PcmBlock
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.voice import Bus, Voice
from roomtone.format import AudioFormat
from roomtone.samples import pcm16_rms_and_peak, to_pcm16
from roomtone.sources.clip import Clip

RATE = 16000
CHUNK = 320  # 20 ms
AHEAD = 960  # 60 ms, as the Pipecat output renders ahead


def noise(channels: int, level: float, frames: int = 7919, seed: int = 3) -> Clip:
    fmt = AudioFormat(RATE, channels)
    data = np.random.default_rng(seed).normal(0.0, level, (frames, channels))
    return Clip.from_array(fmt, "noise", data.astype(np.float32))


def scene(channels: int, *, ceiling_db: float = -0.5) -> Mixer:
    """A looped bed that ducks under speech, an effect, a master volume ramp."""
    mixer = Mixer(
        AudioFormat(RATE, channels),
        ducking=Ducking(amount_db=8.0, attack=0.02, release=0.1, hold=0.05),
        limiter_ceiling_db=ceiling_db,
        render_ahead=AHEAD,
    )
    bed = noise(channels, 0.05)
    mixer.add_voice(Voice(ClipPlayback(bed, loop=True, overlap=400), bus=Bus.BED, fade_in=800))
    mixer.add_voice(Voice(ClipPlayback(noise(channels, 0.1, 3000, seed=5)), volume=0.7))
    return mixer


def speech_chunks(channels: int, count: int) -> list[np.ndarray | None]:
    """Silence, words, a shout that needs the limiter, words again, silence."""
    rng = np.random.default_rng(11)
    chunks: list[np.ndarray | None] = []
    for i in range(count):
        phase = (i // 25) % 5
        if phase in (0, 4):
            chunks.append(None)
            continue
        level = 40000.0 if phase == 2 else 4000.0  # the shout clips at int16's limits
        t = np.arange(CHUNK) + i * CHUNK
        wave = level * np.sin(2 * np.pi * 220 * t / RATE)[:, None] * np.ones((1, channels))
        wave += rng.normal(0.0, 200.0, wave.shape)
        chunks.append(np.clip(np.rint(wave), -32768, 32767).astype(np.int16))
    return chunks


def pull_all(
    mixer: Mixer, chunks: list[np.ndarray | None], at: Callable[[Mixer, int], None]
) -> np.ndarray:
    channels = mixer.format.num_channels
    out = []
    for i, chunk in enumerate(chunks):
        at(mixer, i)
        pcm = np.zeros((CHUNK, channels), np.int16)
        speech = None if chunk is None else pcm
        if chunk is not None:
            pcm[:] = chunk  # the speech arrives in the output buffer, as in RoomtoneMixer
        mixer.render_pcm16(pcm, speech, sidechain=True)
        out.append(pcm)
    return np.concatenate(out)


def changes(mixer: Mixer, i: int) -> None:
    if i == 40:
        mixer.master.set(0.6, 3000)
    if i == 90:
        mixer.voices[0].set_volume(1.4, 2000)


@pytest.mark.parametrize("channels", [1, 2])
def test_fast_int16_pulls_equal_the_general_path(channels: int) -> None:
    chunks = speech_chunks(channels, 150)
    fast, general = scene(channels), scene(channels)
    general.fast_pcm16 = False
    conversions = 0
    convert = PcmBlock.convert

    def counted(self: PcmBlock, *args: object, **kwargs: bool) -> None:
        nonlocal conversions
        conversions += 1
        convert(self, *args, **kwargs)  # type: ignore[arg-type]

    limited = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PcmBlock, "convert", counted)
        a = pull_all(fast, chunks, lambda m, i: (changes(m, i), limited.append(m.limiter.gain)))
        reused = conversions
        b = pull_all(general, chunks, changes)
    assert conversions == reused  # the general path converts nothing ahead
    assert reused > 20  # most blocks were converted once and served from there
    assert min(limited) < 0.95  # the shout went through the limiter
    np.testing.assert_array_equal(a, b)


def test_silent_pulls_equal_the_float_render_converted() -> None:
    """With no speech an int16 pull is exactly the float render, converted."""
    mixer, twin = scene(2), scene(2)
    for i in range(120):
        changes(mixer, i)
        changes(twin, i)
        pcm = np.zeros((CHUNK, 2), np.int16)
        mixer.render_pcm16(pcm)
        expected = np.zeros_like(pcm)
        to_pcm16(twin.render(CHUNK), expected)
        np.testing.assert_array_equal(pcm, expected)


def test_the_voice_alone_passes_bit_exact_and_adds_to_the_rounded_bed() -> None:
    rng = np.random.default_rng(2)
    speech = np.clip(rng.normal(0, 6000, (CHUNK, 1)), -30000, 30000).astype(np.int16)
    empty = Mixer(AudioFormat(RATE, 1), render_ahead=AHEAD)
    out = np.zeros_like(speech)
    empty.render_pcm16(out, speech, sidechain=True)
    np.testing.assert_array_equal(out, speech)

    mixer, twin = scene(1), scene(1)
    mixer.ducker.settings = twin.ducker.settings = None  # the bed level stays put
    for _ in range(10):
        quiet = (speech // 8).astype(np.int16)
        pcm = quiet.copy()
        mixer.render_pcm16(pcm, pcm)
        bed = np.zeros_like(pcm)
        to_pcm16(twin.render(CHUNK), bed)
        np.testing.assert_array_equal(pcm, bed.astype(np.int32) + quiet)


@pytest.mark.parametrize("channels", [1, 2])
def test_the_voice_is_measured_the_same_from_raw_bytes_and_with_numpy(channels: int) -> None:
    """``audioop`` on the raw bytes (the fast way) and numpy agree exactly: RMS and peak."""
    rng = np.random.default_rng(7)
    for level in (0.0, 3.0, 150.0, 2000.0, 40000.0):
        pcm = np.clip(rng.normal(0, level, (CHUNK, channels)), -32768, 32767).astype(np.int16)
        assert pcm16_rms_and_peak(pcm) == pcm16_rms_and_peak(pcm, exact=True)
    lowest = np.full((CHUNK, channels), -32768, np.int16)
    assert pcm16_rms_and_peak(lowest) == pcm16_rms_and_peak(lowest, exact=True) == (32768, 32768)
