/** Measuring sound in tests: levels in dB, generated signals, WAV fixtures in a temp dir. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWav16 } from "../src/sources/wav.js";

export function rmsDb(x: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) ** 2;
  const rms = Math.sqrt(sum / Math.max(1, x.length));
  return rms > 0 ? 20 * Math.log10(rms) : Number.NEGATIVE_INFINITY;
}

export function peak(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) p = Math.max(p, Math.abs(x[i] as number));
  return p;
}

/** Level of `x` (mono) between two times, in dB. */
export function levelAt(x: Float32Array, rate: number, from: number, to: number): number {
  return rmsDb(x.subarray(Math.round(from * rate), Math.round(to * rate)));
}

/** Largest sample-to-sample step of a mono signal within [from, to) frames. */
export function maxStep(x: Float32Array, from = 1, to = x.length): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++)
    m = Math.max(m, Math.abs((x[i] as number) - (x[i - 1] as number)));
  return m;
}

export function sine(freq: number, seconds: number, rate: number, amplitude = 0.5): Float32Array {
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

/** Deterministic white noise (a linear congruential generator), uniform in [-a, a]. */
export function noise(seconds: number, rate: number, amplitude = 0.3, seed = 1): Float32Array {
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = amplitude * ((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "roomtone-js-"));
}

/** Write interleaved samples as a 16-bit WAV in `dir`; returns its path. */
export function writeWav(
  dir: string,
  name: string,
  samples: Float32Array,
  rate = 48000,
  channels = 1,
): string {
  const path = join(dir, name);
  writeFileSync(path, encodeWav16(samples, rate, channels));
  return path;
}

export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** Polls `condition` every 10 ms; a hang guard (not a speed claim) fails after `guardMs`. */
export async function until(condition: () => boolean, what: string, guardMs = 20_000): Promise<void> {
  const deadline = performance.now() + guardMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`hang guard: never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** How a mono signal ends: the closing fade, measured. */
export interface FadeShape {
  /** Exact zeros at the end (the silence after the fade). */
  trailingZeros: number;
  /** Level of the 10 ms before the fade, and of the fade itself (dB). */
  beforeDb: number;
  fadeDb: number;
  /** Largest sample step over the last 10 ms and the fade, the end followed by silence. */
  lastStep: number;
  /** Every fade sample within the line falling from `amplitude` to 0 (16-bit rounding allowed). */
  envelopeOk: boolean;
}

/** Measure the end of `x` against a linear fade of `fade` frames from `amplitude` to 0. */
export function closingFadeShape(x: Float32Array, amplitude: number, fade: number): FadeShape {
  let end = x.length;
  while (end > 0 && x[end - 1] === 0) end -= 1;
  const fadeStart = Math.max(0, end - (fade - 1)); // the fade's last frame has gain 0
  const before = Math.max(0, fadeStart - 480);
  const tail = new Float32Array(x.length - before + 1); // + the silence after the output stops
  tail.set(x.subarray(before));
  let envelopeOk = true;
  for (let i = fadeStart; i < end; i++) {
    if (Math.abs(x[i] as number) > (amplitude * (end - i)) / fade + 2 / 32767) envelopeOk = false;
  }
  return {
    trailingZeros: x.length - end,
    beforeDb: rmsDb(x.subarray(before, fadeStart)),
    fadeDb: rmsDb(x.subarray(fadeStart, fadeStart + fade)),
    lastStep: maxStep(tail),
    envelopeOk,
  };
}
