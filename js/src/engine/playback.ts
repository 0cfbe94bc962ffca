/**
 * Where a voice's samples come from: a clip (once, or looping with a crossfaded seam) or a
 * stream. Both answer `pull(n, scratch)` with up to `n` interleaved frames and set `ended`;
 * fewer frames without an end means the data is not decoded or received yet.
 */
import type { SourceError } from "../errors.js";
import type { Clip } from "../sources/clip.js";
import type { StreamBuffer } from "../sources/stream.js";

export interface Playback {
  /** Up to `n` frames (a view valid until the next pull); sets `ended`. */
  pull(n: number, scratch: Float32Array): Float32Array;
  readonly ended: boolean;
  /** True when the next `n` frames (or the end) are there, for offline rendering. */
  ready(n: number): boolean;
  readonly error: SourceError | null;
  readonly gain: number;
  /** An upper bound of the absolute sample values it will return (before gain). */
  readonly peak: number;
  /** True once `peak` can no longer change. */
  readonly peakFinal: boolean;
}

const EMPTY = new Float32Array(0);

/** Reads a clip once, or loops it: the first `overlap` frames once, then the loop body. */
export class ClipPlayback implements Playback {
  readonly clip: Clip;
  loop: boolean;
  readonly overlap: number;
  position: number;
  ended = false;
  private seam: Float32Array | null = null;
  private readonly channels: number;

  constructor(clip: Clip, options: { loop?: boolean; overlap?: number; start?: number } = {}) {
    this.clip = clip;
    this.loop = options.loop ?? false;
    this.overlap = Math.max(0, options.overlap ?? 0);
    this.position = Math.max(0, options.start ?? 0);
    this.channels = clip.format.numChannels;
  }

  get error(): SourceError | null {
    return this.clip.error;
  }

  get gain(): number {
    return this.clip.gain;
  }

  get peak(): number {
    const clip = this.clip;
    if (!this.loop) return clip.peak;
    if (!clip.complete) return Number.POSITIVE_INFINITY;
    this.prepareLoop();
    return Math.max(clip.peak, clip.seamPeak);
  }

  get peakFinal(): boolean {
    return this.clip.complete;
  }

  ready(_n: number): boolean {
    return this.clip.complete;
  }

  private prepareLoop(): Float32Array {
    if (this.seam === null) this.seam = this.clip.loopSeam(this.effectiveOverlap());
    return this.seam;
  }

  private effectiveOverlap(): number {
    return Math.min(this.overlap, Math.floor(this.clip.available / 2));
  }

  pull(n: number, scratch: Float32Array): Float32Array {
    const clip = this.clip;
    if (clip.error !== null) {
      this.ended = true;
      return EMPTY;
    }
    if (!clip.complete) return EMPTY;
    const ch = this.channels;
    const data = clip.frames();
    const total = data.length / ch;
    if (!this.loop || total === 0) {
      const k = Math.max(0, Math.min(n, total - this.position));
      const view = data.subarray(this.position * ch, (this.position + k) * ch);
      this.position += k;
      this.ended = this.position >= total;
      return view;
    }
    return this.pullLoop(n, scratch, data);
  }

  /**
   * The loop: the clip's first `overlap` frames once, then a body of `period` frames over and
   * over, made of the clip's frames [overlap, n - overlap) followed by the crossfaded seam.
   */
  private pullLoop(n: number, scratch: Float32Array, data: Float32Array): Float32Array {
    const ch = this.channels;
    const seam = this.prepareLoop();
    const overlap = this.effectiveOverlap();
    const total = data.length / ch;
    const direct = total - 2 * overlap; // body frames read straight from the clip
    const period = total - overlap;
    let pos = this.position;
    if (pos + n <= overlap) {
      this.position += n;
      return data.subarray(pos * ch, (pos + n) * ch);
    }
    let offset = pos < overlap ? -1 : (pos - overlap) % period;
    if (offset >= 0 && offset + n <= direct) {
      this.position = overlap + offset + n;
      return data.subarray((overlap + offset) * ch, (overlap + offset + n) * ch);
    }
    let done = 0;
    if (pos < overlap) {
      scratch.set(data.subarray(pos * ch, overlap * ch), 0);
      done = overlap - pos;
      offset = 0;
    }
    while (done < n) {
      let take: number;
      if (offset < direct) {
        take = Math.min(n - done, direct - offset);
        scratch.set(data.subarray((overlap + offset) * ch, (overlap + offset + take) * ch), done * ch);
      } else {
        take = Math.min(n - done, period - offset);
        const s = offset - direct;
        scratch.set(seam.subarray(s * ch, (s + take) * ch), done * ch);
      }
      done += take;
      offset = (offset + take) % period;
    }
    pos = overlap + offset;
    this.position = pos;
    return scratch.subarray(0, n * ch);
  }
}

/** Drains a StreamBuffer fed by an async iterable of audio frames. */
export class StreamPlayback implements Playback {
  readonly buffer: StreamBuffer;
  ended = false;

  constructor(buffer: StreamBuffer) {
    this.buffer = buffer;
  }

  get error(): SourceError | null {
    return this.buffer.error;
  }

  get gain(): number {
    return 1;
  }

  get peak(): number {
    return Number.POSITIVE_INFINITY; // frames from iterables can hold anything
  }

  get peakFinal(): boolean {
    return true;
  }

  ready(n: number): boolean {
    return this.buffer.ended || this.buffer.buffered >= n;
  }

  pull(n: number, scratch: Float32Array): Float32Array {
    const k = this.buffer.readInto(scratch, n);
    this.ended = this.buffer.ended && this.buffer.buffered === 0;
    return scratch.subarray(0, k * this.buffer.format.numChannels);
  }
}
