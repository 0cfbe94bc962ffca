"""Clip: progressive filling from a writer thread, waiting, and the crossfaded loop body."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from roomtone.errors import DecodeError
from roomtone.format import AudioFormat
from roomtone.sources.clip import Clip
from signals import max_jump

from .helpers import sine

MONO = AudioFormat(48000, 1)
STEREO = AudioFormat(48000, 2)


def ramp(start: int, n: int, channels: int = 1) -> np.ndarray:
    """Frames whose value is their own index, so any misplaced frame shows."""
    values = np.arange(start, start + n, dtype=np.float32)
    return np.repeat(values[:, None], channels, axis=1)


def test_from_array_is_complete() -> None:
    data = sine(440, 0.5, 48000, channels=2)
    clip = Clip.from_array(STEREO, "tone", data)
    assert clip.complete
    assert clip.error is None
    assert clip.available == len(data)
    assert clip.duration == pytest.approx(0.5)
    np.testing.assert_array_equal(clip.frames(), data)
    assert clip.nbytes == data.nbytes  # spare capacity trimmed


def test_append_grows_past_the_initial_capacity() -> None:
    clip = Clip(MONO, "growing", capacity=10)
    for start in range(0, 50_000, 777):
        clip.append(ramp(start, 777))
        assert clip.available == start + 777
        np.testing.assert_array_equal(clip.frames(), ramp(0, start + 777))
    clip.append(ramp(0, 0))  # empty chunks are ignored
    clip.finish()
    assert clip.frames().shape == (clip.available, 1)
    assert clip.nbytes == clip.available * 4


def test_a_reader_only_ever_sees_written_frames() -> None:
    """A reader racing the writer sees a growing prefix of exactly the frames appended."""
    clip = Clip(STEREO, "race", capacity=1)
    total = 200_000
    errors: list[str] = []

    def read() -> None:
        while True:
            complete = clip.complete
            n = clip.available
            view = clip.frames()
            if len(view) < n:
                errors.append(f"frames() returned {len(view)} < available {n}")
                return
            if n and not (view[n - 1, 0] == n - 1 and view[0, 1] == 0):
                errors.append(f"frame {n - 1} holds {view[n - 1]}")
                return
            if complete:
                return

    reader = threading.Thread(target=read)
    reader.start()
    for start in range(0, total, 1000):
        clip.append(ramp(start, 1000, 2))
    clip.finish()
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert errors == []
    np.testing.assert_array_equal(clip.frames(), ramp(0, total, 2))


def test_wait_returns_at_once_when_enough_is_there() -> None:
    clip = Clip(MONO, "w")
    clip.append(ramp(0, 100))
    assert clip.wait(100, timeout=0)
    assert not clip.wait(101, timeout=0.01)  # neither enough frames nor complete


def test_wait_wakes_when_frames_arrive_from_another_thread() -> None:
    clip = Clip(MONO, "w")
    go = threading.Event()

    def write() -> None:
        go.wait()
        for start in range(0, 10_000, 100):
            clip.append(ramp(start, 100))
        clip.finish()

    writer = threading.Thread(target=write)
    writer.start()
    go.set()
    assert clip.wait(5000, timeout=30)
    assert clip.available >= 5000
    assert clip.wait(10**9, timeout=30)  # more than will ever come: returns on completion
    assert clip.complete
    writer.join()


def test_a_failed_clip_is_complete_with_its_error() -> None:
    clip = Clip(MONO, "bad.mp3")
    clip.append(ramp(0, 10))
    error = DecodeError("cannot decode 'bad.mp3': corrupt", source="bad.mp3")
    clip.finish(error)
    assert clip.complete
    assert clip.error is error
    assert clip.wait(10**9, timeout=0)


# -- loop body -----------------------------------------------------------------------------------


def _seam_stats(data: np.ndarray, overlap: int) -> tuple[float, float, float]:
    """(jump intro->body, jump body end->body start, largest neighbour step inside the body)."""
    clip = Clip.from_array(AudioFormat(48000, data.shape[1]), "loop", data)
    body = clip.loop_body(overlap)
    assert len(body) == len(data) - overlap
    into_body = float(np.max(np.abs(body[0] - data[overlap - 1])))
    seam = float(np.max(np.abs(body[0] - body[-1])))
    return into_body, seam, max_jump(body)


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize(
    ("freq", "seconds", "overlap"),
    [
        (441.3, 1.2345, 240),  # a period of 108.77 frames: the clip ends mid-cycle
        (97.1, 0.777, 2400),  # 50 ms crossfade, a low tone
        (1000.7, 0.8123, 12000),  # 250 ms crossfade (the default for user files)
    ],
)
def test_loop_seam_is_continuous(freq: float, seconds: float, overlap: int, channels: int) -> None:
    data = sine(freq, seconds, 48000, amp=0.5, channels=channels)
    naive_seam = float(np.max(np.abs(data[0] - data[-1])))
    step = 2 * np.pi * freq * 0.5 / 48000  # the sine's largest step between neighbours
    assert naive_seam > 5 * step  # jumping from the end back to the start would click

    into_body, seam, largest = _seam_stats(data, overlap)
    assert into_body <= step * 1.01
    assert seam <= step * 1.01  # no larger than the neighbouring steps of the sine itself
    assert largest <= step * 1.5  # and the crossfade adds no click inside the body


def test_loop_body_is_computed_once_and_shared() -> None:
    clip = Clip.from_array(MONO, "loop", sine(300.3, 0.5, 48000))
    body = clip.loop_body(480)
    assert clip.loop_body(480) is body
    assert clip.nbytes >= body.nbytes + clip.frames().nbytes  # kept with the clip


def test_loop_body_overlap_is_clamped_to_half_the_clip() -> None:
    data = sine(300.3, 0.01, 48000)  # 480 frames
    clip = Clip.from_array(MONO, "short", data)
    body = clip.loop_body(10_000)
    assert len(body) == len(data) - len(data) // 2
    assert clip.loop_body(20_000) is body  # any larger overlap is the same clamped body
    assert clip.loop_body(240) is body


@pytest.mark.parametrize("frames", [0, 1])
def test_loop_body_of_tiny_clips(frames: int) -> None:
    data = sine(300.3, frames / 48000, 48000)
    clip = Clip.from_array(MONO, "tiny", data)
    body = clip.loop_body(240)
    np.testing.assert_array_equal(body, data)  # nothing to overlap with: loops as it is


def test_loop_body_of_a_clip_still_decoding_is_not_kept() -> None:
    """A body made from half a clip would put the seam in the middle for every later voice."""
    full = sine(300.3, 0.5, 48000)
    clip = Clip(MONO, "decoding")
    clip.append(full[:10_000])
    early = clip.loop_body(480)
    assert len(early) == 10_000 - 480
    clip.append(full[10_000:])
    clip.finish()
    late = clip.loop_body(480)
    assert len(late) == len(full) - 480
    assert clip.loop_body(480) is late
