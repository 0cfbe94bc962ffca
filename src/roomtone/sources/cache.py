"""A process-wide, byte-bounded cache of decoded clips, shared by every player.

Keyed by the file's identity (real path, size, modification time) and the target format, so
N sessions playing one clip decode it once, and an edited file is decoded again.
"""

from __future__ import annotations

import os
import threading
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


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0


class ClipCache:
    """Least-recently-used clips up to ``max_bytes``; clips still decoding are never evicted."""

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
            clip = create()
            self._clips[key] = clip
            self._evict()
            return clip

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
            if total <= self.max_bytes or len(self._clips) <= 1:
                return
            clip = self._clips[key]
            if clip.complete:
                total -= clip.nbytes
                del self._clips[key]
                self.stats.evictions += 1


def _default_size() -> int:
    megabytes = os.environ.get("ROOMTONE_CACHE_MB")
    return int(megabytes) * 1024 * 1024 if megabytes else DEFAULT_CACHE_BYTES


default_cache = ClipCache(_default_size())
"""The cache players use unless given their own (size from ``ROOMTONE_CACHE_MB``)."""
