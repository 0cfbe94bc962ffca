"""Silero VAD as LiveKit Agents and Pipecat run it: the ONNX model shipped by
``livekit-plugins-silero``, driven through that plugin's own inference class (32 ms windows at
8 and 16 kHz, the frameworks' 0.5 activation threshold)."""

from __future__ import annotations

import functools

import numpy as np

ACTIVATION = 0.5


@functools.cache
def _session():
    from livekit.plugins.silero import onnx_model

    return onnx_model.new_inference_session(force_cpu=True)


def speech_probabilities(audio: np.ndarray, rate: int) -> np.ndarray:
    """Silero's speech probability for each consecutive 32 ms window of mono ``audio``."""
    from livekit.plugins.silero import onnx_model

    model = onnx_model.OnnxModel(onnx_session=_session(), sample_rate=rate)
    size = model.window_size_samples
    x = np.asarray(audio, dtype=np.float32)
    return np.array([model(x[i : i + size]) for i in range(0, x.shape[0] - size + 1, size)])


def window_seconds(rate: int) -> float:
    return (256 if rate == 8000 else 512) / rate


def speech_windows(audio: np.ndarray, rate: int) -> np.ndarray:
    """True for each 32 ms window Silero calls speech."""
    return speech_probabilities(audio, rate) >= ACTIVATION


def longest_run_s(flags: np.ndarray, rate: int) -> float:
    """The longest run of consecutive speech windows, in seconds."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best * window_seconds(rate)
