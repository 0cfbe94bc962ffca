"""Where the mix goes: the output protocol and the built-in outputs.

``MemoryOutput``, ``WavFileOutput`` and ``NullOutput`` are paced in real time by a shared clock,
as a room would be. Integrations add outputs with their own pacing (LiveKit, Pipecat, devices).
"""

from roomtone.outputs.base import AudioOutput, Renderer
from roomtone.outputs.memory import MemoryOutput
from roomtone.outputs.null import NullOutput
from roomtone.outputs.paced import PacedOutput
from roomtone.outputs.reference import ReferenceBlock, ReferenceTap
from roomtone.outputs.wav_file import WavFileOutput
from roomtone.outputs.wav_writer import WavWriter, write_wav

__all__ = [
    "AudioOutput",
    "MemoryOutput",
    "NullOutput",
    "PacedOutput",
    "ReferenceBlock",
    "ReferenceTap",
    "Renderer",
    "WavFileOutput",
    "WavWriter",
    "write_wav",
]
