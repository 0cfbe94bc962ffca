/**
 * Closing, measured as sound: close() fades the whole mix out over the 5 ms de-click ramp and
 * stops the output only once the fade was delivered, so the last thing heard is the mix
 * falling to silence, never a cut. And close() before start() leaves the player startable.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  type AudioOutput,
  BackgroundAudioPlayer,
  MemoryOutput,
  OfflineRenderer,
  PlayerStateError,
  WavFileOutput,
} from "../src/index.js";
import { decodeWav } from "../src/sources/wav.js";
import { closingFadeShape, type FadeShape, rmsDb, sine, tempDir, until, writeWav } from "./helpers.js";

const RATE = 48000;
const AMPLITUDE = 0.25;
const FADE = 240; // 5 ms at 48 kHz
const dir = tempDir();
// 997 Hz: no sample of the tone is exactly zero, so trailing zeros can only be the silence.
const TONE = sine(997, 1, RATE, AMPLITUDE);
const TONE_WAV = writeWav(dir, "tone.wav", TONE);

/** What a listener heard (channel 0) when a player with a tone bed closed mid-tone. */
async function closeMidTone(output: AudioOutput, heard: () => Float32Array): Promise<FadeShape> {
  const player = new BackgroundAudioPlayer({ ambientSound: { source: TONE_WAV, volume: 1 } });
  await player.start({ output });
  const { sampleRate, numChannels } = output.format;
  await until(() => output.deliveredFrames() >= 0.2 * sampleRate, "the output delivered 0.2 s");
  await player.close();
  const all = heard();
  const left = all.filter((_, i) => i % numChannels === 0);
  return closingFadeShape(left, PEAK, output.format.frames(0.005));
}

/** The tone's peak, with room for the resampler's ripple at other rates. */
const PEAK = 1.02 * AMPLITUDE;

function assertFadedOut(shape: FadeShape, rate: number, quantum: number): void {
  // Steps: the sampled tone's largest step, plus what the fade removes per frame (A / fade).
  const fade = Math.round(0.005 * rate);
  const bound = 2 * PEAK * Math.sin((Math.PI * 997) / rate) + PEAK / fade + quantum;
  assert.ok(
    shape.lastStep <= bound,
    `largest step at the end ${shape.lastStep.toFixed(4)} > ${bound.toFixed(4)} (a click)`,
  );
  assert.ok(Math.abs(shape.beforeDb - rmsDb(TONE)) < 0.5, `the tone before the fade: ${shape.beforeDb} dB`);
  // A linear fall over 5 ms has 1/sqrt(3) of the level's RMS: -4.77 dB.
  assert.ok(Math.abs(shape.fadeDb - shape.beforeDb + 4.77) < 0.6, `the fade's level ${shape.fadeDb} dB`);
  assert.ok(shape.envelopeOk, "every sample of the fade within the line falling from the peak to 0 in 5 ms");
  assert.ok(shape.trailingZeros >= 1, "then only zeros");
}

describe("close() fades the mix out", () => {
  for (const [rate, channels] of [
    [48000, 1],
    [44100, 2],
  ] as const) {
    test(`MemoryOutput (${rate} Hz, ${channels} ch): the fade is delivered, then only zeros`, async () => {
      const memory = new MemoryOutput({ sampleRate: rate, numChannels: channels });
      assertFadedOut(await closeMidTone(memory, () => memory.audio()), rate, 1e-6);
    });
  }

  test("WavFileOutput: the file ends with the fade, not a cut", async () => {
    const path = join(dir, "closing.wav");
    const file = new WavFileOutput(path, { sampleRate: RATE });
    const shape = await closeMidTone(file, () => decodeWav(readFileSync(path), path).samples);
    assertFadedOut(shape, RATE, 2 / 32767); // 16-bit rounding, either side
  });

  test("a second close() waits for the first: both return with the output stopped", async () => {
    const memory = new MemoryOutput({ sampleRate: RATE });
    const player = new BackgroundAudioPlayer({ ambientSound: TONE_WAV });
    await player.start({ output: memory });
    await until(() => memory.deliveredFrames() > 0, "a block delivered");
    const first = player.close();
    await player.close();
    assert.equal(memory.renderNow(FADE), false, "the output was stopped before close() returned");
    await first;
  });

  test("a player whose mix is silent has no fade to render or wait for", async () => {
    const memory = new MemoryOutput({ sampleRate: RATE });
    const player = new BackgroundAudioPlayer();
    await player.start({ output: memory });
    await until(() => memory.deliveredFrames() > 0, "a block delivered");
    const blocks: number[] = [];
    const renderNow = memory.renderNow.bind(memory);
    memory.renderNow = (frames) => {
      blocks.push(frames);
      return renderNow(frames);
    };
    await player.close();
    // (the clock's own ticks also pass through renderNow, with whole 20 ms blocks)
    assert.equal(blocks.includes(FADE), false, "no off-the-clock fade block was rendered");
    assert.equal(rmsDb(memory.audio()), Number.NEGATIVE_INFINITY);
  });
});

describe("close() before start()", () => {
  test("does nothing: the player can still be started (as LiveKit's), and plays", async () => {
    const player = new BackgroundAudioPlayer({ ambientSound: TONE_WAV });
    await player.close();
    await player.close();
    assert.equal(player.started, false);
    const out = new OfflineRenderer({ sampleRate: RATE });
    await player.start({ room: out });
    await out.advance(0.2);
    assert.ok(Math.abs(rmsDb(out.audio().subarray(FADE)) - rmsDb(TONE)) < 0.5, "the bed plays");
    await player.close();
    await assert.rejects(player.start({ room: new OfflineRenderer() }), PlayerStateError);
  });

  test("close() during start() undoes it: the output is released and start() rejects", async () => {
    const player = new BackgroundAudioPlayer({ ambientSound: TONE_WAV });
    const memory = new MemoryOutput({ sampleRate: RATE });
    const starting = player.start({ output: memory });
    const closing = player.close();
    await assert.rejects(starting, /close\(\) was called while start\(\) ran/);
    await closing;
    assert.equal(player.started, false);
    assert.equal(memory.renderNow(FADE), false, "the output is not running");
    await assert.rejects(player.start({ output: new MemoryOutput() }), PlayerStateError);
  });
});
