"""A simulated echo path: what roomtone sent, played by the caller's loudspeaker, heard again.

loudspeaker -> room -> microphone is modelled as a synthetic room impulse response (a direct
path, a few early reflections and an exponentially decaying diffuse tail: a speakerphone on a
desk in a small office, RT60 0.25 s), a transport + network + device delay, an echo return
loss, and the microphone's own noise floor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve, lfilter

from roomtone.echo.ring import SampleRing
from roomtone.echo.timeline import StreamClock

MIC_NOISE_DBFS = -70.0  # a phone microphone's floor after its codec; counted against ERLE


def room_impulse_response(rate: int, *, rt60: float = 0.25, seed: int = 7) -> np.ndarray:
    """Unit-energy RIR: direct path, reflections at 3-15 ms, diffuse tail 12 dB below."""
    rng = np.random.default_rng(seed)
    n = int(rt60 * rate)
    t = np.arange(n) / rate
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    tail[: int(0.004 * rate)] = 0.0
    tail *= 10 ** (-12 / 20) / np.sqrt(np.sum(tail**2))
    rir = tail
    rir[0] += 1.0
    for delay_s, gain in ((0.003, -0.45), (0.0071, 0.3), (0.0113, -0.22), (0.0148, 0.15)):
        rir[int(delay_s * rate)] += gain
    return rir / np.sqrt(np.sum(rir**2))


@dataclass(frozen=True)
class EchoPath:
    delay_s: float
    erl_db: float
    """Echo level relative to what was sent: 0 dB (loud speakerphone) or -10 dB."""


def echo_of(sent: np.ndarray, rate: int, path: EchoPath) -> np.ndarray:
    """The echo of ``sent`` (mono float) as the caller's microphone hears it, same length."""
    wet = fftconvolve(sent, room_impulse_response(rate))[: sent.shape[0]]
    wet *= 10 ** (path.erl_db / 20)
    delay = round(path.delay_s * rate)
    return np.concatenate([np.zeros(delay), wet])[: sent.shape[0]]


def mic_noise(frames: int, rate: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(frames) * 10 ** (MIC_NOISE_DBFS / 20)


class TimelineEchoPath:
    """The same echo path for live pipelines, on the reference tap's timeline, not the loop's.

    The caller's loudspeaker plays each stream's chunks when their timestamps say, placed
    exactly as the canceller places them (a :class:`~roomtone.echo.timeline.StreamClock` per
    stream: sample-continuous unless the time jumps), and the microphone's n-th sample is at
    ``start + n / rate``. So an event-loop stall delays when chunks are handled, never where
    their echo lands: the echo comes ``delay`` after the tap says a sample played, always.
    ``talk`` queues the caller's speech from an exact microphone sample.
    """

    def __init__(
        self, rate: int, path: EchoPath, *, history_s: float = 20.0, seed: int = 5
    ) -> None:
        self.rate = rate
        self._rir = room_impulse_response(rate) * 10 ** (path.erl_db / 20)
        self._state = np.zeros(self._rir.shape[0] - 1)
        self._delay = round(path.delay_s * rate)
        self._origin = time.monotonic() - 1.0  # every time a test sees is after this
        self._streams: dict[str, tuple[StreamClock, SampleRing]] = {}
        self._history = round(history_s * rate)
        self._talk = np.zeros(0)
        self._talk_from = 0
        self._rng = np.random.default_rng(seed)
        self._mic_start: int | None = None
        self.heard = 0

    def _stream(self, name: str) -> tuple[StreamClock, SampleRing]:
        if name not in self._streams:
            self._streams[name] = (StreamClock(self.rate), SampleRing(self._history))
        return self._streams[name]

    def play(self, samples: np.ndarray, at: float, *, stream: str = "main") -> None:
        """The loudspeaker plays mono ``samples`` (at the path's rate) from time ``at``."""
        clock, ring = self._stream(stream)
        mono = np.asarray(samples, np.float32).reshape(samples.shape[0], -1).mean(axis=1)
        ring.add(clock.place(mono.shape[0], at, self._origin), mono)

    def cut(self, at: float, *, stream: str = "main") -> None:
        """Nothing more of ``stream`` plays from ``at`` on (a cleared playout buffer)."""
        clock, ring = self._stream(stream)
        start = round((at - self._origin) * self.rate)
        if ring.end > start:
            ring.write(start, np.zeros(ring.end - start, np.float32))
        clock.next_position = None

    def talk(self, speech: np.ndarray, *, from_sample: int) -> None:
        """Caller speech, added from microphone sample ``from_sample`` on."""
        self._talk = np.asarray(speech, np.float64)
        self._talk_from = from_sample

    def hear(self, frames: int, *, start: float) -> np.ndarray:
        """The microphone's next ``frames`` samples; its first sample ever was at ``start``."""
        if self._mic_start is None:
            self._mic_start = round((start - self._origin) * self.rate)
        at = self._mic_start + self.heard - self._delay
        played = np.zeros(frames)
        for _, ring in self._streams.values():
            played += ring.read(at, frames)
        echo, self._state = lfilter(self._rir, [1.0], played, zi=self._state)
        speech = np.zeros(frames)
        lo = max(self._talk_from - self.heard, 0)
        offset = self.heard + lo - self._talk_from
        said = max(0, min(frames - lo, self._talk.shape[0] - offset))
        speech[lo : lo + said] = self._talk[offset : offset + said]
        self.heard += frames
        noise = self._rng.standard_normal(frames) * 10 ** (MIC_NOISE_DBFS / 20)
        return echo + speech + noise
