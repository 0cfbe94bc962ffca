/** MemoryOutput: keeps what a listener heard, for tests and analysis. */
import { PacedOutput } from "./paced.js";

/** Blocks joined end to end. */
export function concat(blocks: readonly Float32Array[]): Float32Array {
  let total = 0;
  for (const b of blocks) total += b.length;
  const out = new Float32Array(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export class MemoryOutput extends PacedOutput {
  private blocks: Float32Array[] = [];

  protected deliver(block: Float32Array): void {
    this.blocks.push(block.slice());
  }

  /** Everything delivered so far, interleaved float32. */
  audio(): Float32Array {
    return concat(this.blocks);
  }
}
