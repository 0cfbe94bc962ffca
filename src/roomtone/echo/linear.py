"""A linear echo canceller whose steps shrink while the caller talks (a Kalman filter).

The echo path (after the delay line) is modelled as ``partitions`` blocks of an overlap-save
partitioned filter, each frequency bin of each block with its own uncertainty: how far its
weight may still be from the true echo path. Each block the weights move towards what the
error says, by the share that uncertainty holds of everything that could explain the error
(the filter's own uncertainty through the reference, plus the error's recent power, which
holds the caller's voice and the noise). So:

- a fresh filter is uncertain everywhere and learns fast, and the uncertainty shrinks as it
  learns (the echo path is taken to drift slowly, so it never reaches zero);
- when the caller talks, the error's power rises with their voice and the steps shrink with
  it: double talk does not pull the filter off the echo path, and no detector is needed.

The output is the capture less the echo estimate: the caller's voice passes whole, with a
residual echo of 15-35 dB below the echo (less on a periodic voice in its first seconds).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["LinearEchoFilter"]

FloatArray = npt.NDArray[np.float32]
Float64Array = npt.NDArray[np.float64]
ComplexArray = npt.NDArray[np.complex128]

_DRIFT_EVERY = 4  # blocks between applications of the drift
_DRIFT = 1.0 - 0.9999 ** (2 * _DRIFT_EVERY)  # share of a weight's power the path drifts by
_ERROR_SMOOTHING = 0.5  # weight of the newest block in the error's smoothed power
_OVERLAP = 0.5  # the error block is half the transform: its share of the estimate's power
_SETTLE = 0.1  # how much of a step's information the uncertainty keeps (below 1: cautious)


class LinearEchoFilter:
    """Subtract the reference's echo from the capture, ``block`` samples at a time.

    ``path_gain`` is the echo's power over the reference's, roughly (1 for an echo as loud
    as what was sent): how unsure of its weights a fresh filter should be.
    """

    def __init__(self, block: int, partitions: int, *, path_gain: float = 1.0) -> None:
        self.block = block
        self.partitions = partitions
        bins = block + 1
        # The reference's block spectra and their powers, newest first, stored twice over so
        # that rows [newest, newest + partitions) are always the latest blocks, in order,
        # as a view (no copy per block).
        self._spectra: ComplexArray = np.zeros((2 * partitions, bins), np.complex128)
        self._conjugates: ComplexArray = np.zeros((2 * partitions, bins), np.complex128)
        self._powers: Float64Array = np.zeros((2 * partitions, bins), np.float64)
        self._newest = 0
        self._constrain_next = 0
        self._since_drift = 0
        self._weights: ComplexArray = np.zeros((partitions, bins), np.complex128)
        # Start as unsure of each weight as the whole echo path is loud (power over power).
        self._uncertainty: Float64Array = np.full((partitions, bins), path_gain, np.float64)
        self._error_power: Float64Array = np.zeros(bins, np.float64)
        self._window = np.zeros(2 * block, np.float64)  # the previous block, then the newest
        self._padded = np.zeros(2 * block, np.float64)  # zeros, then the newest error

    def process(self, reference: FloatArray, capture: FloatArray) -> FloatArray:
        """One block of aligned reference and of capture; the capture less its echo."""
        block = self.block
        partitions = self.partitions
        window = self._window
        window[:block] = window[block:]
        window[block:] = reference
        newest = self._newest = (self._newest - 1) % partitions
        spectrum = np.fft.rfft(window)
        power = spectrum.real**2 + spectrum.imag**2
        self._spectra[newest] = self._spectra[newest + partitions] = spectrum
        conjugate = spectrum.conj()
        self._conjugates[newest] = self._conjugates[newest + partitions] = conjugate
        self._powers[newest] = self._powers[newest + partitions] = power
        # Row k of the weights multiplies the block k blocks old.
        spectra = self._spectra[newest : newest + partitions]
        powers = self._powers[newest : newest + partitions]
        echo = np.fft.irfft(np.einsum("kb,kb->b", self._weights, spectra))[block:]
        error = np.asarray(capture, np.float64) - echo
        self._update(self._conjugates[newest : newest + partitions], powers, error)
        out: FloatArray = error.astype(np.float32)
        return out

    def _update(self, conjugates: ComplexArray, powers: Float64Array, error: Float64Array) -> None:
        self._padded[self.block :] = error
        e_spec = np.fft.rfft(self._padded)
        a = _ERROR_SMOOTHING
        self._error_power *= 1 - a
        self._error_power += a * (e_spec.real**2 + e_spec.imag**2)
        weights = self._weights
        uncertainty = self._uncertainty
        self._since_drift += 1
        if self._since_drift == _DRIFT_EVERY:  # the path's slow drift, a few blocks at a time
            self._since_drift = 0
            uncertainty *= 1 - _DRIFT
            uncertainty += _DRIFT * (weights.real**2 + weights.imag**2)
        explained = uncertainty * powers
        total = _OVERLAP * explained.sum(axis=0) + self._error_power + 1e-12
        weights += uncertainty * conjugates * (e_spec / total)
        # One block of the echo path per call is made causal again, in turn: the others'
        # circular leftovers stay small meanwhile, for a tenth of the transforms.
        row = self._constrain_next
        taps = np.fft.irfft(weights[row])
        taps[self.block :] = 0.0
        weights[row] = np.fft.rfft(taps)
        self._constrain_next = (row + 1) % self.partitions
        explained *= _SETTLE / total
        uncertainty *= 1 - explained
