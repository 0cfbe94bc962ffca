/** Where the mix goes: the contract between the player (a Renderer) and an output. */
import type { AudioFormat } from "../format.js";

/** What an output pulls blocks from (the player). */
export interface Renderer {
  /** The next `n` frames, interleaved; the array is reused by the next call. */
  render(n: number): Float32Array;
  /** Apply queued changes; true when the next `n` frames need no waiting (offline). */
  prepare?(n: number): boolean;
  /** Called after a block was delivered, so handles whose sound ended can settle. */
  delivered?(): void;
}

/** An output the player can start: memory, file, null, offline, or a LiveKit room. */
export interface AudioOutput {
  readonly format: AudioFormat;
  /** Frames per block. */
  readonly frameSize: number;
  start(renderer: Renderer): Promise<void>;
  /** Frames a listener has received so far (handles settle against this). */
  deliveredFrames(): number;
  close(): Promise<void>;
  /**
   * Most ms the player's `close()` waits for this output to deliver the mix's closing fade
   * (5 ms) before stopping it anyway; 0 for one that renders only when told to (offline).
   * Default: `closeFadePatienceMs(output)`.
   */
  readonly closeFadePatienceMs?: number;
  /**
   * Render and deliver `frames` at once, off the pace (the closing fade, so that closing
   * need not wait for a block); false when this output cannot (its next block carries it).
   */
  renderNow?(frames: number): boolean;
}

/**
 * The closing fade's default patience: a pulling output delivers it within a block or two,
 * so the bound is met only by one that stopped pulling; it is generous so that a busy
 * machine's late event loop does not turn the fade into a cut.
 */
export function closeFadePatienceMs(output: AudioOutput, aheadMs = 0): number {
  return 1000 + (3 * output.frameSize * 1000) / output.format.sampleRate + aheadMs;
}

export function isAudioOutput(value: unknown): value is AudioOutput {
  const v = value as Partial<AudioOutput> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.start === "function" &&
    typeof v.deliveredFrames === "function" &&
    typeof v.close === "function" &&
    typeof v.frameSize === "number"
  );
}
