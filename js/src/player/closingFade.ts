/**
 * The player's closing fade: the whole mix falls linearly to silence over the engine's
 * de-click ramp (5 ms), then every block is silence, so closing never cuts the mix with a
 * click. The player waits until the output has delivered `end` before stopping it.
 */
import type { Mixer } from "../engine/mixer.js";

export class ClosingFade {
  /** Frames the fade lasts (0: the mix was silent, nothing to fade). */
  readonly frames: number;
  /** The mix position at the end of the block holding the fade's last frame, once rendered. */
  end: number | null = null;
  private left: number;
  private readonly mixer: Mixer;
  private silence: Float32Array = new Float32Array(0);

  constructor(mixer: Mixer, frames: number) {
    this.mixer = mixer;
    this.frames = frames;
    this.left = frames;
  }

  /** The next `n` frames: the fading mix, then silence; the array is reused by the next call. */
  render(n: number): Float32Array {
    const ch = this.mixer.format.numChannels;
    if (this.left === 0) {
      if (this.silence.length < n * ch) this.silence = new Float32Array(n * ch);
      return this.silence.subarray(0, n * ch);
    }
    const block = this.mixer.render(n);
    const left = this.left;
    const total = this.frames;
    const k = Math.min(n, left);
    for (let i = 0, j = 0; i < k; i++) {
      const gain = (left - 1 - i) / total; // reaches 0 on the fade's last frame
      for (let c = 0; c < ch; c++, j++) block[j] = (block[j] as number) * gain;
    }
    block.fill(0, k * ch);
    this.left = left - k;
    if (this.left === 0) this.end = this.mixer.position;
    return block;
  }
}
