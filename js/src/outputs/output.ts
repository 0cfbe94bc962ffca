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
