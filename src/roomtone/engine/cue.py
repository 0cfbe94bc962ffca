"""Thinking and tool cues that behave: a start delay, looping, a minimum play time, and
continuity when the state comes back soon (the next tool-call cycle continues the sound).

The controller counts in frames of the mix, so the same script renders the same way offline
and live. It runs on the render thread; the player feeds it ``activate``/``deactivate``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from roomtone.config import check_seconds
from roomtone.engine.voice import Voice

__all__ = ["CueController", "CueOptions"]


@dataclass(frozen=True)
class CueOptions:
    """Timing of a state-driven cue (seconds).

    Defaults: a thought shorter than ``delay`` (0.5 s) makes no sound; the cue loops while the
    state lasts; it plays at least ``min_play`` once started; leaving and re-entering within
    ``resume_within`` continues the same sound from where it paused instead of restarting.
    ``CueOptions.immediate()`` reproduces LiveKit's behaviour (no delay, no loop, no memory).
    """

    delay: float = 0.5
    loop: bool = True
    min_play: float = 0.6
    fade_in: float = 0.15
    fade_out: float = 0.35
    resume_within: float = 1.5

    def __post_init__(self) -> None:
        for name in ("delay", "min_play", "fade_in", "fade_out", "resume_within"):
            check_seconds(f"CueOptions.{name}", getattr(self, name))

    @classmethod
    def immediate(cls) -> CueOptions:
        """Start at once, play the clip once, stop when the state leaves (LiveKit's rules)."""
        return cls(delay=0.0, loop=False, min_play=0.0, fade_in=0.0, fade_out=0.0, resume_within=0)


class _Stage(enum.Enum):
    IDLE = "idle"
    WAITING = "waiting"  # activated, delay running
    PLAYING = "playing"
    RELEASING = "releasing"  # deactivated, finishing its minimum play time
    HELD = "held"  # paused, may resume


VoiceFactory = Callable[[int], "Voice | None"]
"""Makes the cue's voice given its fade-in in frames; ``None`` when the draw picked silence."""


class CueController:
    """One cue (thinking or tool): decides when its voice starts, pauses, resumes and ends."""

    def __init__(self, options: CueOptions, sample_rate: int, add_voice: Callable[[Voice], None]):
        self.options = options
        self._rate = sample_rate
        self._add_voice = add_voice
        self._stage = _Stage.IDLE
        self.busy = False  # not IDLE: the mixer calls update() only then (hot path)
        self._voice: Voice | None = None
        self._factory: VoiceFactory | None = None
        self._deadline = 0
        self._started_at = 0
        self.starts = 0  # how many fresh sounds began (for tests and stats)

    def _frames(self, seconds: float) -> int:
        return round(seconds * self._rate)

    @property
    def idle(self) -> bool:
        """Not waiting, playing or holding anything: the cue adds nothing to the mix."""
        return not self.busy

    def _enter(self, stage: _Stage) -> None:
        self._stage = stage
        self.busy = stage is not _Stage.IDLE

    @property
    def voice(self) -> Voice | None:
        return self._voice

    def activate(self, now: int, factory: VoiceFactory, *, skip_delay: bool = False) -> None:
        """The state entered (thinking, or a tool started).

        ``skip_delay`` starts at once: the agent was already busy with the other cue (thinking
        handing over to a tool or back), so there is no short thought to stay silent for.
        """
        voice = self._voice
        if self._stage in (_Stage.RELEASING, _Stage.HELD) and voice is not None and voice.active:
            voice.resume(self._frames(self.options.fade_in))
            self._enter(_Stage.PLAYING)
            return
        if self._stage in (_Stage.WAITING, _Stage.PLAYING):
            return
        self._factory = factory
        self._enter(_Stage.WAITING)
        self._deadline = now if skip_delay else now + self._frames(self.options.delay)

    def deactivate(self, now: int) -> None:
        """The state left."""
        if self._stage is _Stage.WAITING:
            self._enter(_Stage.IDLE)
            self._factory = None
        elif self._stage is _Stage.PLAYING:
            self._enter(_Stage.RELEASING)
            self._deadline = max(now, self._started_at + self._frames(self.options.min_play))

    def stop(self) -> None:
        """End everything now (player closing or cue replaced), with a short fade."""
        if self._voice is not None:
            self._voice.stop(self._frames(self.options.fade_out))
        self._voice = None
        self._factory = None
        self._enter(_Stage.IDLE)

    def update(self, now: int) -> None:
        """Advance timers; called by the mixer before each block."""
        stage = self._stage
        if stage is _Stage.IDLE:
            return
        voice = self._voice
        if voice is not None and not voice.active:
            self._voice = None
            voice = None
            if stage is not _Stage.WAITING:
                self._enter(_Stage.IDLE)
                return
        if stage is _Stage.WAITING and now >= self._deadline:
            factory, self._factory = self._factory, None
            new = factory(self._frames(self.options.fade_in)) if factory else None
            self._enter(_Stage.PLAYING)
            self._started_at = now
            if new is not None:
                self._voice = new
                self.starts += 1
                self._add_voice(new)
        elif stage is _Stage.RELEASING and now >= self._deadline:
            if voice is None:
                self._enter(_Stage.IDLE)
            elif self.options.resume_within > 0:
                voice.pause(self._frames(self.options.fade_out))
                self._enter(_Stage.HELD)
                self._deadline = now + self._frames(self.options.resume_within)
            else:
                voice.stop(self._frames(self.options.fade_out))
                self._voice = None
                self._enter(_Stage.IDLE)
        elif stage is _Stage.HELD and now >= self._deadline:
            if voice is not None:
                voice.stop(0)  # already silent: a paused voice simply finishes
            self._voice = None
            self._enter(_Stage.IDLE)
