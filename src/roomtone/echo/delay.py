"""Find and track the echo delay: how far the caller's audio lags what roomtone sent.

The delay between sending a frame and hearing its echo in the caller's audio is the transport
queue, the network both ways and the caller's device: 20 to 500 ms, drifting as jitter
buffers grow and shrink. AEC3 searches only a short window itself, so we find the coarse
delay here and align the reference with a delay line before AEC3 sees it.

The estimator is GCC-PHAT on both signals averaged down to 4 kHz (the mean of each group of
samples: cheap, and the direct path's correlation peak stays sharp to ±0.25 ms): every 0.2 s
it takes the last second of capture and the reference up to ``max_delay`` earlier,
adds their cross-spectrum to a running average (so evidence builds over seconds and a
change of delay is followed within one or two), whitens it and picks the peak. A peak counts
only if it stands well above the rest of the correlation, while the reference is playing.
The first one is taken at once (the canceller can start), and so is an echo that comes up to
0.1 s sooner than before (none of it is being cancelled then); a later delay must show in two
looks in a row and beat the held delay's own correlation by half as much again (music repeats
itself a beat apart). Silence, a caller with
a headset (no echo) or loud double talk leave the last estimate in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from roomtone.echo.ring import SampleRing

__all__ = ["ANALYSIS_RATE", "DelayEstimate", "DelayEstimator"]

ANALYSIS_RATE = 4000
WINDOW_S = 1.0
UPDATE_S = 0.2
_SMOOTHING = 0.35  # weight of the newest cross-spectrum in the running average
_MIN_PEAK_RATIO = 12.0  # peak over the correlation's RMS below which a peak is not trusted
_SWITCH_MARGIN = 1.5  # a new delay must beat the current one's correlation by this factor
_CONFIRMATIONS = 2  # consecutive looks that must agree before the delay moves later
_HELD_FADED = 0.5  # the held delay's peak ratio must fall under this share before moving later
_SOONER_S = 0.1  # a peak up to this much sooner than the held delay is taken at once
_SILENCE = 1e-7  # mean square below which a window carries no evidence (-70 dBFS)

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DelayEstimate:
    """A delay and how much it stood out: ``peak_ratio`` is the peak over the RMS."""

    delay_s: float
    peak_ratio: float


def _decimate(samples: FloatArray, factor: int) -> FloatArray:
    usable = samples.shape[0] - samples.shape[0] % factor
    out: FloatArray = samples[:usable].reshape(-1, factor).mean(axis=1, dtype=np.float32)
    return out


class DelayEstimator:
    """GCC-PHAT between the capture and reference rings, both at the processing ``rate``.

    Call :meth:`maybe_update` after each block of capture with the ring positions; it analyses
    every 0.2 s of capture and returns a new :class:`DelayEstimate` when one stands out.
    ``max_delay_s`` bounds the search (0.6 s covers the 20-500 ms of real calls with room).
    """

    def __init__(self, rate: int, *, max_delay_s: float = 0.6) -> None:
        if rate % ANALYSIS_RATE:
            raise ValueError(f"the delay estimator needs a multiple of 4000 Hz, got {rate}")
        if not 0.02 <= max_delay_s <= 2.0:
            raise ValueError(f"max_delay_s must be between 0.02 and 2 seconds, got {max_delay_s}")
        self._factor = rate // ANALYSIS_RATE
        self.window = int(WINDOW_S * rate)
        self.max_lag = int(max_delay_s * rate)
        self._update = int(UPDATE_S * rate)
        span = (self.window + self.max_lag) // self._factor
        self._fft_size = 1 << int(np.ceil(np.log2(2 * span)))
        self._cross: npt.NDArray[np.complex128] | None = None
        self._next_update: int | None = None
        self.estimate: DelayEstimate | None = None
        self._candidate: int | None = None
        self._agreed = 0
        self._adopted_ratio = 0.0  # how the held delay stood out when it was taken
        self.since: int | None = None
        """Where the echo path last moved (see :meth:`hurry`): evidence starts there."""

    def hurry(self, position: int) -> None:
        """The echo path moved at capture ``position`` (the canceller's filter lost it).

        What was heard before says nothing about the new delay and would outvote it for a
        second: the running average is dropped, capture before ``position`` is left out of
        the looks, the next look comes as soon as 0.2 s of new echo is in, and a later delay
        needs neither the old one to fade nor a second look.
        """
        self._cross = None
        self._candidate, self._agreed = None, 0
        self.since = position
        self._next_update = position + self._update

    def maybe_update(self, capture: SampleRing, reference: SampleRing) -> DelayEstimate | None:
        """Analyse if 0.2 s of capture came since the last time; a new trusted estimate or None."""
        end = capture.end
        if self._next_update is None:  # the first look comes early; silence fills the window
            self._next_update = end + self._update
        if end < self._next_update:
            return None
        # Until the echo is found, look twice as often: the delay line waits for it.
        self._next_update = end + (self._update if self.estimate else self._update // 2)
        heard = capture.read(end - self.window, self.window)
        since = self.since
        hurried = since is not None and end - since < self.window
        if since is not None and hurried:
            heard[: since - (end - self.window)] = 0.0  # from before the path moved
        else:
            self.since = None
        near = _decimate(heard, self._factor)
        far = _decimate(
            reference.read(end - self.window - self.max_lag, self.window + self.max_lag),
            self._factor,
        )
        if float(np.mean(far**2)) < _SILENCE or float(np.mean(near**2)) < _SILENCE:
            return None
        n = self._fft_size
        spectrum = np.conj(np.fft.rfft(near, n)) * np.fft.rfft(far, n)
        if self._cross is None:
            self._cross = spectrum
        else:
            self._cross = (1.0 - _SMOOTHING) * self._cross + _SMOOTHING * spectrum
        whitened = self._cross / np.maximum(np.abs(self._cross), 1e-20)
        lags = self.max_lag // self._factor
        # correlation[k] pairs capture sample i with reference sample i + k: a delay of
        # lags - k. Reversed, the index is the delay in 4 kHz samples.
        by_delay = np.fft.irfft(whitened, n)[: lags + 1][::-1]
        peak = int(np.argmax(by_delay))
        rms = float(np.sqrt(np.mean(by_delay**2)))
        ratio = float(by_delay[peak]) / rms if rms > 0 else 0.0
        if ratio < _MIN_PEAK_RATIO:
            return None
        current = self.estimate
        sooner = False
        if current is not None:
            held = round(current.delay_s * ANALYSIS_RATE)
            # The echo now comes sooner than the delay held: none of it is being cancelled
            # (AEC3 cannot look ahead), and a beat of music is never this short: move at once.
            sooner = 4 < held - peak <= _SOONER_S * ANALYSIS_RATE
            margin = 1.0 if sooner else _SWITCH_MARGIN
            # Music repeats itself: a peak a beat away must clearly beat the one we hold, and a
            # later one is taken only once the held echo itself has faded (a real path change
            # leaves nothing at the old delay; a repeating bed keeps both peaks).
            held_ratio = float(by_delay[held]) / rms
            still_there = (
                not sooner and not hurried and held_ratio >= _HELD_FADED * self._adopted_ratio
            )
            if abs(peak - held) <= 4 or by_delay[peak] < margin * by_delay[held] or still_there:
                self._candidate, self._agreed = None, 0
                self.estimate = DelayEstimate(current.delay_s, float(by_delay[held]) / rms)
                return self.estimate
        if self._candidate is not None and abs(peak - self._candidate) <= 4:
            self._agreed += 1
        else:
            self._candidate, self._agreed = peak, 1
        if current is not None and not (sooner or hurried) and self._agreed < _CONFIRMATIONS:
            return None
        self._candidate, self._agreed = None, 0
        self.estimate = DelayEstimate(delay_s=peak / ANALYSIS_RATE, peak_ratio=ratio)
        self._adopted_ratio = ratio
        return self.estimate
