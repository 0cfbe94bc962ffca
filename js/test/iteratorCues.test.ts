/**
 * Async iterators of real @livekit/rtc-node AudioFrames as thinking and tool sounds (the page
 * allows them): each cue reads the stream on from where the last one stopped (one buffer per
 * iterator), an ended stream leaves later cues silent with a warning naming it, and one that
 * throws or yields garbage ends that cue with a warning while everything else plays on.
 */
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import { AudioFrame, dispose } from "@livekit/rtc-node";
import { BackgroundAudioPlayer, OfflineRenderer, ScriptedSession } from "../src/index.js";
import { levelAt, rmsDb, sine, tempDir, writeWav } from "./helpers.js";

const RATE = 48000;
const FRAME = 480; // 10 ms
const STEP = 30; // frame k holds the constant (k + 1) * STEP / 32768: its index is audible
const AT_ONCE = { delay: 0, fadeIn: 0, fadeOut: 0, minPlay: 0, resumeWithin: 0 };

after(async () => {
  await dispose(); // rtc-node's FFI keeps a process alive until disposed
});

/** Frames 0..count-1 of the numbered stream, as rtc-node AudioFrames. */
async function* numbered(count = 10_000): AsyncGenerator<AudioFrame> {
  for (let k = 0; k < count; k++) {
    yield new AudioFrame(new Int16Array(FRAME).fill((k + 1) * STEP), RATE, 1, FRAME);
  }
}

/** Five loud frames (0.3), as rtc-node AudioFrames. */
async function* loud(): AsyncGenerator<AudioFrame> {
  for (let k = 0; k < 5; k++) yield new AudioFrame(new Int16Array(FRAME).fill(9830), RATE, 1, FRAME);
}

/**
 * The stream frame each sample of `x` came from, where it plays at full level (else -1): a
 * sample counts inside a run of 100 equal ones (a frame is 480), so no fading value is
 * mistaken for a quieter frame.
 */
function frameIndices(x: Float32Array): number[] {
  const out = new Array<number>(x.length).fill(-1);
  for (let start = 0, i = 1; i <= x.length; i++) {
    if (i < x.length && x[i] === x[start]) continue;
    const v = x[start] as number;
    const k = (v * 32768) / STEP;
    if (i - start >= 100 && v > 0 && Math.abs(k - Math.round(k)) < 1e-3)
      out.fill(Math.round(k) - 1, start, i);
    start = i;
  }
  return out;
}

let warnings: string[] = [];
const onWarning = (w: Error): void => {
  warnings.push(w.message);
};
beforeEach(() => {
  warnings = [];
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
});

async function thinkingPlayer(options: ConstructorParameters<typeof BackgroundAudioPlayer>[0]) {
  const player = new BackgroundAudioPlayer({ ducking: false, ...options });
  const out = new OfflineRenderer({ sampleRate: RATE, frameDuration: 0.02 });
  const session = new ScriptedSession();
  await player.start({ room: out, agentSession: session });
  /** One thought of `seconds`, then `gap` seconds listening. */
  const think = async (seconds: number, gap = 0.2): Promise<void> => {
    session.setAgentState("thinking");
    await out.advance(seconds);
    session.setAgentState("listening");
    await out.advance(gap);
  };
  return { player, out, session, think };
}

describe("async-iterator cues", () => {
  test("each thought reads the stream on from where the last one stopped", async () => {
    const { player, out, think } = await thinkingPlayer({ thinkingSound: numbered(), thinking: AT_ONCE });
    await think(0.3);
    await think(0.3);
    const heard = frameIndices(out.audio());
    const first = heard.slice(0, Math.round(0.3 * RATE)).filter((k) => k >= 0);
    const second = heard.slice(Math.round(0.5 * RATE), Math.round(0.8 * RATE)).filter((k) => k >= 0);
    assert.ok(first.length > 0.25 * RATE, `the first thought played the stream (${first.length} samples)`);
    assert.equal(first[0], 0, "from its first frame");
    assert.ok(second.length > 0.25 * RATE, `the second thought played it too (${second.length} samples)`);
    const last = first.at(-1) as number;
    const next = second[0] as number;
    // Between them only what the 5 ms de-click fades (out, then in) consumed: a frame or two.
    assert.ok(next > last && next - last <= 3, `the second thought went on at frame ${next} after ${last}`);
    for (let i = 1; i < second.length; i++) assert.ok((second[i] as number) >= (second[i - 1] as number));
    assert.deepEqual(warnings, []);
    await player.close();
  });

  test("a toolSound iterator also reads on, tool call after tool call", async () => {
    const { player, out, session } = await thinkingPlayer({ toolSound: numbered(), tool: AT_ONCE });
    for (let i = 0; i < 2; i++) {
      const call = session.startTool("lookup");
      await out.advance(0.3);
      session.endTool(call);
      await out.advance(0.2);
    }
    const heard = frameIndices(out.audio());
    const first = heard.slice(0, Math.round(0.3 * RATE)).filter((k) => k >= 0);
    const second = heard.slice(Math.round(0.5 * RATE), Math.round(0.8 * RATE)).filter((k) => k >= 0);
    assert.equal(first[0], 0);
    const gap = (second[0] as number) - (first.at(-1) as number);
    assert.ok(gap > 0 && gap <= 3, `the second call went on ${gap} frames later`);
    await player.close();
  });

  test("an ended stream leaves later thoughts silent, with a warning naming it", async () => {
    const { player, out, think } = await thinkingPlayer({ thinkingSound: numbered(5), thinking: AT_ONCE });
    await think(0.2);
    await think(0.2);
    const a = out.audio();
    const heard = frameIndices(a.subarray(0, Math.round(0.2 * RATE))).filter((k) => k >= 0);
    assert.deepEqual([...new Set(heard)], [0, 1, 2, 3, 4], "the first thought played the 5 frames");
    assert.equal(rmsDb(a.subarray(Math.round(0.4 * RATE))), Number.NEGATIVE_INFINITY);
    assert.ok(
      warnings.some((w) => /cue sound unavailable: async iterator AsyncGenerator has ended/.test(w)),
      `warnings: ${JSON.stringify(warnings)}`,
    );
    await player.close();
  });

  for (const [what, broken, said] of [
    [
      "throws",
      async function* () {
        yield* loud();
        throw new Error("network gone");
      },
      /cue sound stopped: async iterator AsyncGenerator raised Error: network gone/,
    ],
    [
      "yields garbage",
      async function* () {
        yield* loud();
        yield { samples: "not a frame" };
      },
      /cue sound stopped: async iterator AsyncGenerator yielded Object; expected an AudioFrame/,
    ],
  ] as const) {
    test(`a stream that ${what} ends that cue with a warning; the bed plays on`, async () => {
      const bed = writeWav(tempDir(), "bed.wav", sine(997, 1, RATE, 0.1));
      const { player, out, think } = await thinkingPlayer({
        ambientSound: bed,
        thinkingSound: broken(),
        thinking: AT_ONCE,
      });
      await think(0.3);
      await think(0.3);
      await out.advance(0.5);
      const a = out.audio();
      assert.ok(levelAt(a, RATE, 0.02, 0.04) > levelAt(a, RATE, 0.15, 0.3) + 1, "the cue played, then ended");
      const bedDb = rmsDb(sine(997, 1, RATE, 0.1));
      for (const at of [0.15, 0.6, 1.2]) {
        assert.ok(Math.abs(levelAt(a, RATE, at, at + 0.1) - bedDb) < 0.5, `the bed at ${at} s`);
      }
      assert.ok(
        warnings.some((w) => said.test(w)),
        `warnings: ${JSON.stringify(warnings)}`,
      );
      await player.close();
    });
  }
});
