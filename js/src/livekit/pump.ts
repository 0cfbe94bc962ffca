/**
 * One capture pump per process: makes every room output's `captureFrame` calls.
 *
 * Why not one loop per output: each pending `captureFrame` of @livekit/rtc-node waits on the
 * FFI event emitter and is tested against *every* FFI event of the process, so N outputs with
 * their own loops cost O(N²) callbacks per block. The pump wakes once when outputs are due
 * (they keep their due times on a shared grid), then at most LANES captures run at a time,
 * one output after another. A capture that fails ends only its own output; a lane stuck in
 * a capture that never returns stops being counted after a second, so the others go on.
 */

/** Captures pending at once: more wakes more waiters per FFI event, fewer serialises. */
export const LANES = 2;
/** Outputs due within this many ms are served in the same wake-up. */
const WINDOW_MS = 10;
/** A lane whose capture has not returned for this long no longer counts as working. */
const STUCK_MS = 1000;

export interface Feed {
  busy: boolean;
  /** performance.now() at which the next block should be captured. */
  dueAt(): number;
  /** Render one block and capture it; rejects if the output cannot go on. */
  step(): Promise<void>;
  /** Its capture failed: stop feeding it (the pump has already dropped it). */
  fail(error: unknown): void;
}

export class Pump {
  /** Feeds align their due times to origin + k * block. */
  readonly origin = performance.now();
  private feeds: Feed[] = [];
  private readonly queue: Feed[] = [];
  /** Each lane's start of its current capture (performance.now()). */
  private readonly lanes = new Map<symbol, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  get size(): number {
    return this.feeds.length;
  }

  add(feed: Feed): void {
    this.feeds.push(feed);
    this.poke();
  }

  remove(feed: Feed): void {
    this.feeds = this.feeds.filter((f) => f !== feed);
    if (this.feeds.length === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private poke(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), 0);
  }

  private run(): void {
    this.timer = null;
    const now = performance.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const feed of this.feeds) {
      if (feed.busy) continue;
      const due = feed.dueAt();
      if (due <= now + WINDOW_MS) {
        feed.busy = true;
        this.queue.push(feed);
      } else {
        soonest = Math.min(soonest, due);
      }
    }
    const working = (): number[] => [...this.lanes.values()].filter((since) => now - since < STUCK_MS);
    let count = working().length;
    while (this.queue.length > 0 && count < LANES) {
      count += 1;
      void this.lane();
    }
    const busySince = working(); // including the lanes just opened
    if (this.queue.length > 0 && busySince.length > 0) {
      // Feeds wait behind lanes whose captures have not returned: look again when the oldest
      // would count as stuck, so a capture that never returns cannot hold the feeds behind it.
      soonest = Math.min(soonest, Math.min(...busySince) + STUCK_MS);
    }
    if (this.feeds.length > 0 && Number.isFinite(soonest)) {
      this.timer = setTimeout(() => this.run(), Math.max(0, soonest - performance.now()));
    }
  }

  private async lane(): Promise<void> {
    const me = Symbol("lane");
    this.lanes.set(me, performance.now());
    try {
      for (let feed = this.queue.shift(); feed !== undefined; feed = this.queue.shift()) {
        if (!this.feeds.includes(feed)) {
          feed.busy = false;
          continue;
        }
        this.lanes.set(me, performance.now());
        try {
          await feed.step();
        } catch (error) {
          this.remove(feed); // this output is gone; the others go on
          feed.fail(error);
        } finally {
          feed.busy = false;
        }
      }
    } finally {
      this.lanes.delete(me);
      if (this.feeds.length > 0) this.poke(); // serve outputs that fell due meanwhile
    }
  }
}

/** The process's pump. */
export const sharedPump = new Pump();
