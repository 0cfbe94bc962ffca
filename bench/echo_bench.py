"""Echo cancellation cost: CPU per session-second with roomtone.echo on, at 8, 16 and 48 kHz.

One canceller fed 20 ms chunks of a reference (noise shaped like speech, -26 dBFS) and of the
caller's microphone (that reference's echo, 120 ms late through a decaying room response,
plus noise), as fast as the CPU allows. Prints process CPU milliseconds per second of call
audio: the whole canceller (delay search, AEC3, the linear Kalman filter beside it, the
near-end detector, rings and conversions), AEC3 alone and the linear filter alone, and the
ERLE reached, so the figures can be compared within one run. The machine's cores are
shared: figures are noisy, run it twice and compare ratios rather than absolute values.

    python bench/echo_bench.py                  # 8, 16 and 48 kHz, 20 s of call each
    python bench/echo_bench.py --seconds 60 --rates 16000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.signal import butter, fftconvolve, lfilter

from roomtone.echo import EchoCanceller
from roomtone.echo.aec3 import Aec3, to_int16
from roomtone.echo.linear import LinearEchoFilter


def call_audio(rate: int, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    n = int(rate * seconds)
    b, a = butter(2, [200 / (rate / 2), 3400 / (rate / 2)], "band")
    syllables = 0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.5 * np.arange(n) / rate))
    sent = lfilter(b, a, rng.standard_normal(n)) * syllables
    sent *= 10 ** (-26 / 20) / np.std(sent)
    t = np.arange(int(0.25 * rate)) / rate
    rir = rng.standard_normal(t.size) * np.exp(-6.9 * t / 0.25) * 0.05
    rir[0] = 1.0
    echo = np.concatenate([np.zeros(int(0.12 * rate)), fftconvolve(sent, rir)[:n]])[:n]
    mic = echo + rng.standard_normal(n) * 10 ** (-70 / 20)
    return sent.astype(np.float32), mic.astype(np.float32)


def canceller_cpu(rate: int, seconds: float) -> tuple[float, float]:
    sent, mic = call_audio(rate, seconds)
    canceller = EchoCanceller(sample_rate=rate)
    chunk = rate // 50
    out = np.empty_like(mic)
    start = time.process_time()
    for i in range(0, mic.shape[0], chunk):
        canceller.push_reference(sent[i : i + chunk])
        out[i : i + chunk] = canceller.process(mic[i : i + chunk])
    cpu = time.process_time() - start
    settled = slice(rate * 2, None)
    echo_db = 10 * np.log10(np.mean(mic[settled].astype(np.float64) ** 2))
    out_db = 10 * np.log10(np.mean(out[settled].astype(np.float64) ** 2) + 1e-20)
    return 1000 * cpu / seconds, echo_db - out_db


def aec3_only_cpu(rate: int, seconds: float) -> float:
    sent, mic = call_audio(rate, seconds)
    aec = Aec3(capture_rate=rate, capture_channels=1, render_rate=rate)
    frame = rate // 100
    render = to_int16(sent)
    capture = to_int16(mic).reshape(-1, 1)
    start = time.process_time()
    for i in range(0, mic.shape[0] - frame + 1, frame):
        aec.analyze_render(render[i : i + frame])
        aec.process_capture(capture[i : i + frame], 0)
    return 1000 * (time.process_time() - start) / seconds


def linear_only_cpu(rate: int, seconds: float) -> float:
    """The linear Kalman filter alone (10 partitions of 10 ms), on the aligned reference."""
    sent, mic = call_audio(rate, seconds)
    frame = rate // 100
    aligned = np.concatenate([np.zeros(int(0.115 * rate), np.float32), sent])[: sent.shape[0]]
    linear = LinearEchoFilter(frame, 10)
    start = time.process_time()
    for i in range(0, mic.shape[0] - frame + 1, frame):
        linear.process(aligned[i : i + frame], mic[i : i + frame])
    return 1000 * (time.process_time() - start) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rates", type=int, nargs="+", default=[8000, 16000, 48000])
    args = parser.parse_args()
    print(f"echo cancellation, {args.seconds:.0f} s of call per rate, 20 ms chunks, mono")
    print(
        f"{'rate':>7} {'canceller ms/s':>15} {'AEC3 alone ms/s':>16} {'linear alone ms/s':>18} "
        f"{'ERLE dB':>8}"
    )
    for rate in args.rates:
        whole, erle = canceller_cpu(rate, args.seconds)
        alone = aec3_only_cpu(rate, args.seconds)
        linear = linear_only_cpu(rate, args.seconds)
        print(f"{rate:>7} {whole:>15.1f} {alone:>16.1f} {linear:>18.1f} {erle:>8.1f}")


if __name__ == "__main__":
    main()
