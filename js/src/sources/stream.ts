/**
 * Async-iterable sources: frames from any producer (an rtc-node AudioFrame, or anything with
 * `data`, `sampleRate`, `channels`, `samplesPerChannel`) converted to the output format and
 * queued for the mixer. The feeder stays at most a second ahead, waiting without polling.
 */
import { SourceError, StreamError } from "../errors.js";
import type { AudioFormat } from "../format.js";
import { remix, StreamResampler } from "./resample.js";

/** The shape of `@livekit/rtc-node`'s AudioFrame (Int16 PCM), or float samples. */
export interface AudioFrameLike {
  data: Int16Array | Float32Array;
  sampleRate: number;
  channels: number;
  samplesPerChannel: number;
}

const MAX_BUFFERED_SECONDS = 1;

/** A FIFO of interleaved frames at the output format, with an end and an error. */
export class StreamBuffer {
  readonly format: AudioFormat;
  readonly name: string;
  error: SourceError | null = null;
  private chunks: Float32Array[] = [];
  private offset = 0; // samples already read from the first chunk
  private frames = 0;
  private done = false;
  private spaceWaiter: { below: number; wake: () => void } | null = null;

  constructor(format: AudioFormat, name: string) {
    this.format = format;
    this.name = name;
  }

  get buffered(): number {
    return this.frames;
  }

  get ended(): boolean {
    return this.done;
  }

  push(chunk: Float32Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.frames += chunk.length / this.format.numChannels;
  }

  finish(error: SourceError | null = null): void {
    this.error = error;
    this.done = true;
  }

  /** Copy up to `n` frames into `out`; returns how many were copied. */
  readInto(out: Float32Array, n: number): number {
    const ch = this.format.numChannels;
    const want = n * ch;
    let done = 0;
    while (done < want && this.chunks.length > 0) {
      const head = this.chunks[0] as Float32Array;
      const take = Math.min(want - done, head.length - this.offset);
      out.set(head.subarray(this.offset, this.offset + take), done);
      done += take;
      this.offset += take;
      if (this.offset === head.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    const frames = done / ch;
    this.frames -= frames;
    const waiter = this.spaceWaiter;
    if (waiter !== null && this.frames < waiter.below) {
      this.spaceWaiter = null;
      waiter.wake();
    }
    return frames;
  }

  /** Resolves once fewer than `limit` frames are buffered (or the stream was stopped). */
  waitForSpace(limit: number): Promise<void> {
    if (this.frames < limit || this.done) return Promise.resolve();
    return new Promise((resolve) => {
      this.spaceWaiter = { below: limit, wake: resolve };
    });
  }

  /** Wake a feeder waiting for space (the sound was stopped). */
  release(): void {
    const waiter = this.spaceWaiter;
    this.spaceWaiter = null;
    waiter?.wake();
  }
}

function frameSamples(
  frame: unknown,
  origin: string,
): { samples: Float32Array; rate: number; channels: number } {
  const f = frame as Partial<AudioFrameLike> | null;
  if (
    f === null ||
    typeof f !== "object" ||
    !(f.data instanceof Int16Array || f.data instanceof Float32Array)
  ) {
    const kind = f === null ? "null" : typeof f === "object" ? (f.constructor?.name ?? "object") : typeof f;
    throw new StreamError(
      `${origin} yielded ${kind}; expected an AudioFrame (data, sampleRate, channels, samplesPerChannel)`,
      origin,
    );
  }
  const channels = f.channels ?? 0;
  const rate = f.sampleRate ?? 0;
  if (!(channels >= 1) || !(rate > 0)) {
    throw new StreamError(
      `${origin} yielded a frame with ${channels} channels at ${rate} Hz; expected at least one channel and a positive sample rate`,
      origin,
    );
  }
  const count = Math.min(f.data.length, (f.samplesPerChannel ?? f.data.length / channels) * channels);
  const samples = new Float32Array(count);
  if (f.data instanceof Int16Array)
    for (let i = 0; i < count; i++) samples[i] = (f.data[i] as number) / 32768;
  else {
    for (let i = 0; i < count; i++) {
      const v = f.data[i] as number;
      samples[i] = Number.isFinite(v) ? Math.max(-16, Math.min(16, v)) : Number.isNaN(v) ? 0 : Math.sign(v);
    }
  }
  return { samples, rate, channels };
}

/** Pull frames from `iterable` into `buffer` until it ends, fails or `signal` aborts. */
export async function feedStream(
  iterable: AsyncIterable<unknown>,
  buffer: StreamBuffer,
  signal: AbortSignal,
): Promise<void> {
  const fmt = buffer.format;
  const limit = Math.trunc(MAX_BUFFERED_SECONDS * fmt.sampleRate);
  let resampler: StreamResampler | null = null;
  const iterator = iterable[Symbol.asyncIterator]();
  // A stopped sound must not wait for an iterator that never yields again.
  const aborted = new Promise<IteratorResult<unknown>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener("abort", () => resolve({ done: true, value: undefined }), { once: true });
  });
  try {
    while (!signal.aborted) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done || signal.aborted) break;
      const { samples, rate, channels } = frameSamples(next.value, buffer.name);
      const mixed = remix(samples, channels, fmt.numChannels);
      if (rate === fmt.sampleRate) buffer.push(mixed);
      else {
        if (resampler === null || resampler.inRate !== rate) {
          if (resampler !== null) buffer.push(resampler.flush());
          resampler = new StreamResampler(rate, fmt.sampleRate, fmt.numChannels);
        }
        buffer.push(resampler.convert(mixed));
      }
      await buffer.waitForSpace(limit);
    }
    if (resampler !== null && !signal.aborted) buffer.push(resampler.flush());
    buffer.finish();
  } catch (error) {
    if (error instanceof SourceError) buffer.finish(error);
    else {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      buffer.finish(new StreamError(`${buffer.name} raised ${text}`, buffer.name));
    }
  } finally {
    // Release the iterator without waiting: a generator stuck in an await answers later.
    if (signal.aborted) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
