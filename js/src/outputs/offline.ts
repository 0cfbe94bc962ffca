/**
 * Offline rendering: drive a player as fast as the CPU allows, deterministically.
 *
 * An OfflineRenderer is an output you advance by hand. Between advances, change states and
 * call `play()`/`stop()`; each change is heard from the next block. Before each block it waits
 * for any decoding the block needs, so the same script and seed always give the same samples.
 */
import { OutputError, PlayerStateError } from "../errors.js";
import { AudioFormat, validateFrameDuration } from "../format.js";
import { concat } from "./memory.js";
import type { AudioOutput, Renderer } from "./output.js";

const DATA_TIMEOUT_MS = 60_000;

export interface OfflineOptions {
  sampleRate?: number;
  numChannels?: number;
  frameDuration?: number;
  /** Keep every block for `audio()` (default true). */
  keepAudio?: boolean;
}

export class OfflineRenderer implements AudioOutput {
  readonly format: AudioFormat;
  readonly frameSize: number;
  /** Called with every block (interleaved, reused after the call). */
  onBlock: ((block: Float32Array) => void) | null = null;
  /** It renders only in `advance()`: a closing player has nothing to wait for. */
  readonly closeFadePatienceMs = 0;
  private renderer: Renderer | null = null;
  private blocks: Float32Array[] = [];
  private readonly keep: boolean;
  private frames = 0;

  constructor(options: OfflineOptions = {}) {
    this.format = new AudioFormat(options.sampleRate ?? 48000, options.numChannels ?? 1);
    this.frameSize = this.format.frames(validateFrameDuration(options.frameDuration ?? 0.02));
    this.keep = options.keepAudio ?? true;
  }

  async start(renderer: Renderer): Promise<void> {
    this.renderer = renderer;
  }

  deliveredFrames(): number {
    return this.frames;
  }

  /** Seconds rendered so far. */
  get time(): number {
    return this.frames / this.format.sampleRate;
  }

  /** Render `seconds` more audio (whole blocks; the last one may be shorter). */
  async advance(seconds: number): Promise<void> {
    const renderer = this.renderer;
    if (renderer === null)
      throw new PlayerStateError("start the player with this renderer before advancing it");
    const target = this.frames + this.format.frames(seconds);
    while (this.frames < target) {
      const n = Math.min(this.frameSize, target - this.frames);
      await this.waitForData(renderer, n);
      const block = renderer.render(n);
      this.onBlock?.(block);
      if (this.keep) this.blocks.push(block.slice());
      this.frames += n;
      renderer.delivered?.();
      await new Promise<void>((resolve) => setImmediate(resolve)); // let feeders and handles run
    }
  }

  private async waitForData(renderer: Renderer, n: number): Promise<void> {
    if (renderer.prepare === undefined) return;
    const deadline = performance.now() + DATA_TIMEOUT_MS;
    while (!renderer.prepare(n)) {
      if (performance.now() > deadline)
        throw new OutputError(`a source gave no audio for ${DATA_TIMEOUT_MS / 1000} s`);
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
  }

  /** All rendered audio, interleaved float32. */
  audio(): Float32Array {
    return concat(this.blocks);
  }

  async close(): Promise<void> {
    this.renderer = null;
  }
}
