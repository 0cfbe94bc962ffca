/**
 * Ducking: the bed (ambience and cues) dips under speech with an attack and a release.
 *
 * The agent's speech is known from its state, or, where an integration can hear the agent's
 * audio, from its measured level with a short hold so the bed follows the words rather than
 * the whole turn. The user's speech can duck the bed too.
 */
import type { Gain } from "./ramp.js";
import { Scratch } from "./ramp.js";

/** How far and how fast the bed dips (seconds and dB). */
export interface Ducking {
  amountDb: number;
  attack: number;
  release: number;
  underUser: boolean;
  userAmountDb: number;
  thresholdDb: number;
  hold: number;
}

/**
 * The defaults lower the bed by 8 dB: enough for speech to stand clear, not so much that the
 * room "disappears" between words; 80 ms attack is quicker than a syllable; 600 ms release
 * brings the room back gently instead of pumping in speech pauses.
 */
export const DEFAULT_DUCKING: Readonly<Ducking> = Object.freeze({
  amountDb: 8,
  attack: 0.08,
  release: 0.6,
  underUser: false,
  userAmountDb: 4,
  thresholdDb: -45,
  hold: 0.3,
});

const LIMITS: ReadonlyArray<[keyof Ducking, number, number]> = [
  ["amountDb", 0, 60],
  ["userAmountDb", 0, 60],
  ["attack", 0.001, 5],
  ["release", 0.001, 10],
  ["hold", 0, 5],
  ["thresholdDb", -100, 0],
];

/** Complete and check ducking settings; `true` gives the defaults, `false`/`null` none. */
export function resolveDucking(value: Partial<Ducking> | boolean | null | undefined): Ducking | null {
  if (value === undefined || value === true) return { ...DEFAULT_DUCKING };
  if (value === false || value === null) return null;
  if (typeof value !== "object") {
    throw new TypeError(`ducking must be true, false or an object of settings, got ${typeof value}`);
  }
  const known = new Set<string>(Object.keys(DEFAULT_DUCKING));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new TypeError(`ducking has no setting '${key}'; known: ${[...known].join(", ")}`);
    }
  }
  const settings: Ducking = { ...DEFAULT_DUCKING, ...value };
  for (const [name, low, high] of LIMITS) {
    const v = settings[name];
    if (typeof v !== "number" || !(v >= low && v <= high)) {
      throw new RangeError(`Ducking.${name} must be between ${low} and ${high}, got ${String(v)}`);
    }
  }
  return settings;
}

/** Turns speech activity into a bed gain, moving in dB at the attack and release rates. */
export class Ducker {
  readonly settings: Ducking | null;
  readonly sampleRate: number;
  gainDb = 0;
  agentSpeaking = false;
  userSpeaking = false;
  private sidechainSeen = false;
  private holdFramesLeft = 0;
  private readonly scratch = new Scratch();

  constructor(settings: Ducking | null, sampleRate: number) {
    this.settings = settings;
    this.sampleRate = sampleRate;
  }

  /** The measured level of the agent's own audio over the last `frames` frames. */
  feedLevel(levelDb: number, frames: number): void {
    const s = this.settings;
    if (s === null) return;
    this.sidechainSeen = true;
    if (levelDb > s.thresholdDb) this.holdFramesLeft = Math.trunc(s.hold * this.sampleRate);
    else this.holdFramesLeft = Math.max(0, this.holdFramesLeft - frames);
  }

  private targetDb(s: Ducking): number {
    const agent = this.sidechainSeen ? this.holdFramesLeft > 0 : this.agentSpeaking;
    if (agent) return -s.amountDb;
    if (s.underUser && this.userSpeaking) return -s.userAmountDb;
    return 0;
  }

  /** The bed gain for the next `n` frames. */
  advance(n: number): Gain {
    const s = this.settings;
    if (s === null) return 1;
    const target = this.targetDb(s);
    const current = this.gainDb;
    if (current === target) return current === 0 ? 1 : 10 ** (current / 20);
    const goingDown = target < current;
    const seconds = goingDown ? s.attack : s.release;
    const fullRange = Math.max(s.amountDb, s.userAmountDb, 1e-9);
    const step = fullRange / (seconds * this.sampleRate);
    const out = this.scratch.get(n);
    let db = current;
    for (let i = 0; i < n; i++) {
      db = goingDown
        ? Math.max(current - (i + 1) * step, target)
        : Math.min(current + (i + 1) * step, target);
      out[i] = 10 ** (db / 20);
    }
    this.gainDb = db;
    return out;
  }

  get gain(): number {
    return 10 ** (this.gainDb / 20);
  }
}
