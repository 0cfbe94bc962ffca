"""The process-wide clip cache: one decode per file and format, bounded in bytes."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from roomtone import default_cache
from roomtone.errors import DecodeError
from roomtone.format import AudioFormat
from roomtone.sources import loader
from roomtone.sources.cache import ClipCache, ClipKey
from roomtone.sources.clip import Clip
from roomtone.sources.loader import open_clip

from .helpers import finished, sine, write_wav

MONO = AudioFormat(48000, 1)
KB = 1024


def key(name: str, fmt: AudioFormat = MONO, lufs: float | None = None, mtime: int = 0) -> ClipKey:
    return ClipKey(f"/clips/{name}", 100, mtime, fmt, lufs)


def complete_clip(frames: int) -> Clip:
    return Clip.from_array(MONO, "c", np.zeros((frames, 1), np.float32))


# -- the cache on its own --------------------------------------------------------------------------


def test_hits_return_the_same_clip_and_count() -> None:
    cache = ClipCache(10 * KB)
    made: list[Clip] = []

    def create() -> Clip:
        made.append(complete_clip(10))
        return made[-1]

    first = cache.get_or_create(key("a"), create)
    for _ in range(5):
        assert cache.get_or_create(key("a"), create) is first
    assert len(made) == 1
    assert (cache.stats.hits, cache.stats.misses) == (5, 1)


def test_format_and_loudness_target_are_part_of_the_key() -> None:
    cache = ClipCache(1024 * KB)
    clips = {
        cache.get_or_create(k, lambda: complete_clip(10))
        for k in (key("a"), key("a", AudioFormat(16000, 1)), key("a", lufs=-23.0), key("b"))
    }
    assert len(clips) == 4
    assert len(cache) == 4


def test_eviction_is_least_recently_used_and_keeps_under_max_bytes() -> None:
    per_clip = 1000 * 4  # 1000 mono float32 frames
    cache = ClipCache(3 * per_clip)
    for name in "abc":
        cache.get_or_create(key(name), lambda: complete_clip(1000))
    cache.get_or_create(key("a"), lambda: complete_clip(1000))  # touch a: b is now the oldest
    cache.get_or_create(key("d"), lambda: complete_clip(1000))
    assert cache.nbytes <= cache.max_bytes
    assert cache.stats.evictions == 1
    hits = cache.stats.hits
    for name in "acd":
        cache.get_or_create(key(name), lambda: pytest.fail("should be cached"))
    assert cache.stats.hits == hits + 3


def test_clips_still_decoding_are_never_evicted() -> None:
    cache = ClipCache(8 * KB)
    decoding = cache.get_or_create(key("decoding"), lambda: Clip(MONO, "decoding", capacity=4096))
    assert not decoding.complete
    for i in range(10):
        cache.get_or_create(key(f"done{i}"), lambda: complete_clip(1000))
    assert cache.get_or_create(key("decoding"), lambda: pytest.fail("evicted")) is decoding


def test_settle_enforces_the_bound_once_a_clip_has_grown() -> None:
    """A clip is tiny when requested and large when decoded: the bound is checked again."""
    cache = ClipCache(16 * KB)
    old = cache.get_or_create(key("old"), lambda: complete_clip(3000))  # 12 KB
    growing = cache.get_or_create(key("new"), lambda: Clip(MONO, "new", capacity=16))
    assert cache.nbytes <= cache.max_bytes
    growing.append(np.zeros((2000, 1), np.float32))
    growing.finish()  # 8 KB more: 20 KB in all
    cache.settle(key("new"), growing)
    assert cache.nbytes <= cache.max_bytes
    assert cache.get_or_create(key("new"), lambda: pytest.fail("evicted")) is growing
    assert cache.get_or_create(key("old"), lambda: complete_clip(3000)) is not old


def test_a_clip_larger_than_the_whole_bound_is_not_kept() -> None:
    cache = ClipCache(1 * KB)
    big = cache.get_or_create(key("big"), lambda: complete_clip(1000))
    assert big.available == 1000  # still returned to the caller, just not kept
    assert len(cache) == 0
    assert cache.nbytes <= cache.max_bytes


def test_failed_clips_are_replaced_and_dropped() -> None:
    cache = ClipCache(1024 * KB)
    failed = Clip(MONO, "bad")
    cache.get_or_create(key("bad"), lambda: failed)
    failed.finish(DecodeError("cannot decode 'bad': corrupt", source="bad"))
    retry = cache.get_or_create(key("bad"), lambda: complete_clip(10))
    assert retry is not failed
    assert cache.stats.misses == 2

    failed_again = Clip(MONO, "bad2")
    cache.get_or_create(key("bad2"), lambda: failed_again)
    failed_again.finish(DecodeError("cannot decode 'bad2': corrupt", source="bad2"))
    cache.settle(key("bad2"), failed_again)
    assert len(cache) == 1  # only the retried "bad": the failed "bad2" is gone


def test_a_changed_file_replaces_its_stale_entries() -> None:
    cache = ClipCache(1024 * KB)
    cache.get_or_create(key("a", mtime=1), lambda: complete_clip(10))
    cache.get_or_create(key("a", AudioFormat(16000, 1), mtime=1), lambda: complete_clip(10))
    cache.get_or_create(key("b", mtime=1), lambda: complete_clip(10))
    cache.get_or_create(key("a", mtime=2), lambda: complete_clip(10))
    assert len(cache) == 2  # both formats of the old "a" went; "b" stayed


def test_settle_ignores_clips_it_does_not_hold() -> None:
    cache = ClipCache(1024 * KB)
    held = cache.get_or_create(key("a"), lambda: complete_clip(10))
    cache.settle(key("a"), complete_clip(10))  # a different clip under the same key
    cache.settle(key("zzz"), complete_clip(10))
    assert cache.get_or_create(key("a"), lambda: pytest.fail("dropped")) is held


def test_discard_clear_and_validation() -> None:
    cache = ClipCache(1024 * KB)
    cache.get_or_create(key("a"), lambda: complete_clip(10))
    cache.get_or_create(key("b"), lambda: complete_clip(10))
    cache.discard(key("a"))
    cache.discard(key("never"))
    assert len(cache) == 1
    cache.clear()
    assert len(cache) == 0
    assert cache.nbytes == 0
    for bad in (0, -1):
        with pytest.raises(ValueError, match="max_bytes must be positive"):
            ClipCache(bad)


def test_concurrent_requests_create_once() -> None:
    cache = ClipCache(1024 * KB)
    calls = 0
    start = threading.Barrier(8)

    def create() -> Clip:
        nonlocal calls
        calls += 1
        return complete_clip(10)

    def request(_: int) -> Clip:
        start.wait()
        return cache.get_or_create(key("a"), create)

    with ThreadPoolExecutor(8) as pool:
        clips = set(pool.map(request, range(8)))
    assert len(clips) == 1
    assert calls == 1


# -- through open_clip -----------------------------------------------------------------------------


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths the loader hands to its decoder pool, in order (recorded when submitted)."""
    started: list[str] = []
    pool = loader._decoders

    class Recording:
        def submit(self, fn: Callable[..., None], clip: Clip, path: str, *args: Any) -> Any:
            started.append(path)
            return pool.submit(fn, clip, path, *args)

    monkeypatch.setattr(loader, "_decoders", Recording())
    return started


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> Callable[[ClipCache, int], None]:
    """``settled(cache, n)`` waits until the decoder threads have reported n clips to ``cache``."""
    done: dict[int, int] = {}
    cond = threading.Condition()
    real = ClipCache.settle

    def settle(self: ClipCache, key: ClipKey, clip: Clip) -> None:
        real(self, key, clip)
        with cond:
            done[id(self)] = done.get(id(self), 0) + 1
            cond.notify_all()

    monkeypatch.setattr(ClipCache, "settle", settle)

    def wait(cache: ClipCache, n: int) -> None:
        with cond:
            assert cond.wait_for(lambda: done.get(id(cache), 0) >= n, timeout=30)

    return wait


def test_many_requests_decode_a_file_once(
    tmp_path: Path, cache: ClipCache, decodes: list[str]
) -> None:
    path = write_wav(tmp_path / "a.wav", sine(440, 0.5, 16000), 16000)
    clips = [open_clip(path, MONO, cache=cache) for _ in range(20)]
    with ThreadPoolExecutor(8) as pool:
        clips += list(pool.map(lambda _: open_clip(path, MONO, cache=cache), range(40)))
    assert all(c is clips[0] for c in clips)
    assert decodes == [path]
    assert (cache.stats.misses, cache.stats.hits) == (1, 59)
    finished(clips[0])
    assert open_clip(Path(path), MONO, cache=cache) is clips[0]  # a PathLike is the same file


def test_each_output_format_decodes_separately(
    tmp_path: Path, cache: ClipCache, decodes: list[str]
) -> None:
    path = write_wav(tmp_path / "a.wav", sine(440, 0.5, 16000), 16000)
    a = open_clip(path, MONO, cache=cache)
    b = open_clip(path, AudioFormat(16000, 2), cache=cache)
    assert a is not b
    assert len(decodes) == 2
    assert finished(a).available == 24000
    assert finished(b).frames().shape == (8000, 2)


def test_the_default_cache_is_shared(tmp_path: Path, decodes: list[str]) -> None:
    path = write_wav(tmp_path / "a.wav", sine(440, 0.1, 16000), 16000)
    assert open_clip(path, MONO) is open_clip(path, MONO)
    assert len(decodes) == 1
    assert len(default_cache) == 1


def test_an_empty_cache_of_your_own_is_used(tmp_path: Path) -> None:
    """An empty ClipCache is falsy (it has __len__): `cache or default_cache` ignored it."""
    path = write_wav(tmp_path / "a.wav", sine(440, 0.1, 16000), 16000)
    mine = ClipCache(1024 * KB)
    assert len(mine) == 0
    open_clip(path, MONO, cache=mine)
    assert len(mine) == 1
    assert len(default_cache) == 0


def test_a_changed_file_decodes_again(tmp_path: Path, cache: ClipCache, decodes: list[str]) -> None:
    path = write_wav(tmp_path / "a.wav", sine(440, 0.5, 16000), 16000)
    first = finished(open_clip(path, MONO, cache=cache))

    write_wav(tmp_path / "a.wav", sine(440, 0.25, 16000), 16000)  # new size
    second = finished(open_clip(path, MONO, cache=cache))
    assert second is not first
    assert second.available == 12000

    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # same size, touched
    third = open_clip(path, MONO, cache=cache)
    assert third is not second
    assert len(decodes) == 3
    assert len(cache) == 1  # the stale decodes were dropped, not left to age out
    assert open_clip(path, MONO, cache=cache) is third


def test_eviction_keeps_decoded_clips_under_max_bytes(
    tmp_path: Path, settled: Callable[[ClipCache, int], None]
) -> None:
    one_clip = 48000 * 4  # a second of mono 48 kHz float32
    cache = ClipCache(int(2.5 * one_clip))
    clips = []
    for i in range(5):
        path = write_wav(tmp_path / f"{i}.wav", sine(440 + i, 1.0, 16000), 16000)
        clips.append(finished(open_clip(path, MONO, cache=cache)))
        settled(cache, i + 1)
        assert cache.nbytes <= cache.max_bytes
    assert len(cache) == 2
    assert cache.stats.evictions == 3
    # the evicted clips still play for whoever holds them
    assert all(c.available == 48000 for c in clips)


def test_a_failed_decode_is_not_cached_forever(
    tmp_path: Path,
    cache: ClipCache,
    decodes: list[str],
    settled: Callable[[ClipCache, int], None],
) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
    first = finished(open_clip(path, MONO, cache=cache))
    assert isinstance(first.error, DecodeError)
    settled(cache, 1)
    assert len(cache) == 0  # dropped as soon as it failed
    second = finished(open_clip(path, MONO, cache=cache))
    assert second is not first
    assert isinstance(second.error, DecodeError)
    assert len(decodes) == 2
