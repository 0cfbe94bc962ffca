/** WavFileOutput: 16-bit PCM WAV written as the mix plays (header patched on close). */
import { closeSync, openSync, writeSync } from "node:fs";
import { OutputError } from "../errors.js";
import { writeWavHeader } from "../sources/wav.js";
import { type PacedOptions, PacedOutput } from "./paced.js";

export class WavFileOutput extends PacedOutput {
  readonly path: string;
  private fd: number | null = null;
  private dataBytes = 0;
  private pcm: Int16Array = new Int16Array(0);

  constructor(path: string, options: PacedOptions = {}) {
    super(options);
    this.path = path;
  }

  override async start(renderer: Parameters<PacedOutput["start"]>[0]): Promise<void> {
    try {
      this.fd = openSync(this.path, "w");
    } catch (error) {
      throw new OutputError(`cannot write WAV file '${this.path}': ${(error as Error).message}`);
    }
    writeSync(this.fd, new Uint8Array(44));
    await super.start(renderer);
  }

  protected deliver(block: Float32Array): void {
    if (this.fd === null) return;
    if (this.pcm.length !== block.length) this.pcm = new Int16Array(block.length);
    const pcm = this.pcm;
    for (let i = 0; i < block.length; i++) {
      const v = block[i] as number;
      pcm[i] = Math.round((v > 1 ? 1 : Math.max(v, -1)) * 32767);
    }
    // A block is a few KB: a synchronous write is shorter than an async round trip.
    writeSync(this.fd, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    this.dataBytes += pcm.byteLength;
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.fd === null) return;
    const header = new Uint8Array(44);
    writeWavHeader(
      new DataView(header.buffer),
      this.format.sampleRate,
      this.format.numChannels,
      this.dataBytes,
    );
    writeSync(this.fd, header, 0, 44, 0);
    closeSync(this.fd);
    this.fd = null;
  }
}
