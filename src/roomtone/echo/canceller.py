"""The echo canceller: remove what roomtone sent from what the caller's microphone heard.

Feed it two streams on one clock:

- :meth:`EchoCanceller.push_reference`: every chunk roomtone sent (the bed, cues and, where
  roomtone sees it, the agent's own voice), with the time it left for the caller;
- :meth:`EchoCanceller.process`: every chunk of the caller's audio, with the time it arrived.
  It returns the same number of samples with the echo removed, for the agent's VAD and STT.

Inside, per 10 ms of capture: the :class:`~roomtone.echo.delay.DelayEstimator` finds how far
the echo lags the reference (20-500 ms on real calls); a delay line hands the reference from
that long ago, less a small headroom, to two cancellers side by side:

- AEC3 (its own filter covers the room's reverberation and a few tens of milliseconds of
  drift, and its suppressor takes the echo 25-45 dB down) gives what the agent hears while
  only roomtone's audio plays;
- a linear Kalman filter (:mod:`~roomtone.echo.linear`), which double talk does not derail,
  gives it while the caller talks over the echo: AEC3's suppressor would clamp them (by 7 dB
  and half their speech over an echo of the agent's voice at their level), the linear
  filter passes them whole with the echo 10-30 dB down beneath them. The
  :class:`~roomtone.echo.doubletalk.NearEndDetector` tells which, per frame, and the switch
  is faded over one frame.

Chunks of any size are regrouped into 10 ms frames; when sizes are multiples of 10 ms and the
rate is one the canceller works at (8, 16, 24, 32 or 48 kHz: multiples of the delay search's
4 kHz), nothing is delayed. Other rates are resampled to the next such rate and back, and
other sizes add one constant delay of under 20 ms at the start (``latency_frames``).

Both methods take a lock, so the reference may come from the output's thread and the capture
from the input's. A call costs a few 10 ms AEC3 steps (well under a millisecond each), cheap
enough for the event loop; when the delay is found or moves, the restart replays up to 1 s
of what was heard through both (measured: 12 ms of CPU at 16 kHz, 18 ms at 48 kHz, once).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from roomtone.echo.aec3 import Aec3, to_int16
from roomtone.echo.convert import StreamResampler, mono
from roomtone.echo.delay import DelayEstimate, DelayEstimator
from roomtone.echo.doubletalk import NearEndDetector
from roomtone.echo.linear import LinearEchoFilter
from roomtone.echo.ring import SampleRing
from roomtone.echo.timeline import StreamClock

__all__ = ["DEFAULT_MAX_DELAY", "EchoCanceller", "processing_rate"]

DEFAULT_MAX_DELAY = 0.6
_NATIVE_RATES = (8000, 16000, 24000, 32000, 48000)
_HEADROOM_S = 0.005  # the delay line stops this short of the estimate; AEC3 finds the rest
_HEADROOM_MS = round(_HEADROOM_S * 1000)  # AEC3's hint: what the delay line leaves to it
_REPLAY_S = 1.0  # capture replayed into a fresh AEC3 (about 1 ms of CPU per 100 ms replayed)
_LINEAR_S = 0.1  # the echo path the linear filter models beyond the delay line
_PATH_GAIN_SHARE = 0.3  # a fresh linear filter starts this unsure of the echo's measured gain
_CAPTURE_RESYNC_S = 0.5
_SOONER_SLACK_S = 0.002  # an echo this much sooner than the line moves it (AEC3's headroom)
_LATER_SLACK_S = 0.03  # an echo later than the line moves it only past this

FloatArray = npt.NDArray[np.float32]


@dataclass
class _Feed:
    """One reference stream: its resampler to the processing rate and its timeline clock."""

    resampler: StreamResampler
    clock: StreamClock


def processing_rate(rate: int) -> int:
    """The rate the canceller works at for audio at ``rate``: itself, or the next native one."""
    if rate in _NATIVE_RATES:
        return rate
    for native in (16000, 32000, 48000):
        if native >= rate:
            return native
    raise ValueError(f"sample_rate must be at most 48000 Hz for echo cancellation, got {rate}")


def _as_float_frames(samples: npt.NDArray[Any], channels: int, what: str) -> FloatArray:
    array = np.asarray(samples)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] != channels:
        raise ValueError(
            f"{what} must be shaped (frames, {channels}) or (frames,) for mono, "
            f"got {np.asarray(samples).shape}"
        )
    if array.dtype == np.int16:
        scaled: FloatArray = array.astype(np.float32) / np.float32(32768.0)
        return scaled
    if array.dtype.kind == "f":
        floats: FloatArray = np.ascontiguousarray(array, dtype=np.float32)
        return floats
    raise ValueError(f"{what} must be int16 PCM or float samples, got dtype {array.dtype}")


class EchoCanceller:
    """Cancel roomtone's own audio from the caller's, with the delay found automatically.

    ``sample_rate`` and ``num_channels`` describe the caller's audio (any rate up to 48 kHz, any
    channel count); ``reference_rate`` is the rate of what roomtone sends (default: the same).
    ``max_delay`` is the longest echo delay searched for, in seconds.
    """

    def __init__(
        self,
        *,
        sample_rate: int,
        num_channels: int = 1,
        reference_rate: int | None = None,
        max_delay: float = DEFAULT_MAX_DELAY,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if num_channels < 1:
            raise ValueError(f"num_channels must be at least 1, got {num_channels}")
        self.sample_rate = sample_rate
        self.num_channels = num_channels
        self.reference_rate = reference_rate or sample_rate
        rate = processing_rate(sample_rate)
        self._rate = rate
        self._frame = rate // 100
        self._aec = self._new_aec3()
        self._linear = self._new_linear()
        self._near_end = NearEndDetector()
        self._talking = False
        self._estimator = DelayEstimator(rate, max_delay_s=max_delay)
        history = int(rate * (max_delay + 1.5))
        self._reference = SampleRing(history)
        self._capture_ring = SampleRing(history)
        # The caller's audio is continuous; its arrival times jitter with the event loop
        # (stalls of 100 ms and more on a busy machine), so only a long gap moves it.
        self._capture_clock = StreamClock(rate, resync_s=_CAPTURE_RESYNC_S)
        self._feeds: dict[str, _Feed] = {}
        self._capture_in = StreamResampler(sample_rate, rate, num_channels)
        self._capture_out = StreamResampler(rate, sample_rate, num_channels)
        self._origin: float | None = None
        self._pending = np.zeros((0, num_channels), np.float32)
        self._pending_position = 0
        self._ready = np.zeros((0, num_channels), np.float32)
        self._line: int | None = None  # the delay line in samples; None until an echo is found
        self._lock = threading.Lock()
        self.frames_processed = 0
        self.latency_frames = 0
        """Samples of delay added to the caller's audio (0 for whole 10 ms chunks at 8, 16,
        24, 32 or 48 kHz)."""
        self._first_capture: int | None = None

    def _new_aec3(self) -> Aec3:
        return Aec3(
            capture_rate=self._rate, capture_channels=self.num_channels, render_rate=self._rate
        )

    def _new_linear(self, path_gain: float = 1.0) -> list[LinearEchoFilter]:
        partitions = round(_LINEAR_S * 100)
        return [
            LinearEchoFilter(self._frame, partitions, path_gain=path_gain)
            for _ in range(self.num_channels)
        ]

    def _echo_gain(self, position: int) -> float:
        """The capture's power over the aligned reference's over the last second: roughly
        the echo path's gain (the caller's voice and noise count too, so it errs high)."""
        span = min(self._rate, position)
        line = self._line or 0
        heard = self._capture_ring.read(position - span, span)
        sent = self._reference.read(position - span - line, span)
        sent_power = float(np.mean(sent.astype(np.float64) ** 2))
        if sent_power <= 0.0:
            return 1.0
        gain = float(np.mean(heard.astype(np.float64) ** 2)) / sent_power
        return min(max(_PATH_GAIN_SHARE * gain, 1e-4), 4.0)

    def _linear_cancel(self, render: FloatArray, block: FloatArray) -> FloatArray:
        if self.num_channels == 1:
            mono_out: FloatArray = self._linear[0].process(render, block[:, 0])[:, None]
            return mono_out
        columns = [f.process(render, block[:, i]) for i, f in enumerate(self._linear)]
        stacked: FloatArray = np.stack(columns, axis=1)
        return stacked

    @property
    def delay(self) -> float | None:
        """The echo delay found so far, in seconds; None until one stood out clearly."""
        estimate = self._estimator.estimate
        return None if estimate is None else estimate.delay_s

    @property
    def delay_estimate(self) -> DelayEstimate | None:
        return self._estimator.estimate

    def _origin_for(self, at: float | None) -> float:
        if self._origin is None and at is not None:
            self._origin = at
        return 0.0 if self._origin is None else self._origin

    def push_reference(
        self,
        samples: npt.NDArray[Any],
        *,
        at: float | None = None,
        sample_rate: int | None = None,
        stream: str = "main",
    ) -> None:
        """Record a chunk roomtone sent: (frames, channels) or (frames,), int16 or float.

        ``at`` is when its first sample reached the caller's side, on the clock ``process``
        uses; without it chunks are taken as back to back from the start of the timeline.
        ``sample_rate`` defaults to ``reference_rate``. Several ``stream`` names (the bed's
        track and the agent's voice, say) are each placed by their own times and summed: the
        caller's loudspeaker plays them together.
        """
        array = np.asarray(samples)
        channels = 1 if array.ndim == 1 else int(array.shape[1])
        floats = mono(_as_float_frames(array, channels, "reference audio"))
        rate = sample_rate or self.reference_rate
        if rate <= 0:
            raise ValueError(f"reference sample_rate must be positive, got {rate}")
        with self._lock:
            feed = self._feeds.get(stream)
            if feed is None or feed.resampler.in_rate != rate:
                feed = self._feeds[stream] = _Feed(
                    StreamResampler(rate, self._rate, 1), StreamClock(self._rate)
                )
            resampled = feed.resampler(floats)
            if resampled.shape[0] == 0:
                return
            position = feed.clock.place(resampled.shape[0], at, self._origin_for(at))
            self._reference.add(position, resampled)

    def process(self, samples: npt.NDArray[Any], *, at: float | None = None) -> npt.NDArray[Any]:
        """The caller's chunk with roomtone's echo removed: same shape, dtype and length."""
        floats = _as_float_frames(samples, self.num_channels, "caller audio")
        with self._lock:
            resampled = self._capture_in(floats)
            if resampled.shape[0]:
                position = self._capture_clock.place(resampled.shape[0], at, self._origin_for(at))
                expected = self._pending_position + self._pending.shape[0]
                self._pending_position += position - expected
                self._pending = np.concatenate([self._pending, resampled])
            self._run_frames()
            cleaned = self._take(floats.shape[0])
        return _like(cleaned, np.asarray(samples))

    def _run_frames(self) -> None:
        frame = self._frame
        done: list[FloatArray] = []
        while self._pending.shape[0] >= frame:
            block, self._pending = self._pending[:frame], self._pending[frame:]
            position = self._pending_position
            self._pending_position += frame
            done.append(self._cancel(block, position))
        if done:
            out = self._capture_out(np.concatenate(done))
            self._ready = np.concatenate([self._ready, out])

    def _cancel(self, block: FloatArray, position: int) -> FloatArray:
        if self._first_capture is None:
            self._first_capture = position
        self._capture_ring.write(position, mono(block))
        estimate = self._estimator.maybe_update(self._capture_ring, self._reference)
        if estimate is not None:
            target = max(0, round((estimate.delay_s - _HEADROOM_S) * self._rate))
            line = self._line
            # Sooner than the line, the echo cannot be cancelled at all: follow any such move.
            # Later, AEC3's own filter reaches tens of milliseconds: follow only larger moves.
            sooner = target < (line or 0) - _SOONER_SLACK_S * self._rate
            if line is None or sooner or target > line + _LATER_SLACK_S * self._rate:
                self._line = target
                self._restart(position)
        if self._line is None:
            # No echo found yet (none may exist: a headset). AEC3 is not fed, because from its
            # initial state it assumes a loud echo and would suppress the caller for seconds.
            self.frames_processed += 1
            return block
        render = self._reference.read(position - self._line, self._frame)
        linear = self._linear_cancel(render, block)
        self._aec.analyze_render(to_int16(render))
        cleaned = self._aec.process_capture(to_int16(block), _HEADROOM_MS)
        self.frames_processed += 1
        suppressed: FloatArray = cleaned.astype(np.float32) / np.float32(32768.0)
        talking = self._near_end.update(_energy(block), _energy(linear), _energy(suppressed))
        if self._near_end.lost:
            self._near_end.lost = False
            self._estimator.hurry(position)
        was, self._talking = self._talking, talking
        if talking == was:
            return linear if talking else suppressed
        # Change sides over the frame, so the switch makes no click.
        ramp = np.linspace(0.0, 1.0, self._frame, dtype=np.float32)[:, None]
        new, old = (linear, suppressed) if talking else (suppressed, linear)
        faded: FloatArray = old + ramp * (new - old)
        return faded

    def _restart(self, position: int) -> None:
        """Fresh cancellers for a new delay line, trained on the echo heard while finding it.

        Filters adapted to the old alignment would mislead them for seconds, so they start
        afresh; replaying up to :data:`_REPLAY_S` of the capture already heard (mono, copied to
        every channel) through the new alignment gives them that much head start.
        """
        self._aec = self._new_aec3()
        self._linear = self._new_linear(self._echo_gain(position))
        line = 0 if self._line is None else self._line
        frame = self._frame
        # From where the aligned reference begins: frames with nothing to cancel teach nothing.
        first = position if self._first_capture is None else self._first_capture + line
        if self._estimator.since is not None:  # nothing from before the path moved
            first = max(first, self._estimator.since)
        oldest = max(self._capture_ring.end - self._capture_ring.size, first)
        start = max(position - round(_REPLAY_S * self._rate), oldest)
        start = position - (position - start) // frame * frame
        for at in range(start, position, frame):
            render = self._reference.read(at - line, frame)
            heard = np.repeat(self._capture_ring.read(at, frame)[:, None], self.num_channels, 1)
            self._linear_cancel(render, heard)
            self._aec.analyze_render(to_int16(render))
            self._aec.process_capture(to_int16(heard), _HEADROOM_MS)

    def _take(self, frames: int) -> FloatArray:
        short = frames - self._ready.shape[0]
        if short > 0:
            # Chunks that are not whole 10 ms frames (or a resampler still filling) leave the
            # output short once: pad with a frame to spare, a constant delay from then on.
            slack = self.sample_rate // 100
            pad = np.zeros((short + slack, self.num_channels), np.float32)
            self._ready = np.concatenate([pad, self._ready])
            self.latency_frames += short + slack
        out: FloatArray = self._ready[:frames]
        self._ready = self._ready[frames:]
        return out


def _energy(frames: FloatArray) -> float:
    """Sum of squares of the first channel (the near-end detector listens to it alone)."""
    first = np.ascontiguousarray(frames[:, 0])
    return float(np.dot(first, first))


def _like(cleaned: FloatArray, original: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``cleaned`` in the caller's dtype and shape."""
    shaped = cleaned.reshape(original.shape)
    if original.dtype == np.int16:
        return to_int16(shaped)
    return shaped.astype(original.dtype, copy=False)
