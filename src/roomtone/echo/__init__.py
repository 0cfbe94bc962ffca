"""Echo cancellation: the agent never hears roomtone's own audio from the caller's loudspeaker.

::

    from roomtone.echo import EchoCanceller
    canceller = EchoCanceller(sample_rate=16000)
    canceller.push_reference(sent_chunk, at=sent_time)        # what roomtone sent
    clean = canceller.process(caller_chunk, at=arrival_time)  # what the agent should hear

Uses WebRTC's AEC3 from the ``livekit`` SDK (``pip install 'roomtone[echo]'``), and beside it
a linear Kalman filter of our own for the moments the caller talks over the echo. The SDK loads
when the first canceller is made, not on import.
"""

from roomtone.echo.canceller import DEFAULT_MAX_DELAY, EchoCanceller, processing_rate
from roomtone.echo.delay import DelayEstimate, DelayEstimator

__all__ = [
    "DEFAULT_MAX_DELAY",
    "DelayEstimate",
    "DelayEstimator",
    "EchoCanceller",
    "processing_rate",
]
