/**
 * A decoded clip: interleaved float32 frames at the output format, shared by every voice.
 *
 * A clip is created at once and filled when its decode (on a worker thread) finishes; voices
 * that reach it earlier wait without sound, as a starved voice does. Loop seams (what a
 * crossfaded loop plays at its end) are computed once per overlap and kept with the clip.
 */
import type { SourceError } from "../errors.js";
import type { AudioFormat } from "../format.js";

export class Clip {
  readonly format: AudioFormat;
  readonly name: string;
  /** Loudness normalisation gain, applied by voices (measured once). */
  gain = 1;
  /** Largest absolute sample: lets the mixer skip the limiter. */
  peak = 0;
  /** The same for the crossfaded loop seams computed so far. */
  seamPeak = 0;
  private data: Float32Array = new Float32Array(0);
  private done = false;
  private failure: SourceError | null = null;
  private readonly seams = new Map<number, Float32Array>();
  private readonly waiters: Array<() => void> = [];

  constructor(format: AudioFormat, name: string) {
    this.format = format;
    this.name = name;
  }

  /** A complete clip around interleaved `data`. */
  static fromArray(format: AudioFormat, name: string, data: Float32Array): Clip {
    const clip = new Clip(format, name);
    clip.finish(data);
    return clip;
  }

  /**
   * Fill the clip (or fail it); wakes everything waiting for it. `peak` is the largest
   * absolute sample if the caller knows it (the decoder thread measures it), else measured.
   */
  finish(data: Float32Array | null, error: SourceError | null = null, peak?: number): void {
    if (this.done) return;
    if (data !== null && error === null) {
      this.data = data;
      this.peak = peak ?? peakOf(data);
    }
    this.failure = error;
    this.done = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  get complete(): boolean {
    return this.done;
  }

  get error(): SourceError | null {
    return this.failure;
  }

  /** Frames decoded (0 until the decode completes). */
  get available(): number {
    return this.data.length / this.format.numChannels;
  }

  get duration(): number {
    return this.available / this.format.sampleRate;
  }

  get byteLength(): number {
    let bytes = this.data.byteLength;
    for (const seam of this.seams.values()) bytes += seam.byteLength;
    return bytes;
  }

  /** Every frame, interleaved. */
  frames(): Float32Array {
    return this.data;
  }

  /** Resolves once the clip is complete or failed. */
  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * The crossfaded seam of a loop with an `overlap`-frame overlap (interleaved, `overlap`
   * frames), kept with the clip and shared by every voice.
   *
   * A looping voice plays the clip's first `overlap` frames once, then a body over and over:
   * the clip's frames from `overlap` to `n - overlap`, then this seam, in which the clip's last
   * `overlap` frames fade out while its first `overlap` frames fade in, so the body's end flows
   * into its own start. The curve adapts to the material: equal-power for uncorrelated sound,
   * equal-gain where tail and head are alike (a tone), so the level holds across the seam.
   * Only the seam is stored, not a second copy of the clip.
   */
  loopSeam(overlapFrames: number): Float32Array {
    const ch = this.format.numChannels;
    const n = this.available;
    const overlap = Math.max(0, Math.min(overlapFrames, Math.floor(n / 2)));
    const cached = this.seams.get(overlap);
    if (cached !== undefined) return cached;
    const data = this.data;
    const seam = new Float32Array(overlap * ch);
    const tail = data.subarray((n - overlap) * ch);
    const head = data.subarray(0, overlap * ch);
    const w = correlationWeight(tail, head);
    let seamPeak = this.seamPeak;
    for (let i = 0; i < overlap; i++) {
      const t = (i + 0.5) / overlap;
      const fadeIn = Math.fround((1 - w) * Math.sin((t * Math.PI) / 2) + w * t);
      const fadeOut = Math.fround((1 - w) * Math.cos((t * Math.PI) / 2) + w * (1 - t));
      for (let c = 0; c < ch; c++) {
        const j = i * ch + c;
        const v = (tail[j] as number) * fadeOut + (head[j] as number) * fadeIn;
        seam[j] = v;
        const a = Math.abs(v);
        if (a > seamPeak) seamPeak = a;
      }
    }
    this.seamPeak = seamPeak;
    if (this.done) this.seams.set(overlap, seam);
    return seam;
  }
}

/** The largest absolute sample. */
export function peakOf(data: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i] as number);
    if (a > peak) peak = a;
  }
  return peak;
}

/** 0 for uncorrelated tail and head (equal power), up to 1 for alike ones (equal gain). */
function correlationWeight(tail: Float32Array, head: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < tail.length; i++) {
    const a = tail[i] as number;
    const b = head[i] as number;
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  const denom = Math.sqrt(aa * bb);
  const r = denom > 0 ? ab / denom : 0;
  return Math.min(Math.max(r, 0), 1);
}
