"""The canceller's streaming contract: any chunking, dtype, rate and channel count; clear errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from echo_path import EchoPath, echo_of, mic_noise
from voices import babble

from roomtone import MissingExtraError
from roomtone.echo import EchoCanceller, processing_rate
from signals import rms_db as db


def _call(rate: int, seconds: float = 4.0, delay: float = 0.12):
    sent = babble(seconds, rate)
    echo = echo_of(sent, rate, EchoPath(delay, 0.0))
    return sent, echo, echo + mic_noise(sent.shape[0], rate)


def _run(canceller, sent, mic, chunk, *, reference=None, dtype=np.float32):
    reference = sent if reference is None else reference
    ref_chunk = round(chunk * reference.shape[0] / sent.shape[0])
    out = []
    for k, i in enumerate(range(0, mic.shape[0], chunk)):
        canceller.push_reference(reference[k * ref_chunk : (k + 1) * ref_chunk].astype(dtype))
        piece = mic[i : i + chunk].astype(dtype)
        cleaned = canceller.process(piece)
        assert cleaned.shape == piece.shape and cleaned.dtype == piece.dtype
        out.append(cleaned)
    return np.concatenate(out)


def test_whole_frames_add_no_delay_and_any_grouping_gives_the_same_samples():
    rate = 16000
    sent, _, mic = _call(rate)
    ten_ms = _run(EchoCanceller(sample_rate=rate), sent, mic, 160)
    forty_ms = _run(EchoCanceller(sample_rate=rate), sent, mic, 640)
    np.testing.assert_array_equal(ten_ms, forty_ms)  # AEC3 is deterministic frame by frame


@pytest.mark.parametrize("chunk", [1, 65, 441])
def test_odd_chunks_add_one_constant_delay_under_twenty_ms(chunk):
    rate = 16000
    sent, _, mic = _call(rate, seconds=2.0)
    whole = _run(EchoCanceller(sample_rate=rate), sent, mic, 160)
    canceller = EchoCanceller(sample_rate=rate)
    odd = _run(canceller, sent, mic, chunk)
    lag = canceller.latency_frames
    assert 0 < lag < 2 * rate // 100
    # Past the first call, the odd-chunked output is the whole-frame output, shifted by `lag`.
    np.testing.assert_array_equal(odd[lag:], whole[: odd.shape[0] - lag])


def test_int16_in_int16_out_and_echo_removed():
    rate = 8000
    sent, echo, mic = _call(rate)
    out = _run(EchoCanceller(sample_rate=rate), (sent * 32767), (mic * 32767), 160, dtype=np.int16)
    assert out.dtype == np.int16
    settled = slice(rate, None)
    assert db(echo[settled] * 32767) - db(out[settled].astype(np.float64)) >= 25.0


def test_stereo_capture_cancels_in_both_channels():
    rate = 16000
    sent, echo, mic = _call(rate)
    stereo = np.stack([mic, 0.5 * echo + mic_noise(mic.shape[0], rate, seed=9)], axis=1)
    out = _run(EchoCanceller(sample_rate=rate, num_channels=2), sent, stereo, 320)
    settled = slice(rate, None)
    assert db(echo[settled]) - db(out[settled, 0]) >= 25.0
    assert db(0.5 * echo[settled]) - db(out[settled, 1]) >= 20.0


def test_other_rates_are_resampled_and_the_reference_may_have_its_own_rate():
    """Caller audio at 44.1 kHz (worked at 48 kHz), reference sent at 24 kHz in stereo."""
    rate = 44100
    assert processing_rate(rate) == 48000
    sent, echo, mic = _call(rate)
    ref = babble(4.0, 24000)
    ref_stereo = np.stack([ref, ref], axis=1)
    canceller = EchoCanceller(sample_rate=rate, reference_rate=24000)
    out = _run(canceller, sent, mic, 441, reference=ref_stereo)
    assert canceller.delay == pytest.approx(0.12, abs=0.003)
    # The output runs `latency_frames` behind (resamplers and odd chunks); compare aligned.
    lag = canceller.latency_frames
    settled = slice(rate, mic.shape[0] - lag)
    assert db(echo[settled]) - db(out[lag:][settled]) >= 25.0


def test_clock_times_place_both_streams_and_gaps_are_silence():
    """Timestamps on one clock (as from time.monotonic()); the reference pauses for 0.5 s."""
    rate = 16000
    sent, echo, mic = _call(rate, seconds=5.0)
    gap = slice(2 * rate, int(2.5 * rate))
    sent = sent.copy()
    sent[gap] = 0.0
    from echo_path import echo_of as echo_again

    echo = echo_again(sent, rate, EchoPath(0.12, 0.0))
    mic = echo + mic_noise(sent.shape[0], rate)
    canceller = EchoCanceller(sample_rate=rate)
    start = 1234.5
    chunk = 320
    out = []
    for i in range(0, mic.shape[0], chunk):
        at = start + i / rate
        if not (gap.start <= i < gap.stop):  # nothing is sent while paused
            jitter = 0.004 * np.sin(i)  # the event loop's wake-ups wobble by a few ms
            canceller.push_reference(sent[i : i + chunk].astype(np.float32), at=at + jitter)
        out.append(canceller.process(mic[i : i + chunk].astype(np.float32), at=at + 0.002))
    cleaned = np.concatenate(out)
    settled = slice(3 * rate, None)
    assert canceller.delay == pytest.approx(0.12, abs=0.003)
    assert db(echo[settled]) - db(cleaned[settled]) >= 25.0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sample_rate": 96000}, "at most 48000"),
        ({"sample_rate": 0}, "sample_rate must be positive"),
        ({"sample_rate": 16000, "num_channels": 0}, "num_channels must be at least 1"),
        ({"sample_rate": 16000, "max_delay": 5.0}, "max_delay_s must be between"),
    ],
)
def test_bad_settings_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        EchoCanceller(**kwargs)


def test_bad_audio_is_named():
    canceller = EchoCanceller(sample_rate=16000, num_channels=1)
    with pytest.raises(ValueError, match=r"caller audio must be shaped \(frames, 1\)"):
        canceller.process(np.zeros((160, 2), np.float32))
    with pytest.raises(ValueError, match="int16 PCM or float samples, got dtype uint8"):
        canceller.process(np.zeros(160, np.uint8))
    with pytest.raises(ValueError, match="reference audio"):
        canceller.push_reference(np.zeros((160, 2, 1), np.float32))


def test_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "livekit", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'roomtone\[echo\]'"):
        EchoCanceller(sample_rate=16000)


def test_importing_roomtone_echo_does_not_load_the_sdk():
    import subprocess

    code = (
        "import sys, roomtone.echo; "
        "assert 'livekit.rtc' not in sys.modules, 'roomtone.echo imported the SDK'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_two_reference_streams_are_summed_by_their_own_times():
    """The bed's track and the agent's voice reach the caller mixed; each is pushed apart,
    in different chunk sizes and at different moments, and both echoes are removed."""
    from voices import BOT, talker

    rate = 16000
    seconds = 5.0
    bed = babble(seconds, rate) * 0.5
    voice = talker(BOT, seconds, rate)
    heard_sum = bed + voice
    echo = echo_of(heard_sum, rate, EchoPath(0.12, 0.0))
    mic = echo + mic_noise(echo.shape[0], rate)
    canceller = EchoCanceller(sample_rate=rate)
    start = 50.0
    voice_chunk = 480  # the agent's voice comes in 30 ms frames, bed in 20 ms
    out = []
    for i in range(0, mic.shape[0], 320):
        canceller.push_reference(bed[i : i + 320], at=start + i / rate, stream="bed")
        if i % voice_chunk < 320:
            j = i - i % voice_chunk
            canceller.push_reference(
                voice[j : j + voice_chunk], at=start + j / rate, stream="voice"
            )
        out.append(canceller.process(mic[i : i + 320].astype(np.float32), at=start + i / rate))
    cleaned = np.concatenate(out)
    settled = slice(rate, None)
    assert canceller.delay == pytest.approx(0.12, abs=0.003)
    assert db(echo[settled]) - db(cleaned[settled]) >= 25.0


def test_sample_ring_adds_streams_and_forgets_old_positions():
    from roomtone.echo.ring import SampleRing

    ring = SampleRing(8)
    ring.add(0, np.ones(4, np.float32))
    ring.add(2, np.ones(4, np.float32))
    np.testing.assert_array_equal(ring.read(0, 6), [1, 1, 2, 2, 1, 1])
    ring.write(10, np.full(2, 3.0, np.float32))  # a gap of silence, then new samples
    np.testing.assert_array_equal(ring.read(4, 8), [1, 1, 0, 0, 0, 0, 3, 3])
    assert ring.read(0, 4).tolist() == [0, 0, 0, 0]  # aged out of the 8-sample ring
    ring.add(1, np.ones(3, np.float32))  # too old to keep: dropped, nothing else changes
    np.testing.assert_array_equal(ring.read(4, 8), [1, 1, 0, 0, 0, 0, 3, 3])


def test_the_echo_package_exports_exactly_its_public_names():
    from roomtone import echo

    public = {n for n in dir(echo) if not n.startswith("_")} - {
        "aec3",
        "canceller",
        "convert",
        "delay",
        "doubletalk",
        "linear",
        "ring",
        "timeline",
    }
    assert set(echo.__all__) == public


async def test_cancel_echo_needs_a_framework_session():
    from roomtone import BackgroundAudioPlayer, NullOutput, ScriptedSession

    player = BackgroundAudioPlayer()
    with pytest.raises(ValueError, match=r"cancel_echo=True needs agent_session=\.\.\."):
        await player.start(output=NullOutput(), cancel_echo=True)
    with pytest.raises(
        ValueError, match=r"works with a livekit\.agents AgentSession, got ScriptedSession"
    ):
        await player.start(output=NullOutput(), agent_session=ScriptedSession(), cancel_echo=True)
    assert not player.started  # nothing was left running
    await player.aclose()
