"""CueController: delay, minimum play, hold and resume, counted in frames of the mix."""

from __future__ import annotations

import numpy as np

from roomtone.engine.cue import CueController, CueOptions
from roomtone.engine.playback import ClipPlayback
from roomtone.engine.voice import Voice, VoiceState
from roomtone.format import AudioFormat
from roomtone.sources.clip import Clip

RATE = 48000
FMT = AudioFormat(RATE, 1)


def frames(seconds: float) -> int:
    return round(seconds * RATE)


class Rig:
    """A controller whose voices are recorded instead of mixed."""

    def __init__(self, options: CueOptions) -> None:
        self.voices: list[Voice] = []
        self.cue = CueController(options, RATE, self.voices.append)
        self.clip = Clip.from_array(FMT, "dc", np.full((RATE, 1), 0.1, np.float32))

    def factory(self, fade_in: int) -> Voice:
        return Voice(ClipPlayback(self.clip, loop=True), fade_in=fade_in)

    def run(self, start: float, end: float, step: float = 0.01) -> None:
        t = start
        while t < end - 1e-9:
            self.cue.update(frames(t))
            t += step


def test_a_thought_shorter_than_the_delay_makes_no_sound() -> None:
    rig = Rig(CueOptions(delay=0.5))
    rig.cue.activate(0, rig.factory)
    rig.run(0, 0.4)
    rig.cue.deactivate(frames(0.4))
    rig.run(0.4, 2.0)
    assert rig.voices == [] and rig.cue.idle


def test_the_cue_starts_after_the_delay_and_plays_its_minimum() -> None:
    rig = Rig(CueOptions(delay=0.5, min_play=0.6, resume_within=0.0))
    rig.cue.activate(0, rig.factory)
    rig.run(0, 0.49)
    assert rig.voices == []
    rig.run(0.49, 0.6)
    assert len(rig.voices) == 1 and rig.cue.starts == 1
    rig.cue.deactivate(frames(0.6))  # left at once: still plays until 0.5 + 0.6
    rig.run(0.6, 1.09)
    assert rig.voices[0].state is VoiceState.PLAYING
    rig.run(1.09, 1.2)
    assert rig.voices[0].state is VoiceState.STOPPING


def test_coming_back_soon_resumes_the_same_sound() -> None:
    rig = Rig(CueOptions(delay=0.0, min_play=0.0, resume_within=1.5))
    rig.cue.activate(0, rig.factory)
    rig.run(0, 0.5)
    rig.cue.deactivate(frames(0.5))
    rig.run(0.5, 1.0)
    assert rig.voices[0].state is VoiceState.PAUSING  # held, not stopped
    rig.cue.activate(frames(1.0), rig.factory)
    rig.run(1.0, 1.5)
    assert rig.cue.starts == 1 and rig.voices[0].state is VoiceState.PLAYING


def test_a_handover_skips_the_delay() -> None:
    rig = Rig(CueOptions(delay=0.5))
    rig.cue.activate(frames(1.0), rig.factory, skip_delay=True)
    rig.cue.update(frames(1.0))
    assert len(rig.voices) == 1


def test_immediate_reproduces_livekit_rules() -> None:
    rig = Rig(CueOptions.immediate())
    rig.cue.activate(0, rig.factory)
    rig.cue.update(0)
    assert len(rig.voices) == 1
    rig.cue.deactivate(frames(0.1))
    rig.cue.update(frames(0.1))
    assert rig.voices[0].state is VoiceState.STOPPING and rig.cue.idle
