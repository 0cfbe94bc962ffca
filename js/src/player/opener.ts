/** Opening a chosen sound as a playback: a cached clip, or a stream fed by a task. */
import { isFrameIterable, type ResolvedConfig } from "../config.js";
import { ClipPlayback, type Playback, StreamPlayback } from "../engine/playback.js";
import { DECLICK_SECONDS } from "../engine/voice.js";
import { DecodeError, StreamError } from "../errors.js";
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
  /** Iterators that play again (cues): each has one buffer, read on turn after turn. */
  private readonly shared = new Map<object, StreamBuffer>();

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
      return new StreamPlayback(this.feed(source));
    }
    const clip = this.clip(config);
    return new ClipPlayback(clip, { loop, overlap: loop ? this.overlapFrames(config) : 0 });
  }

  /**
   * A playback for a sound that plays on every occasion (a thinking or tool cue).
   *
   * Files open as with `open`. An async iterator is one stream: each turn reads on from where
   * the last one stopped, and it loops only if it loops itself (as LiveKit's player plays the
   * same iterator on every thought). One that has ended, or failed, throws a StreamError.
   */
  openAgain(config: ResolvedConfig, loop: boolean): Playback {
    const source = config.source;
    if (!isFrameIterable(source)) return this.open(config, loop);
    let buffer = this.shared.get(source);
    if (buffer === undefined) {
      buffer = this.feed(source);
      this.shared.set(source, buffer);
    }
    if (buffer.ended && buffer.buffered === 0) {
      throw (
        buffer.error ??
        new StreamError(
          `${buffer.name} has ended: an iterator given for a sound that plays again is read on from where it stopped, and it has nothing left; make it loop itself`,
          buffer.name,
        )
      );
    }
    return new StreamPlayback(buffer);
  }

  /** A buffer at the output format, filled from `source` by a feeder this opener owns. */
  private feed(source: AsyncIterable<unknown>): StreamBuffer {
    const buffer = new StreamBuffer(this.format, `async iterator ${iteratorKind(source)}`);
    const abort = new AbortController();
    const feeder: Promise<void> = feedStream(source, buffer, abort.signal).finally(() =>
      this.feeders.delete(feeder),
    );
    this.feeders.set(feeder, { abort, buffer });
    return buffer;
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

/** "AsyncGenerator", a class name, or "object": generator objects have no constructor name. */
function iteratorKind(source: object): string {
  const tag = (source as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (typeof tag === "string" && tag !== "") return tag;
  return source.constructor?.name || "object";
}
