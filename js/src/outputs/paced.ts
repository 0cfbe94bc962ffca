/** Base of outputs paced by the shared clock (memory, WAV file, null). */
import { AudioFormat, validateFrameDuration } from "../format.js";
import { ClockClient, sharedClock } from "./clock.js";
import type { AudioOutput, Renderer } from "./output.js";

export interface PacedOptions {
  sampleRate?: number;
  numChannels?: number;
  /** Seconds per block, 0.01 to 0.1 (default 0.02). */
  frameDuration?: number;
}

export abstract class PacedOutput implements AudioOutput {
  readonly format: AudioFormat;
  readonly frameSize: number;
  protected renderer: Renderer | null = null;
  private client: ClockClient | null = null;
  private frames = 0;

  constructor(options: PacedOptions = {}) {
    this.format = new AudioFormat(options.sampleRate ?? 48000, options.numChannels ?? 1);
    const duration = validateFrameDuration(options.frameDuration ?? 0.02);
    this.frameSize = this.format.frames(duration);
  }

  /** What to do with each block (interleaved, reused after the call). */
  protected abstract deliver(block: Float32Array): void;

  async start(renderer: Renderer): Promise<void> {
    this.renderer = renderer;
    this.client = new ClockClient(this.frameSize / this.format.sampleRate, () => this.tick());
    sharedClock.add(this.client);
  }

  /** Blocks rendered late enough that the clock skipped ahead. */
  get underruns(): number {
    return this.client?.underruns ?? 0;
  }

  private tick(): void {
    this.renderNow(this.frameSize);
  }

  /** A few ms ahead of the clock's grid (the closing fade): nobody hears a block come early. */
  renderNow(frames: number): boolean {
    const renderer = this.renderer;
    if (renderer === null) return false;
    this.deliver(renderer.render(frames));
    this.frames += frames;
    renderer.delivered?.();
    return true;
  }

  deliveredFrames(): number {
    return this.frames;
  }

  async close(): Promise<void> {
    if (this.client !== null) sharedClock.remove(this.client);
    this.client = null;
    this.renderer = null;
  }
}
