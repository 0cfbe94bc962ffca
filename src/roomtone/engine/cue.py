"""Thinking and tool cues that behave: a start delay, looping, a minimum play time, and
continuity when the state comes back soon (the next tool-call cycle continues the sound).

The controller counts in frames of the mix, so the same script renders the same way offline
and live. It runs on the render thread; the player feeds it ``activate``/``deactivate``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from roomtone.config import check_range, check_seconds
from roomtone.engine.voice import Voice

__all__ = ["CueController", "CueOptions"]


@dataclass(frozen=True)
class CueOptions:
    """Timing of a state-driven cue (seconds).

    Defaults: a thought shorter than ``delay`` (0.5 s) makes no sound; the cue loops while the
    state lasts; it plays at least ``min_play`` once started; leaving and re-entering within
    ``resume_within`` continues the same sound from where it paused instead of restarting.
    ``CueOptions.immediate()`` reproduces LiveKit's behaviour (no delay, no loop, no memory).
    ``max_play`` (off by default) gives up after that many seconds of sound: the cue fades out,
    or hands over to the player's ``give_up_sound`` (hold music, say) until the state leaves.
    """

    delay: float = 0.5
    loop: bool = True
    min_play: float = 0.6
    fade_in: float = 0.15
    fade_out: float = 0.35
    resume_within: float = 1.5
    max_play: float | None = None

    def __post_init__(self) -> None:
        for name in ("delay", "min_play", "fade_in", "fade_out", "resume_within"):
            check_seconds(f"CueOptions.{name}", getattr(self, name))
        if self.max_play is not None:
            check_range("CueOptions.max_play", self.max_play, 0.01, 3600.0, " s (or None)")

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
        self._give_up: VoiceFactory | None = None
        self._gave_up = False
        self._start_given_up = False
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

    @property
    def sounding(self) -> bool:
        """Whether a sound is playing, finishing or paused to resume (not idle or waiting)."""
        return self._voice is not None and self._stage is not _Stage.IDLE

    def activate(
        self,
        now: int,
        factory: VoiceFactory,
        *,
        skip_delay: bool = False,
        give_up: VoiceFactory | None = None,
        given_up: bool = False,
    ) -> None:
        """The state entered (thinking, or a tool started).

        ``skip_delay`` starts at once: the agent was already busy with the other cue (thinking
        handing over to a tool or back), so there is no short thought to stay silent for.
        ``give_up`` makes the sound that takes over after ``max_play``; ``given_up`` says the
        wait already outlasted it (the agent spoke in between): a fresh start then plays the
        give-up sound, or stays silent, instead of starting over.
        """
        voice = self._voice
        if self._stage in (_Stage.RELEASING, _Stage.HELD) and voice is not None and voice.active:
            voice.resume(self._frames(self.options.fade_in))
            self._enter(_Stage.PLAYING)
            return
        if self._stage in (_Stage.WAITING, _Stage.PLAYING):
            return
        self._factory, self._give_up = (give_up, None) if given_up else (factory, give_up)
        self._start_given_up = given_up
        self._enter(_Stage.WAITING)
        self._deadline = now if skip_delay else now + self._frames(self.options.delay)

    def deactivate(self, now: int, *, at_once: bool = False) -> None:
        """The state left; ``at_once`` skips the minimum play time (the agent speaks)."""
        if self._stage is _Stage.WAITING:
            self._enter(_Stage.IDLE)
            self._factory = None
        elif self._stage is _Stage.PLAYING:
            self._enter(_Stage.RELEASING)
            least = now if at_once else self._started_at + self._frames(self.options.min_play)
            self._deadline = max(now, least)

    def stop(self) -> None:
        """End everything now (player closing or cue replaced), with a short fade."""
        if self._voice is not None:
            self._voice.stop(self._frames(self.options.fade_out))
        self._voice = None
        self._factory = None
        self._give_up = None
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
            self._gave_up = self._start_given_up
            if new is not None:
                self._voice = new
                self.starts += 1
                self._add_voice(new)
        elif stage is _Stage.PLAYING and self._due_to_give_up(now):
            self._hand_over(voice)
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

    def _due_to_give_up(self, now: int) -> bool:
        limit = self.options.max_play
        return (
            limit is not None
            and not self._gave_up
            and now - self._started_at >= self._frames(limit)
        )

    def _hand_over(self, voice: Voice | None) -> None:
        """Played for ``max_play``: fade out, and start the give-up sound if there is one."""
        self._gave_up = True
        if voice is not None:
            voice.stop(self._frames(self.options.fade_out))
        factory, self._give_up = self._give_up, None
        self._voice = factory(self._frames(self.options.fade_in)) if factory else None
        if self._voice is not None:
            self._add_voice(self._voice)
