/** NullOutput: renders in real time and discards (benchmarks, dry runs). */
import { PacedOutput } from "./paced.js";

export class NullOutput extends PacedOutput {
  protected deliver(_block: Float32Array): void {}
}
