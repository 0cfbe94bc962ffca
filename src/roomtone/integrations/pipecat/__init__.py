"""Pipecat support: roomtone's soundscape as a transport mixer, its states from an observer.

::

    player = BackgroundAudioPlayer(ambient_sound=..., thinking_sound=..., tool_sound=...)
    transport = SomeTransport(params=TransportParams(audio_out_mixer=RoomtoneMixer(player)))
    worker = PipelineWorker(pipeline, observers=[RoomtoneObserver(player)])
    # and RoomtoneInputGate(player) after transport.input() for hold(mute_input=True)

Needs the extra: ``pip install 'roomtone[pipecat]'``. Nothing else in roomtone imports Pipecat.
"""

from roomtone.errors import MissingExtraError

try:
    import pipecat.audio.mixers.base_audio_mixer
    import pipecat.observers.base_observer  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingExtraError("Pipecat support", "pipecat") from exc

from roomtone.integrations.pipecat.echo import RoomtoneEchoCanceller
from roomtone.integrations.pipecat.input_gate import RoomtoneInputGate
from roomtone.integrations.pipecat.mixer import RoomtoneMixer
from roomtone.integrations.pipecat.observer import RoomtoneObserver
from roomtone.integrations.pipecat.output import PullOutput
from roomtone.integrations.pipecat.pacing import RealtimePacer
from roomtone.integrations.pipecat.settings import ALLOWED_KEYS, check_settings
from roomtone.integrations.pipecat.state import PipelineStateTracker

__all__ = [
    "ALLOWED_KEYS",
    "PipelineStateTracker",
    "PullOutput",
    "RealtimePacer",
    "RoomtoneEchoCanceller",
    "RoomtoneInputGate",
    "RoomtoneMixer",
    "RoomtoneObserver",
    "check_settings",
]
