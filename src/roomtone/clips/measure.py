"""What the committed clip files measure: duration, channels, loudness, true peak, size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from roomtone.analysis.decode import decode_audio
from roomtone.analysis.loudness import integrated_loudness, true_peak_dbfs
from roomtone.clips.catalog import clip_path, select

__all__ = ["ClipInfo", "describe_clips"]


@dataclass(frozen=True)
class ClipInfo:
    """Measured facts about a committed clip file."""

    name: str
    path: Path
    description: str
    duration_s: float
    channels: int
    sample_rate: int
    integrated_lufs: float
    true_peak_dbfs: float
    target_lufs: float
    size_bytes: int


def describe_clips(
    directory: Path | None = None, names: Sequence[str] | None = None
) -> list[ClipInfo]:
    """Decode each committed clip (or the named ones) and measure duration, loudness, peak."""
    infos: list[ClipInfo] = []
    for spec in select(names):
        path = clip_path(spec.name, directory)
        samples, rate = decode_audio(path)
        infos.append(
            ClipInfo(
                name=spec.name,
                path=path,
                description=spec.description,
                duration_s=samples.shape[0] / rate,
                channels=samples.shape[1],
                sample_rate=rate,
                integrated_lufs=integrated_loudness(samples, rate),
                true_peak_dbfs=true_peak_dbfs(samples, rate),
                target_lufs=spec.target_lufs,
                size_bytes=path.stat().st_size,
            )
        )
    return infos
