"""Measurements used by the clip tests: seam continuity, repetition, typing onsets."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
from scipy import signal

SR = 48000
Array = npt.NDArray[np.floating]


def mono(x: Array) -> npt.NDArray[np.float64]:
    return np.asarray(x.mean(axis=1) if x.ndim == 2 else x, dtype=np.float64)


def seam_jump_ratio(x: Array, around_s: float = 0.5) -> float:
    """Largest |x[0] - x[-1]| over channels relative to the 99th percentile of |diff| nearby."""
    n = round(around_s * SR)
    joined = np.concatenate([x[-n:], x[:n]]).astype(np.float64)
    diffs = np.abs(np.diff(joined, axis=0))
    seam = diffs[n - 1]
    typical = np.percentile(np.delete(diffs, n - 1, axis=0), 99, axis=0)
    return float(np.max(seam / np.maximum(typical, 1e-12)))


def seam_max_ratio(x: Array, around_s: float = 0.5) -> float:
    """|x[0] - x[-1]| relative to the largest other jump nearby (per channel, worst)."""
    n = round(around_s * SR)
    joined = np.concatenate([x[-n:], x[:n]]).astype(np.float64)
    diffs = np.abs(np.diff(joined, axis=0))
    seam = diffs[n - 1]
    largest = np.max(np.delete(diffs, n - 1, axis=0), axis=0)
    return float(np.max(seam / np.maximum(largest, 1e-12)))


def level_steps_db(x: Array, window_s: float) -> tuple[float, npt.NDArray[np.float64]]:
    """RMS step between adjacent windows at the seam, and the same step at 200 other places."""
    m = mono(x)
    w = round(window_s * SR)

    def step(at: int) -> float:
        before = np.take(m, np.arange(at - w, at), mode="wrap")
        after = np.take(m, np.arange(at, at + w), mode="wrap")
        return float(abs(10 * np.log10((np.mean(after**2) + 1e-20) / (np.mean(before**2) + 1e-20))))

    others = np.array([step(int(p)) for p in np.linspace(w, m.shape[0] - w, 200)])
    return step(0), others


def max_autocorrelation(x: Array, min_lag_s: float = 0.5) -> float:
    """Largest |normalised circular autocorrelation| of the waveform at lags >= min_lag_s."""
    m = mono(x)
    m = m - m.mean()
    spec = np.fft.rfft(m)
    ac = np.fft.irfft(np.abs(spec) ** 2, n=m.shape[0])
    ac /= ac[0]
    lo = round(min_lag_s * SR)
    return float(np.max(np.abs(ac[lo : m.shape[0] - lo])))


def envelope_autocorrelation(x: Array, min_lag_s: float = 0.5, hop_s: float = 0.01) -> float:
    """Same for the log-RMS envelope after removing its 2 s trend: catches rhythmic repeats."""
    m = mono(x)
    hop = round(hop_s * SR)
    env = np.log(
        np.sqrt(np.mean(m[: m.shape[0] // hop * hop].reshape(-1, hop) ** 2, axis=1)) + 1e-9
    )
    k = round(2.0 / hop_s)
    kernel = np.zeros(env.shape[0])
    kernel[:k] = 1.0 / k
    trend = np.roll(np.fft.irfft(np.fft.rfft(env) * np.fft.rfft(kernel), n=env.shape[0]), -k // 2)
    e = env - trend
    e -= e.mean()
    ac = np.fft.irfft(np.abs(np.fft.rfft(e)) ** 2, n=e.shape[0])
    ac /= ac[0]
    lo = round(min_lag_s / hop_s)
    return float(np.max(np.abs(ac[lo : e.shape[0] - lo])))


def band_levels_db(x: Array, edges: tuple[float, ...]) -> npt.NDArray[np.float64]:
    """Power per band (dB) of the mono mix."""
    m = mono(x)
    power = np.abs(np.fft.rfft(m)) ** 2
    f = np.fft.rfftfreq(m.shape[0], 1 / SR)
    return np.array(
        [
            10 * np.log10(power[(f >= lo) & (f < hi)].sum() + 1e-20)
            for lo, hi in itertools.pairwise(edges)
        ]
    )


def band_envelope(x: Array, lo: float, hi: float, hop_s: float = 0.05) -> npt.NDArray[np.float64]:
    """RMS envelope of one band: follows the events of a clip, not its codec noise."""
    sos = signal.butter(4, [lo, hi], "bandpass", fs=SR, output="sos")
    y = signal.sosfilt(sos, mono(x))
    hop = round(hop_s * SR)
    return np.asarray(np.sqrt(np.mean(y[: y.shape[0] // hop * hop].reshape(-1, hop) ** 2, axis=1)))


def lowpassed(x: Array, cutoff: float = 1500.0) -> npt.NDArray[np.float64]:
    """Mono mix below ``cutoff``: the part of the waveform a lossy codec preserves."""
    sos = signal.butter(4, cutoff, "lowpass", fs=SR, output="sos")
    return np.asarray(signal.sosfilt(sos, mono(x)))


def keystroke_onsets(x: Array) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Times and levels (dB) of clicks: peaks of a 2 ms high-passed envelope, >= 25 ms apart."""
    sos = signal.butter(2, 1000.0, "highpass", fs=SR, output="sos")
    y = signal.sosfilt(sos, mono(x))
    hop = round(0.002 * SR)
    env = np.sqrt(np.mean(y[: y.shape[0] // hop * hop].reshape(-1, hop) ** 2, axis=1))
    level = 20 * np.log10(env + 1e-9)
    peaks, _ = signal.find_peaks(level, prominence=12.0, distance=round(0.025 / 0.002))
    return peaks * 0.002, level[peaks]


def press_release_pairs(times: Array, levels: Array) -> int:
    """Clicks followed 40-250 ms later by a click at least 3 dB weaker (press then release)."""
    pairs = 0
    used: set[int] = set()
    for i in range(len(times)):
        if i in used:
            continue
        for j in range(i + 1, len(times)):
            gap = times[j] - times[i]
            if gap > 0.25:
                break
            if gap >= 0.04 and j not in used and levels[i] - levels[j] >= 3.0:
                pairs += 1
                used.update((i, j))
                break
    return pairs


def third_octave_spectrogram(x: Array, frame_s: float = 0.1) -> npt.NDArray[np.float64]:
    """Level (dB) per 1/3-octave band (100 Hz-16 kHz) per frame of the mono mix: what we hear.

    Cells more than 60 dB under the loudest are floored there: codec noise in near-silence
    is not part of the sound.
    """
    m = mono(x)
    hop = round(frame_s * SR)
    count = m.shape[0] // hop
    power = np.abs(np.fft.rfft(m[: count * hop].reshape(count, hop), axis=1)) ** 2
    freqs = np.fft.rfftfreq(hop, 1 / SR)
    centres = 1000.0 * 2.0 ** (np.arange(-10, 13) / 3.0)
    edges = np.sqrt(centres[:-1] * centres[1:])
    bands = np.stack(
        [
            power[:, (freqs >= lo) & (freqs < hi)].sum(axis=1)
            for lo, hi in itertools.pairwise(edges)
        ],
        axis=1,
    )
    level = 10 * np.log10(bands + 1e-20)
    return np.asarray(np.maximum(level, level.max() - 60.0))


def spectrogram_difference_db(a: Array, b: Array) -> float:
    """RMS difference (dB) of two signals' 1/3-octave spectrograms."""
    sa, sb = third_octave_spectrogram(a), third_octave_spectrogram(b)
    return float(np.sqrt(np.mean((sa - sb) ** 2)))


def band_edge_step_db(x: Array, edge_hz: float = 8000.0) -> tuple[float, float]:
    """Level of the bands just under and just over ``edge_hz`` against the spectrum around.

    Time-averaged dB spectrum (so quiet moments count as much as loud ones); a straight line
    is fitted to 7-9 kHz outside +-200 Hz of the edge; returns the mean deviation from it of
    the 200 Hz under and over the edge. A codec band edge shows as a dip, a line or a step.
    """
    f, _, power = signal.spectrogram(mono(x), SR, nperseg=1024, noverlap=512)
    level = np.mean(10 * np.log10(power + 1e-20), axis=1)
    around = (f > edge_hz - 1000) & (f < edge_hz + 1000) & (np.abs(f - edge_hz) > 200)
    fit = np.polyval(np.polyfit(f[around], level[around], 1), f)
    under = (f >= edge_hz - 200) & (f < edge_hz)
    over = (f >= edge_hz) & (f < edge_hz + 200)
    return float(np.mean((level - fit)[under])), float(np.mean((level - fit)[over]))


def envelope_repetition(x: Array, min_lag_s: float = 0.5, hop_s: float = 0.05) -> float:
    """Largest autocorrelation of the raw 50 ms log-envelope beyond its main lobe (and 0.5 s).

    Slow swells (a passing car, a gust) keep the envelope correlated with itself for a while
    after lag 0; that lobe is not repetition. A clip that repeats shows a second peak later.
    """
    m = mono(x)
    hop = round(hop_s * SR)
    env = np.log(
        np.sqrt(np.mean(m[: m.shape[0] // hop * hop].reshape(-1, hop) ** 2, axis=1)) + 1e-9
    )
    env -= env.mean()
    ac = np.fft.irfft(np.abs(np.fft.rfft(env)) ** 2, n=env.shape[0])
    ac /= ac[0]
    half = env.shape[0] // 2
    below = np.nonzero(ac[:half] <= 0.0)[0]
    lo = max(round(min_lag_s / hop_s), int(below[0]) if below.size else half)
    return float(np.max(ac[lo : env.shape[0] - lo])) if lo < env.shape[0] - lo else 0.0
