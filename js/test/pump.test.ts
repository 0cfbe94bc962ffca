/** The LiveKit capture pump, with feeds that stand in for room outputs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Feed, Pump } from "../src/livekit/pump.js";

class CountingFeed implements Feed {
  busy = false;
  blocks = 0;
  readonly t0 = performance.now();
  constructor(private readonly hang = false) {}
  dueAt(): number {
    return this.t0 + this.blocks * 20;
  }
  async step(): Promise<void> {
    this.blocks += 1;
    if (this.hang && this.blocks > 1) await new Promise(() => {}); // a capture that never returns
  }
  fail(): void {}
}

test("a capture that never returns does not stall the feeds queued behind it", async () => {
  const pump = new Pump();
  const stuck = [new CountingFeed(true), new CountingFeed(true)]; // fills both lanes
  const healthy = new CountingFeed();
  for (const feed of [...stuck, healthy]) pump.add(feed);
  await new Promise((r) => setTimeout(r, 2500));
  for (const feed of [...stuck, healthy]) pump.remove(feed);
  assert.ok(healthy.blocks >= 20, `the healthy feed captured ${healthy.blocks} blocks in 2.5 s`);
  assert.equal(stuck[0]?.blocks, 2, "the stuck feed is not served again while its capture hangs");
});
