"""Built-in background sounds, synthesised by :mod:`roomtone.clips.synth`, shipped as Ogg Opus."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]


def data_dir() -> Path:
    """Folder holding the committed ``<name>.ogg`` files."""
    return Path(__file__).resolve().parent / "data"
