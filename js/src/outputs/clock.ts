/**
 * The shared real-time clock: one timer per process paces every clock-driven output.
 *
 * Deadlines come from a sample counter and `performance.now()`, never from summed timeouts,
 * so there is no drift. All outputs are served in one wake-up per block, which keeps the
 * per-session cost at a few microseconds. A late event loop renders the missed blocks back to
 * back (continuous audio); beyond `maxCatchUp` it skips ahead and counts an underrun.
 */

/** A block due within this many ms is served now rather than after another tiny timeout. */
const EARLY_MS = 2;

export class ClockClient {
  readonly blockMs: number;
  readonly tick: () => void;
  readonly maxCatchUp: number;
  blocks = 0;
  underruns = 0;
  t0 = 0;

  constructor(blockSeconds: number, tick: () => void, maxCatchUp = 10) {
    this.blockMs = blockSeconds * 1000;
    this.tick = tick;
    this.maxCatchUp = maxCatchUp;
  }
}

export class RealtimeClock {
  private clients: ClockClient[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly origin = performance.now();

  /** Start pacing `client`; its blocks fall on a grid shared with the other clients. */
  add(client: ClockClient): void {
    const now = performance.now();
    client.t0 = this.origin + Math.floor((now - this.origin) / client.blockMs) * client.blockMs;
    this.clients.push(client);
    if (this.timer === null) this.schedule(0);
  }

  remove(client: ClockClient): void {
    this.clients = this.clients.filter((c) => c !== client);
    if (this.clients.length === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.clients.length;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.run(), Math.max(0, delayMs));
  }

  private run(): void {
    this.timer = null;
    const now = performance.now() + EARLY_MS;
    let deadline = Number.POSITIVE_INFINITY;
    for (const client of [...this.clients]) {
      const block = client.blockMs;
      let due = Math.floor((now - client.t0) / block) + 1 - client.blocks;
      if (due > client.maxCatchUp) {
        client.underruns += 1;
        client.blocks += due - 1;
        due = 1;
      }
      for (let i = 0; i < due; i++) {
        client.blocks += 1;
        client.tick();
      }
      deadline = Math.min(deadline, client.t0 + client.blocks * block);
    }
    if (this.clients.length > 0 && this.timer === null) this.schedule(deadline - performance.now());
  }
}

/** The process's clock. */
export const sharedClock = new RealtimeClock();
