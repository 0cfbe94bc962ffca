/**
 * A peak limiter: the mix never clips hard, and a loud moment is turned down smoothly.
 *
 * Instant-attack gain computed per block from the block's peak, reached over a short ramp at
 * the start of the block; an exact ceiling guard catches what the ramp lets through; release
 * is a smooth return toward unity. When the mix stays under the ceiling this costs one scan.
 */
export class Limiter {
  readonly ceiling: number;
  gain = 1;
  private readonly attackFrames: number;
  private readonly releasePerFrame: number;

  constructor(sampleRate: number, options: { ceilingDb?: number; attack?: number; release?: number } = {}) {
    this.ceiling = Math.fround(10 ** ((options.ceilingDb ?? -1) / 20));
    this.attackFrames = Math.max(1, Math.trunc((options.attack ?? 0.002) * sampleRate));
    this.releasePerFrame = Math.exp(-1 / ((options.release ?? 0.15) * sampleRate));
  }

  get reductionDb(): number {
    return this.gain > 0 ? -20 * Math.log10(this.gain) : Number.POSITIVE_INFINITY;
  }

  /** Limit interleaved `block` of `n` frames in place. */
  process(block: Float32Array, n: number, channels: number): void {
    if (n === 0) return;
    const len = n * channels;
    let peak = 0;
    for (let i = 0; i < len; i++) {
      const a = Math.abs(block[i] as number);
      if (a > peak) peak = a;
    }
    const ceiling = this.ceiling;
    if (this.gain >= 1 && peak <= ceiling) return;
    const wanted = peak > 0 ? Math.min(1, ceiling / peak) : 1;
    const start = this.gain;
    let end: number;
    let rampLen: number;
    if (wanted < start) {
      end = wanted; // attack: reach the needed gain within a couple of milliseconds
      rampLen = Math.min(n, this.attackFrames);
    } else {
      end = Math.min(wanted, 1 - (1 - start) * this.releasePerFrame ** n);
      rampLen = n;
    }
    for (let i = 0, j = 0; i < n; i++) {
      const g = Math.fround(i < rampLen ? start + ((end - start) * (i + 1)) / rampLen : end);
      for (let c = 0; c < channels; c++, j++) {
        let v = (block[j] as number) * g;
        if (v > ceiling)
          v = ceiling; // only the attack ramp can exceed
        else if (v < -ceiling) v = -ceiling;
        block[j] = v;
      }
    }
    this.gain = end;
  }
}
