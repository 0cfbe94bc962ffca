"""Signal measurements shared by the engine and the built-in clip generator."""

from __future__ import annotations

from roomtone.analysis.loudness import gain_to_target, integrated_loudness, true_peak_dbfs

__all__ = ["gain_to_target", "integrated_loudness", "true_peak_dbfs"]
