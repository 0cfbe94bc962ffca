"""The agent does not hear roomtone's audio back from the caller: measured with Silero VAD.

A simulated call (see ``echo_path``): what roomtone sends goes through a room impulse
response, a delay of 40, 120 or 300 ms and an echo return loss of 0 or -10 dB into the
caller's microphone, with its noise. Silero VAD, as LiveKit Agents and Pipecat run it, listens
to what the agent would receive with and without the canceller.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from echo_path import EchoPath
from scenario import CONVERGE_S, Call, simulate
from vad import longest_run_s, speech_windows, window_seconds

from signals import rms_db as db

RATES = [8000, 16000]
DELAYS = [0.04, 0.12, 0.3]
ERLS = [0.0, -10.0]
SOURCES = ["babble", "hold_music", "bot_voice"]

cached_call = functools.cache(simulate)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("rate", RATES)
def test_without_cancellation_vad_fires_on_speech_like_echo(rate, source, report):
    call = cached_call(source, rate, EchoPath(0.12, 0.0))
    heard = speech_windows(call.mic, rate)
    report(
        f"no canceller  {source:10s} {rate:5d} Hz  ERL 0 dB: VAD speech in {heard.mean():6.1%} "
        f"of windows, longest run {longest_run_s(heard, rate):.2f} s"
    )
    if source == "hold_music":  # music is not speech to Silero; the figure is reported only
        return
    assert heard.mean() > 0.5, "the echo must sound like speech for this test to mean anything"


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("erl", ERLS)
@pytest.mark.parametrize("delay", DELAYS)
@pytest.mark.parametrize("rate", RATES)
def test_cancelled_echo_is_not_speech_after_one_second(rate, delay, erl, source, report):
    call = cached_call(source, rate, EchoPath(delay, erl))
    # VAD listens to the whole call, as in a session; windows from 1 s on are counted.
    heard = speech_windows(call.out, rate)[int(CONVERGE_S / window_seconds(rate)) :]
    erle = call.erle_db()
    report(
        f"cancelled     {source:10s} {rate:5d} Hz delay {delay * 1000:3.0f} ms  ERL {erl:5.1f} dB: "
        f"ERLE {erle:5.1f} dB, VAD {heard.mean():5.1%}, longest run "
        f"{longest_run_s(heard, rate):.3f} s, delay found {call.canceller.delay}"
    )
    assert longest_run_s(heard, rate) < 0.2
    assert erle >= 25.0
    assert heard.mean() <= 0.01
    assert call.canceller.delay == pytest.approx(delay, abs=0.002)


def _caller_windows(call: Call, start: float) -> tuple[np.ndarray, np.ndarray]:
    """Silero's speech windows from ``start`` on, on the clean caller (plus mic noise) and on
    the agent's input. Silero listens to the whole call, as in a session: started afresh at
    the caller's first word it is unsure of its first windows even on the clean voice."""
    first = int(np.ceil(start / window_seconds(call.rate)))
    clean = speech_windows(call.caller + call.noise, call.rate)[first:]
    received = speech_windows(call.out, call.rate)[first:]
    return clean, received


def _caller_level_change(call: Call, start: float) -> float:
    """Agent's input over the clean caller, in dB, where the caller is talking."""
    part = slice(int(start * call.rate), None)
    talking = np.abs(call.caller[part]) > 0
    return db(call.out[part][talking]) - db(call.caller[part][talking])


DOUBLE_TALK_FROM = 3.0


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("erl", ERLS)
@pytest.mark.parametrize("delay", DELAYS)
@pytest.mark.parametrize("rate", RATES)
def test_caller_talking_over_the_echo_passes(rate, delay, erl, source, report):
    """Double talk: the caller speaks over the bed, the hold music or the agent's own voice
    (a barge-in: at 0 dB loss its echo is as loud as the caller, the hardest case)."""
    call = simulate(source, rate, EchoPath(delay, erl), caller_from=DOUBLE_TALK_FROM, seconds=7.0)
    clean, received = _caller_windows(call, DOUBLE_TALK_FROM)
    kept = (clean & received).sum() / clean.sum()
    change = _caller_level_change(call, DOUBLE_TALK_FROM)
    report(
        f"double talk   {source:10s} {rate:5d} Hz delay {delay * 1000:3.0f} ms  ERL {erl:5.1f} dB: "
        f"caller speech windows kept {kept:6.1%}, level change {change:+.2f} dB"
    )
    assert kept >= 0.95
    assert abs(change) <= 3.0


def test_without_echo_the_caller_is_untouched(report):
    """A caller with a headset: roomtone plays, nothing comes back; their voice passes."""
    rate = 16000
    call = simulate("babble", rate, EchoPath(0.12, -120.0), caller_from=1.0)
    clean, received = _caller_windows(call, 1.0)
    change = _caller_level_change(call, 1.0)
    report(f"no echo path  babble     16000 Hz: caller level change {change:+.2f} dB")
    assert (clean & received).sum() / clean.sum() >= 0.95
    assert abs(change) <= 1.0


RELOCK_S = 0.5


@pytest.mark.parametrize(("before", "after"), [(0.12, 0.26), (0.12, 0.09), (0.2, 0.12)])
def test_a_change_of_delay_is_followed_within_half_a_second(before, after, report):
    """The delay jumps mid-call (a jitter buffer grew or drained, a stalled loop); the linear
    filter loses the path at once, which sends the delay search back to work on what was heard
    since. From 0.5 s after the jump: ERLE >= 25 dB and no speech windows."""
    rate = 16000
    first = cached_call("babble", rate, EchoPath(before, 0.0), seconds=8.0)
    later = cached_call("babble", rate, EchoPath(after, 0.0), seconds=8.0)
    switch = 4 * rate
    from echo_path import mic_noise

    from roomtone.echo import EchoCanceller

    echo = np.concatenate([first.echo[:switch], later.echo[switch:]])
    mic = echo + mic_noise(8 * rate, rate)
    canceller = EchoCanceller(sample_rate=rate)
    chunk = rate // 50
    out = []
    found_at = None
    for i in range(0, mic.shape[0], chunk):
        canceller.push_reference(first.sent[i : i + chunk].astype(np.float32))
        out.append(canceller.process(mic[i : i + chunk].astype(np.float32)))
        if found_at is None and i >= switch and canceller.delay == pytest.approx(after, abs=0.002):
            found_at = (i + chunk - switch) / rate
    cleaned = np.concatenate(out)
    settled = slice(switch + int(RELOCK_S * rate), None)
    erle = db(echo[settled]) - db(cleaned[settled])
    heard = speech_windows(cleaned[settled], rate)
    report(
        f"delay jump    babble     16000 Hz {before * 1000:3.0f} -> {after * 1000:3.0f} ms: found "
        f"after {found_at} s; from {RELOCK_S} s on ERLE {erle:.1f} dB, VAD {heard.mean():.1%}"
    )
    assert canceller.delay == pytest.approx(after, abs=0.002)
    assert erle >= 25.0
    assert heard.mean() <= 0.01


def test_convergence_time_is_at_most_one_second():
    """The ERLE of the second half-second is already past 20 dB: the 1 s allowance holds."""
    call = cached_call("babble", 16000, EchoPath(0.3, 0.0))
    rate = call.rate
    part = slice(int(0.5 * rate), int(CONVERGE_S * rate))
    assert db(call.echo[part]) - db(call.out[part]) >= 20.0


def _stream(canceller, sent, mic, rate, *, send_at, hear_at, muted=None):
    """Chunk a call through ``canceller`` with clock times; muted stretches are not heard."""
    chunk = rate // 50
    out = np.zeros_like(mic)
    for i in range(0, mic.shape[0], chunk):
        canceller.push_reference(sent[i : i + chunk].astype(np.float32), at=send_at + i / rate)
        if muted is not None and muted.start <= i < muted.stop:
            continue  # on hold: the input is muted, no frames reach the agent
        piece = mic[i : i + chunk].astype(np.float32)
        out[i : i + chunk] = canceller.process(piece, at=hear_at + i / rate)
    return out


def test_input_muted_on_hold_then_back(report):
    """Call-flow hold: the caller's input stops for 3 s while the bed plays on, then resumes;
    the echo is cancelled again within a second of their return."""
    from echo_path import mic_noise

    from roomtone.echo import EchoCanceller

    rate = 16000
    call = cached_call("babble", rate, EchoPath(0.12, 0.0), seconds=8.0)
    mic = call.echo + mic_noise(call.echo.shape[0], rate)
    hold = slice(2 * rate, 5 * rate)
    out = _stream(
        EchoCanceller(sample_rate=rate),
        call.sent,
        mic,
        rate,
        send_at=10.0,
        hear_at=10.0,
        muted=hold,
    )
    back = slice(hold.stop + rate, None)
    erle = db(call.echo[back]) - db(out[back])
    report(
        f"hold          babble     16000 Hz: ERLE {erle:.1f} dB from 1 s after the input returns"
    )
    assert erle >= 25.0
    assert speech_windows(out[hold.stop :], rate).mean() <= 0.05


def test_gaps_only_bed(report):
    """A bed that plays only between the agent's turns: 1 s on, 1.5 s off. The echo of each
    burst is cancelled; the silences between stay silent."""
    from echo_path import echo_of, mic_noise
    from voices import babble

    from roomtone.echo import EchoCanceller

    rate = 16000
    seconds = 10.0
    sent = babble(seconds, rate).copy()
    t = np.arange(sent.shape[0]) / rate
    sent[(t % 2.5) >= 1.0] = 0.0
    echo = echo_of(sent, rate, EchoPath(0.12, 0.0))
    mic = echo + mic_noise(sent.shape[0], rate)
    canceller = EchoCanceller(sample_rate=rate)
    out = _stream(canceller, sent, mic, rate, send_at=0.0, hear_at=0.0)
    settled = slice(int(2.5 * rate), None)
    erle = db(echo[settled]) - db(out[settled])
    flags = speech_windows(out, rate)[int(2.5 / window_seconds(rate)) :]
    report(
        f"gaps-only bed babble     16000 Hz: ERLE {erle:.1f} dB, VAD {flags.mean():.1%} after 2.5 s"
    )
    assert canceller.delay == pytest.approx(0.12, abs=0.002)
    assert erle >= 25.0
    assert flags.mean() <= 0.01
