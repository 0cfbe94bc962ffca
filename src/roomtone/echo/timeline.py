"""Place streamed chunks on a sample timeline shared by the reference and the capture.

Both streams say when their chunks happened on one clock (seconds, e.g. ``time.monotonic()``
or the transport's own timestamps). A chunk normally follows the previous one sample for
sample: the sample counter is trusted over the clock, whose readings jitter with the event
loop. Only when the clock disagrees with the counter by more than ``resync_s`` (a pause, an
underrun, muted input while on hold, a skipped frame) does the stream jump to where the clock
says it is.
"""

from __future__ import annotations

__all__ = ["StreamClock"]


class StreamClock:
    """Sample positions of one stream on the shared timeline, whose origin is ``origin_s``."""

    def __init__(self, rate: int, *, resync_s: float = 0.06) -> None:
        self.rate = rate
        self._resync = round(resync_s * rate)
        self.next_position: int | None = None

    def place(self, frames: int, at_s: float | None, origin_s: float) -> int:
        """Position of the first sample of a chunk of ``frames`` that began at ``at_s``."""
        expected = self.next_position
        if at_s is None:
            position = 0 if expected is None else expected
        else:
            measured = round((at_s - origin_s) * self.rate)
            if expected is None or abs(measured - expected) > self._resync:
                position = measured
            else:
                position = expected
        self.next_position = position + frames
        return position
