/**
 * Gain that moves smoothly: linear ramps, and equal-power fades built on them.
 *
 * A ramp advances one block at a time and returns either a plain number (when it is still, the
 * common and cheap case) or one gain per frame (while it moves), so nothing ever steps. A
 * returned array belongs to the ramp and is valid until its next `advance`.
 */

import { roundHalfEven } from "../format.js";

/** A block's gain: one value for the whole block, or one per frame. */
export type Gain = number | Float32Array;

/** A reusable Float32Array of at least `n` elements. */
export class Scratch {
  private buffer: Float32Array = new Float32Array(0);

  get(n: number): Float32Array {
    if (this.buffer.length < n) this.buffer = new Float32Array(Math.max(n, 2 * this.buffer.length));
    return this.buffer.subarray(0, n);
  }
}

/** A value that moves in a straight line to a target over a given number of frames. */
export class LinearRamp {
  value: number;
  target: number;
  private step = 0;
  private readonly scratch = new Scratch();

  constructor(value: number) {
    this.value = value;
    this.target = value;
  }

  get moving(): boolean {
    return this.step !== 0;
  }

  set(target: number, frames: number): void {
    this.target = target;
    if (frames <= 0 || target === this.value) {
      this.value = target;
      this.step = 0;
    } else {
      this.step = (target - this.value) / frames;
    }
  }

  /** Gains for the next `n` frames (frame i gets the value after i+1 steps). */
  advance(n: number): Gain {
    const step = this.step;
    if (step === 0) return this.value;
    const out = this.scratch.get(n);
    const start = this.value;
    const target = this.target;
    let v = start;
    if (step > 0) {
      for (let i = 0; i < n; i++) {
        v = start + step * (i + 1);
        if (v > target) v = target;
        out[i] = v;
      }
    } else {
      for (let i = 0; i < n; i++) {
        v = start + step * (i + 1);
        if (v < target) v = target;
        out[i] = v;
      }
    }
    this.value = v;
    if (v === target) this.step = 0;
    return out;
  }
}

const HALF_PI = Math.PI / 2;

/**
 * Fade position p in [0, 1] moving linearly; the gain is sin(p * pi/2).
 *
 * Fading in and out along a quarter sine keeps the summed power of two crossfading
 * uncorrelated sounds constant, and reversing mid-fade continues from the current gain.
 */
export class EqualPowerFade {
  private readonly pos: LinearRamp;
  private readonly scratch = new Scratch();

  constructor(start: number) {
    this.pos = new LinearRamp(start);
  }

  get position(): number {
    return this.pos.value;
  }

  get target(): number {
    return this.pos.target;
  }

  get moving(): boolean {
    return this.pos.moving;
  }

  /** Move to `target` (0 or 1) at a speed where a full fade takes `frames` frames. */
  to(target: number, frames: number): void {
    const distance = Math.abs(target - this.pos.value);
    this.pos.set(target, distance ? Math.max(1, roundHalfEven(frames * distance)) : 0);
  }

  advance(n: number): Gain {
    const p = this.pos.advance(n);
    if (typeof p === "number") return p >= 1 ? 1 : Math.sin(p * HALF_PI);
    const out = this.scratch.get(n);
    for (let i = 0; i < n; i++) out[i] = Math.sin((p[i] as number) * HALF_PI);
    return out;
  }
}

/** Product of two block gains into `into` (or a plain number when both are numbers). */
export function multiplyGains(a: Gain, b: Gain, into: Scratch): Gain {
  if (typeof a === "number" && typeof b === "number") return a * b;
  if (typeof a === "number") return scaleInto(b as Float32Array, a, into);
  if (typeof b === "number") return scaleInto(a, b, into);
  const n = Math.min(a.length, b.length);
  const out = into.get(n);
  for (let i = 0; i < n; i++) out[i] = (a[i] as number) * (b[i] as number);
  return out;
}

function scaleInto(a: Float32Array, k: number, into: Scratch): Float32Array {
  const out = into.get(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) * k;
  return out;
}
