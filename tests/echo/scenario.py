"""Run a canceller over a simulated call: roomtone's sent audio, its echo, the caller's speech."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from echo_path import EchoPath, echo_of, mic_noise
from voices import BOT, CALLER, babble, hold_music, talker

from roomtone.echo import EchoCanceller
from signals import rms_db

SECONDS = 6.0
CONVERGE_S = 1.0


def sent_audio(source: str, seconds: float, rate: int) -> np.ndarray:
    """What roomtone sends: a babble bed, the built-in hold music, or the bot's own voice."""
    if source == "babble":
        return babble(seconds, rate)
    if source == "hold_music":
        return hold_music(seconds, rate)
    if source == "bot_voice":
        return talker(BOT, seconds, rate)
    raise ValueError(source)


@dataclass
class Call:
    rate: int
    sent: np.ndarray
    echo: np.ndarray
    caller: np.ndarray
    noise: np.ndarray
    mic: np.ndarray
    out: np.ndarray
    canceller: EchoCanceller

    def after(self, x: np.ndarray, seconds: float = CONVERGE_S) -> np.ndarray:
        return x[int(seconds * self.rate) :]

    def erle_db(self) -> float:
        """Echo return loss enhancement after convergence: echo in over what is left of it."""
        return rms_db(self.after(self.echo)) - rms_db(self.after(self.out))


def simulate(
    source: str,
    rate: int,
    path: EchoPath,
    *,
    caller_from: float | None = None,
    seconds: float = SECONDS,
    chunk_s: float = 0.02,
) -> Call:
    """Stream ``seconds`` of a call through a fresh canceller in ``chunk_s`` chunks."""
    sent = sent_audio(source, seconds, rate)
    echo = echo_of(sent, rate, path)
    noise = mic_noise(sent.shape[0], rate)
    caller = np.zeros_like(sent)
    if caller_from is not None:
        caller = talker(CALLER, seconds, rate).copy()
        caller[: int(caller_from * rate)] = 0.0
    mic = echo + noise + caller
    canceller = EchoCanceller(sample_rate=rate)
    chunk = int(chunk_s * rate)
    out = []
    for i in range(0, sent.shape[0], chunk):
        canceller.push_reference(sent[i : i + chunk].astype(np.float32))
        out.append(canceller.process(mic[i : i + chunk].astype(np.float32)))
    return Call(rate, sent, echo, caller, noise, mic, np.concatenate(out), canceller)
