"""A process-wide, byte-bounded cache of decoded clips, shared by every player.

Keyed by the file's identity (real path, size, modification time) and the target format, so
N sessions playing one clip decode it once, and an edited file is decoded again.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from roomtone.format import AudioFormat
from roomtone.sources.clip import Clip

__all__ = ["CacheStats", "ClipCache", "ClipKey", "default_cache"]

DEFAULT_CACHE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ClipKey:
    path: str
    size: int
    mtime_ns: int
    format: AudioFormat
    target_lufs: float | None

    @property
    def file(self) -> tuple[int, int]:
        """The file's identity on disk besides its path: (size, modification time)."""
        return self.size, self.mtime_ns


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0


class ClipCache:
    """Least-recently-used clips up to ``max_bytes``; clips still decoding are never evicted.

    The bound is enforced when a clip is requested, when one finishes decoding (its size is
    only known then) and when a clip grows afterwards (a loop body kept with it); a finished
    clip larger than the whole bound is not kept.
    Evicting a clip only forgets it here: voices playing it keep their reference.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._clips: OrderedDict[ClipKey, Clip] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_create(self, key: ClipKey, create: Callable[[], Clip]) -> Clip:
        """Return the cached clip for ``key`` or make it with ``create`` (which starts decoding)."""
        with self._lock:
            clip = self._clips.get(key)
            if clip is not None and clip.error is None:
                self._clips.move_to_end(key)
                self.stats.hits += 1
                return clip
            self.stats.misses += 1
            for old in [k for k in self._clips if k.path == key.path and k.file != key.file]:
                del self._clips[old]  # the file changed on disk: its old decodes are stale
            clip = create()
            clip.on_grow = self._enforce
            self._clips[key] = clip
            self._evict()
            return clip

    def settle(self, key: ClipKey, clip: Clip) -> None:
        """Called when ``clip`` finished decoding: drop it if it failed, else enforce the bound.

        Clips grow while they decode, so the bound is enforced again once their size is known.
        """
        with self._lock:
            if self._clips.get(key) is not clip:
                return
            if clip.error is not None:
                del self._clips[key]  # a failed decode is retried by the next request
            else:
                self._evict()

    def _enforce(self) -> None:
        with self._lock:
            self._evict()

    def discard(self, key: ClipKey) -> None:
        with self._lock:
            self._clips.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._clips.clear()

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(c.nbytes for c in self._clips.values())

    def __len__(self) -> int:
        return len(self._clips)

    def _evict(self) -> None:
        total = sum(c.nbytes for c in self._clips.values())
        for key in list(self._clips):
            if total <= self.max_bytes:
                return
            clip = self._clips[key]
            if clip.complete:
                total -= clip.nbytes
                del self._clips[key]
                self.stats.evictions += 1


def _default_size() -> int:
    """``ROOMTONE_CACHE_MB`` if it is a positive whole number; otherwise the default, with a
    warning that names the bad value (a typo must not stop ``import roomtone``)."""
    value = os.environ.get("ROOMTONE_CACHE_MB")
    if not value:
        return DEFAULT_CACHE_BYTES
    try:
        megabytes = int(value)
    except ValueError:
        megabytes = 0
    if megabytes <= 0:
        warnings.warn(
            f"ROOMTONE_CACHE_MB must be a positive whole number of megabytes, got {value!r}; "
            f"using {DEFAULT_CACHE_BYTES // 2**20}",
            RuntimeWarning,
            stacklevel=2,
        )
        return DEFAULT_CACHE_BYTES
    return megabytes * 1024 * 1024


default_cache = ClipCache(_default_size())
"""The cache players use unless given their own (size from ``ROOMTONE_CACHE_MB``)."""
