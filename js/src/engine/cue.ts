/**
 * Thinking and tool cues that behave: a start delay, looping, a minimum play time, and
 * continuity when the state comes back soon (the next tool-call cycle continues the sound).
 *
 * The controller counts in frames of the mix, so the same script renders the same way offline
 * and live. The player feeds it `activate`/`deactivate` through the mixer's command queue.
 */
import { roundHalfEven } from "../format.js";
import type { Voice } from "./voice.js";

/** Timing of a state-driven cue (seconds). */
export interface CueOptions {
  /** A state shorter than this makes no sound. */
  delay: number;
  /** Loop the cue while the state lasts. */
  loop: boolean;
  /** Once started, play at least this long. */
  minPlay: number;
  fadeIn: number;
  fadeOut: number;
  /** Leaving and re-entering within this continues the same sound instead of restarting. */
  resumeWithin: number;
}

export const DEFAULT_CUE: Readonly<CueOptions> = Object.freeze({
  delay: 0.5,
  loop: true,
  minPlay: 0.6,
  fadeIn: 0.15,
  fadeOut: 0.35,
  resumeWithin: 1.5,
});

/** Start at once, play the clip once, stop when the state leaves (LiveKit's rules). */
export const IMMEDIATE_CUE: Readonly<CueOptions> = Object.freeze({
  delay: 0,
  loop: false,
  minPlay: 0,
  fadeIn: 0,
  fadeOut: 0,
  resumeWithin: 0,
});

/** Complete and check cue options; every bad setting is named. */
export function resolveCue(value: Partial<CueOptions> | undefined, what: string): CueOptions {
  if (value === undefined) return { ...DEFAULT_CUE };
  if (value === null || typeof value !== "object") {
    throw new TypeError(`${what} must be an object of cue settings, got ${String(value)}`);
  }
  const known = new Set<string>(Object.keys(DEFAULT_CUE));
  for (const key of Object.keys(value)) {
    if (!known.has(key))
      throw new TypeError(`${what} has no setting '${key}'; known: ${[...known].join(", ")}`);
  }
  const options: CueOptions = { ...DEFAULT_CUE, ...value };
  for (const name of ["delay", "minPlay", "fadeIn", "fadeOut", "resumeWithin"] as const) {
    const v = options[name];
    if (typeof v !== "number" || !(v >= 0 && v <= 60)) {
      throw new RangeError(`CueOptions.${name} must be between 0 and 60 s, got ${String(v)}`);
    }
  }
  if (typeof options.loop !== "boolean") {
    throw new TypeError(`CueOptions.loop must be a boolean, got ${String(options.loop)}`);
  }
  return options;
}

type Phase = "idle" | "waiting" | "playing" | "releasing" | "held";

/** Makes the cue's voice given its fade-in in frames; null when the draw picked silence. */
export type VoiceFactory = (fadeIn: number) => Voice | null;

/** One cue (thinking or tool): decides when its voice starts, pauses, resumes and ends. */
export class CueController {
  readonly options: CueOptions;
  private readonly rate: number;
  private readonly addVoice: (voice: Voice) => void;
  private phaseValue: Phase = "idle";
  private current: Voice | null = null;
  private factory: VoiceFactory | null = null;
  private deadline = 0;
  private startedAt = 0;
  /** How many fresh sounds began (for tests and stats). */
  starts = 0;

  constructor(options: CueOptions, sampleRate: number, addVoice: (voice: Voice) => void) {
    this.options = options;
    this.rate = sampleRate;
    this.addVoice = addVoice;
  }

  private frames(seconds: number): number {
    return roundHalfEven(seconds * this.rate);
  }

  get phase(): Phase {
    return this.phaseValue;
  }

  get voice(): Voice | null {
    return this.current;
  }

  /**
   * The state entered (thinking, or a tool started). `skipDelay` starts at once: the agent
   * was already busy with the other cue, so there is no short thought to stay silent for.
   */
  activate(now: number, factory: VoiceFactory, skipDelay = false): void {
    const voice = this.current;
    const phase = this.phaseValue;
    if ((phase === "releasing" || phase === "held") && voice !== null && voice.active) {
      voice.resume(this.frames(this.options.fadeIn));
      this.phaseValue = "playing";
      return;
    }
    if (phase === "waiting" || phase === "playing") return;
    this.factory = factory;
    this.phaseValue = "waiting";
    this.deadline = skipDelay ? now : now + this.frames(this.options.delay);
  }

  /** The state left; `atOnce` skips the minimum play time (the agent speaks). */
  deactivate(now: number, atOnce = false): void {
    if (this.phaseValue === "waiting") {
      this.phaseValue = "idle";
      this.factory = null;
    } else if (this.phaseValue === "playing") {
      this.phaseValue = "releasing";
      const least = atOnce ? now : this.startedAt + this.frames(this.options.minPlay);
      this.deadline = Math.max(now, least);
    }
  }

  /** End everything now (player closing or cue replaced), with a short fade. */
  stop(): void {
    this.current?.stop(this.frames(this.options.fadeOut));
    this.current = null;
    this.factory = null;
    this.phaseValue = "idle";
  }

  /** Advance timers; called by the mixer before each block. */
  update(now: number): void {
    const phase = this.phaseValue;
    if (phase === "idle") return;
    let voice = this.current;
    if (voice !== null && !voice.active) {
      this.current = null;
      voice = null;
      if (phase !== "waiting") {
        this.phaseValue = "idle";
        return;
      }
    }
    if (phase === "waiting" && now >= this.deadline) {
      const factory = this.factory;
      this.factory = null;
      const created = factory ? factory(this.frames(this.options.fadeIn)) : null;
      this.phaseValue = "playing";
      this.startedAt = now;
      if (created !== null) {
        this.current = created;
        this.starts += 1;
        this.addVoice(created);
      }
    } else if (phase === "releasing" && now >= this.deadline) {
      if (voice === null) {
        this.phaseValue = "idle";
      } else if (this.options.resumeWithin > 0) {
        voice.pause(this.frames(this.options.fadeOut));
        this.phaseValue = "held";
        this.deadline = now + this.frames(this.options.resumeWithin);
      } else {
        voice.stop(this.frames(this.options.fadeOut));
        this.current = null;
        this.phaseValue = "idle";
      }
    } else if (phase === "held" && now >= this.deadline) {
      voice?.stop(0); // already silent: a paused voice simply finishes
      this.current = null;
      this.phaseValue = "idle";
    }
  }
}
