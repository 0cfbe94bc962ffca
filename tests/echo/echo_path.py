"""A simulated echo path: what roomtone sent, played by the caller's loudspeaker, heard again.

loudspeaker -> room -> microphone is modelled as a synthetic room impulse response (a direct
path, a few early reflections and an exponentially decaying diffuse tail: a speakerphone on a
desk in a small office, RT60 0.25 s), a transport + network + device delay, an echo return
loss, and the microphone's own noise floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve

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


class StreamingEchoPath:
    """The same echo path, chunk by chunk, for live pipelines: sent audio in, microphone out.

    ``send`` takes what roomtone (or the transport) sent, as it is sent; ``hear`` returns the
    next ``frames`` samples of the caller's microphone: the echo of what was sent ``delay``
    earlier, plus noise and any caller speech queued with ``talk``. Both sides count samples
    from the same start, so the delay is exact however the loop wakes.
    """

    def __init__(self, rate: int, path: EchoPath, seed: int = 5) -> None:
        self.rate = rate
        self._rir = room_impulse_response(rate) * 10 ** (path.erl_db / 20)
        self._state = np.zeros(self._rir.shape[0] - 1)
        self._sent = np.zeros(round(path.delay_s * rate))  # the delay: silence first
        self._talk = np.zeros(0)
        self._rng = np.random.default_rng(seed)
        self.heard = 0

    def send(self, samples: np.ndarray) -> None:
        from scipy.signal import lfilter

        mono = np.asarray(samples, np.float64)
        if mono.ndim == 2:
            mono = mono.mean(axis=1)
        wet, self._state = lfilter(self._rir, [1.0], mono, zi=self._state)
        self._sent = np.concatenate([self._sent, wet])

    def talk(self, speech: np.ndarray) -> None:
        """Caller speech to add from the next sample heard."""
        self._talk = np.asarray(speech, np.float64)

    def hear(self, frames: int) -> np.ndarray:
        echo = np.zeros(frames)
        got = min(frames, self._sent.shape[0])
        echo[:got] = self._sent[:got]
        self._sent = self._sent[got:]
        speech = np.zeros(frames)
        said = min(frames, self._talk.shape[0])
        speech[:said] = self._talk[:said]
        self._talk = self._talk[said:]
        self.heard += frames
        noise = self._rng.standard_normal(frames) * 10 ** (MIC_NOISE_DBFS / 20)
        return echo + speech + noise
