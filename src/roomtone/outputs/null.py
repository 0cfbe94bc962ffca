"""An output that discards the mix but keeps real-time pacing: for benchmarks and dry runs."""

from __future__ import annotations

from roomtone.outputs.paced import PacedOutput
from roomtone.samples import FloatArray

__all__ = ["NullOutput"]


class NullOutput(PacedOutput):
    """Paced like a room, hears nothing."""

    def consume(self, block: FloatArray) -> None:
        del block
