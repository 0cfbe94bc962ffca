"""Signal measurements (loudness, true peak) shared by the decoders and the clip generator.

May import only numpy/scipy and the base modules.
"""

from __future__ import annotations

from roomtone.analysis.loudness import gain_to_target, integrated_loudness, true_peak_dbfs

__all__ = ["gain_to_target", "integrated_loudness", "true_peak_dbfs"]
