/** PlayHandle: follow, await, stop and re-level one sound. */
import { checkRange, MAX_VOLUME } from "../config.js";
import type { SourceError } from "../errors.js";

/** What awaiting a handle gives: how the sound ended (not itself awaitable). */
export interface PlayResult {
  /** True when `stop()` ended the sound before its end. */
  readonly interrupted: boolean;
  done(): true;
}

export interface HandleControls {
  stop(): void;
  setVolume(volume: number, ramp: number): void;
}

/**
 * A sound started by `play()` (or the ambience). Awaiting it waits until it has been heard:
 * `done()` turns true only when the end of the sound has been delivered by the output, not
 * merely generated (so `await handle.stop()` returns once the fade-out was heard). If the
 * sound failed (a decode error found late, an iterable that threw), awaiting it rejects with
 * that error; every other sound keeps playing.
 */
export class PlayHandle implements PromiseLike<PlayResult> {
  error: SourceError | null = null;
  private readonly finished: Promise<PlayResult>;
  private settle!: (result: PlayResult) => void;
  private isDone = false;
  private stopped = false;
  private readonly controls: HandleControls | null;

  constructor(controls: HandleControls | null = null) {
    this.controls = controls;
    this.finished = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** A handle for a draw that picked silence: already done. */
  static finished(): PlayHandle {
    const handle = new PlayHandle();
    handle.markDone();
    return handle;
  }

  /** True once the sound has been played out (or stopped, or failed). */
  done(): boolean {
    return this.isDone;
  }

  /**
   * Stop early, fading out over the sound's `fadeOut` (5 ms at least). Returns a promise
   * that resolves once the fade-out has been delivered; ignoring it is fine.
   */
  stop(): Promise<void> {
    if (!this.isDone && this.controls !== null) {
      this.stopped = true;
      this.controls.stop();
    }
    return this.finished.then(() => undefined);
  }

  /** Change the volume while playing, ramped over `ramp` seconds. */
  setVolume(volume: number, ramp = 0.1): void {
    checkRange("volume", volume, 0, MAX_VOLUME);
    checkRange("ramp", ramp, 0, 60);
    if (!this.isDone) this.controls?.setVolume(volume, ramp);
  }

  /** Wait until the sound has been heard to its end; rejects with the sound's error if any. */
  async waitForPlayout(): Promise<void> {
    await this.finished;
    if (this.error !== null) throw this.error;
  }

  // biome-ignore lint/suspicious/noThenProperty: awaiting a handle waits for its playout, as on LiveKit's page
  then<A = PlayResult, B = never>(
    onFulfilled?: ((value: PlayResult) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.finished
      .then((result) => {
        if (this.error !== null) throw this.error;
        return result;
      })
      .then(onFulfilled, onRejected);
  }

  /** @internal Called by the player when the sound's last frame was delivered. */
  markDone(error: SourceError | null = null): void {
    if (this.isDone) return;
    this.isDone = true;
    this.error = error;
    const interrupted = this.stopped;
    this.settle({ interrupted, done: () => true });
  }
}
