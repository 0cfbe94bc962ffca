"""The clip cache keeps its byte bound under load, loop bodies included; each file decodes once."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from roomtone.format import AudioFormat
from roomtone.sources import loader
from roomtone.sources.cache import ClipCache
from roomtone.sources.loader import open_clip

FMT = AudioFormat(16000, 2)
BED_SECONDS = 3.0
BED_BYTES = int(BED_SECONDS * FMT.sample_rate) * FMT.num_channels * 4  # float32 frames


def test_a_looped_bed_alone_cannot_hold_more_than_the_bound(
    tone_file: Callable[..., str],
) -> None:
    # One clip plus its loop body is about twice the clip: a bound between the two must not
    # be exceeded once the loop body is made (it used to be added after the bound was checked).
    cache = ClipCache(int(BED_BYTES * 1.5))
    clip = open_clip(tone_file(220, BED_SECONDS, 16000, channels=2), FMT, cache=cache)
    assert clip.wait(10**9, timeout=30)
    assert cache.nbytes <= cache.max_bytes
    clip.loop_body(800)
    assert cache.nbytes <= cache.max_bytes, (cache.nbytes, cache.max_bytes)


def test_forty_beds_decoded_at_once_stay_within_the_bound_and_decode_once(
    tone_file: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [tone_file(100 + 7 * i, BED_SECONDS, 16000, channels=2) for i in range(40)]
    cache = ClipCache(BED_BYTES * 12)  # room for about six beds with their loop bodies
    decodes: dict[str, int] = {}
    real_decode = loader._decode_into

    def counting(clip, path, target_lufs, settled=None):  # type: ignore[no-untyped-def]
        decodes[path] = decodes.get(path, 0) + 1
        real_decode(clip, path, target_lufs, settled)

    monkeypatch.setattr(loader, "_decode_into", counting)
    with ThreadPoolExecutor(8) as pool:
        clips = list(pool.map(lambda p: open_clip(p, FMT, cache=cache), paths))
    for clip in clips:
        assert clip.wait(10**9, timeout=60)
        clip.loop_body(800)
        assert cache.nbytes <= cache.max_bytes, (cache.nbytes, cache.max_bytes)
    assert sorted(decodes.values()) == [1] * 40
    assert cache.nbytes <= cache.max_bytes
