/** Opening a chosen sound as a playback: a cached clip, or a stream fed by a task. */
import { isFrameIterable, type ResolvedConfig } from "../config.js";
import { ClipPlayback, type Playback, StreamPlayback } from "../engine/playback.js";
import { DECLICK_SECONDS } from "../engine/voice.js";
import { DecodeError } from "../errors.js";
import type { AudioFormat } from "../format.js";
import type { ClipCache } from "../sources/cache.js";
import type { Clip } from "../sources/clip.js";
import { openClip } from "../sources/loader.js";
import { feedStream, StreamBuffer } from "../sources/stream.js";

/** Seconds of overlap at the loop seam of user files (built-ins loop seamlessly by design). */
export const DEFAULT_LOOP_CROSSFADE = 0.25;

const FEEDER_STOP_TIMEOUT_MS = 1000;

/** Opens sounds at one output format and owns the feeders of stream sources. */
export class SoundOpener {
  readonly format: AudioFormat;
  private readonly cache: ClipCache | undefined;
  private readonly feeders = new Map<Promise<void>, { abort: AbortController; buffer: StreamBuffer }>();

  constructor(format: AudioFormat, cache: ClipCache | undefined) {
    this.format = format;
    this.cache = cache;
  }

  /** The decoded (or decoding) clip of a file source; throws at once if it is missing. */
  clip(config: ResolvedConfig): Clip {
    return openClip(config.source as string, this.format, {
      targetLufs: config.targetLufs,
      cache: this.cache,
    });
  }

  /**
   * The clip once decoded. Rejects with the decode error of a file that exists but does not
   * decode (a text file named .mp3, a corrupt file) and refuses one that holds no audio, so
   * `start()` fails loudly instead of playing silence.
   */
  async checkedClip(config: ResolvedConfig): Promise<Clip> {
    const clip = this.clip(config);
    await clip.whenDone(); // decoded on the worker thread; the event loop stays free
    if (clip.error !== null) throw clip.error;
    if (clip.available === 0) {
      throw new DecodeError(
        `'${clip.name}' holds no audio (0 frames); give a file with sound in it`,
        clip.name,
      );
    }
    return clip;
  }

  overlapFrames(config: ResolvedConfig): number {
    const seconds = config.loopCrossfade ?? (config.builtin ? DECLICK_SECONDS : DEFAULT_LOOP_CROSSFADE);
    return this.format.frames(Math.max(seconds, DECLICK_SECONDS));
  }

  open(config: ResolvedConfig, loop: boolean): Playback {
    const source = config.source;
    if (isFrameIterable(source)) {
      if (loop) {
        throw new TypeError(
          "loop=true cannot be used with an async iterator source; loop inside your iterator, or pass a file path",
        );
      }
      const name = `async iterator ${(source as object).constructor?.name ?? "object"}`;
      const buffer = new StreamBuffer(this.format, name);
      const abort = new AbortController();
      const feeder: Promise<void> = feedStream(source, buffer, abort.signal).finally(() =>
        this.feeders.delete(feeder),
      );
      this.feeders.set(feeder, { abort, buffer });
      return new StreamPlayback(buffer);
    }
    const clip = this.clip(config);
    return new ClipPlayback(clip, { loop, overlap: loop ? this.overlapFrames(config) : 0 });
  }

  /** A voice on this playback finished: stop its feeder (if it is a stream). */
  release(playback: Playback): void {
    if (!(playback instanceof StreamPlayback)) return;
    for (const { abort, buffer } of this.feeders.values()) {
      if (buffer === playback.buffer) {
        abort.abort();
        buffer.release();
      }
    }
  }

  /** Stop stream feeders and wait (bounded) for them to exit. */
  async close(): Promise<void> {
    const feeders = [...this.feeders];
    for (const [, { abort, buffer }] of feeders) {
      abort.abort();
      buffer.release();
    }
    if (feeders.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FEEDER_STOP_TIMEOUT_MS);
    });
    await Promise.race([Promise.allSettled(feeders.map(([p]) => p)), timeout]);
    clearTimeout(timer);
  }
}
