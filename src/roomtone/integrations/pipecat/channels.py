"""The transport's channel count, read from the size of the chunks it hands to ``mix()``.

Pipecat tells a mixer the output rate (``start(sample_rate)``) but not the channel count, and
a wrong count is not an error anywhere: the bed plays an octave off and the pacing is wrong by
2x. Every chunk an output transport mixes is exactly its ``audio_chunk_size``:
``2 bytes x channels x rate/100 x audio_out_10ms_chunks``. One chunk, with the transport's
``audio_out_10ms_chunks`` (Pipecat's default is 4), therefore settles the count; when it does
not (an unusual chunking), the mixer refuses rather than guess.
"""

from __future__ import annotations

__all__ = ["ChannelMismatchError", "channels_from_chunk"]

_CANDIDATES = (1, 2)


class ChannelMismatchError(ValueError):
    """The chunk does not fit the channel count given, or fits more than one."""


def _describe(size: int, rate: int, chunks_10ms: int) -> str:
    frames_10ms = int(rate / 100)
    readings = [
        f"{size // (2 * c * frames_10ms) * 10} ms of {'mono' if c == 1 else 'stereo'}"
        for c in _CANDIDATES
        if size % (2 * c * frames_10ms) == 0
    ]
    what = " or ".join(readings) if readings else "not a whole number of 10 ms frames"
    return (
        f"a {size}-byte chunk at {rate} Hz is {what}; with audio_out_10ms_chunks="
        f"{chunks_10ms} the transport sends {chunks_10ms * 10} ms chunks"
    )


def channels_from_chunk(
    size: int, rate: int, *, chunks_10ms: int = 4, expected: int | None = None
) -> int:
    """The channel count that ``size`` bytes of int16 PCM at ``rate`` Hz must carry.

    ``chunks_10ms`` is the transport's ``audio_out_10ms_chunks``; ``expected`` is a count the
    user gave. Raises :class:`ChannelMismatchError`, with every reading of the chunk, when the size
    contradicts ``expected`` or cannot be read unambiguously.
    """
    frames_10ms = int(rate / 100)
    fitting = [c for c in _CANDIDATES if size > 0 and size % (2 * c) == 0]
    if frames_10ms > 0 and size % (2 * frames_10ms) == 0:
        units = size // (2 * frames_10ms)  # channels x the number of 10 ms frames
        fitting = [c for c in fitting if units % c == 0]
        at_chunking = [c for c in fitting if units // c == chunks_10ms]
        if at_chunking:  # at most one count gives the transport's chunk duration
            fitting = at_chunking
    if expected is None and len(fitting) == 1:
        return fitting[0]
    if expected is not None and expected in fitting:
        return expected
    if expected is not None:
        problem = f"RoomtoneMixer(num_channels={expected}) does not match the transport"
        fix = (
            "Set num_channels to the transport's audio_out_channels (or leave it out to have "
            "it learned); if you changed audio_out_10ms_chunks, pass the same value to "
            "RoomtoneMixer"
        )
    else:
        problem = "RoomtoneMixer cannot tell the transport's channel count"
        fix = (
            "Pass num_channels= (the transport's audio_out_channels) and "
            "audio_out_10ms_chunks= to RoomtoneMixer"
        )
    raise ChannelMismatchError(f"{problem}: {_describe(size, rate, chunks_10ms)}. {fix}")
