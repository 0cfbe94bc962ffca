/** The player's behaviour, rendered offline and measured: extras, handles, errors. */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  AudioFileNotFoundError,
  BackgroundAudioPlayer,
  BuiltinAudioClip,
  DecodeError,
  MemoryOutput,
  OfflineRenderer,
  PlayerStateError,
  ScriptedSession,
  StreamError,
  WavFileOutput,
} from "../src/index.js";
import { decodeWav } from "../src/sources/wav.js";
import { levelAt, maxStep, noise, rmsDb, sine, tempDir, writeWav } from "./helpers.js";

const RATE = 48000;
const dir = tempDir();
const TONE = writeWav(dir, "tone.wav", sine(1000, 1, RATE, 0.25));
const BED = writeWav(dir, "bed.wav", noise(2, RATE, 0.2, 11));

async function offline(options: ConstructorParameters<typeof BackgroundAudioPlayer>[0] = {}) {
  const player = new BackgroundAudioPlayer(options);
  const out = new OfflineRenderer({ sampleRate: RATE });
  const session = new ScriptedSession();
  await player.start({ room: out, agentSession: session });
  return { player, out, session };
}

describe("handles", () => {
  test("awaiting play() resolves when the sound has been delivered", async () => {
    const { player, out } = await offline();
    const handle = player.play(TONE);
    let settled = false;
    void handle.then(() => {
      settled = true;
    });
    await out.advance(0.9);
    assert.equal(settled, false);
    await out.advance(0.2);
    assert.equal(settled, true);
    assert.equal((await handle).interrupted, false);
    await player.close();
  });

  test("handle.setVolume ramps one sound: 0.5 is -6 dB", async () => {
    const { player, out } = await offline();
    const handle = player.play(TONE);
    await out.advance(0.3);
    handle.setVolume(0.5, 0.05);
    await out.advance(0.5);
    const a = out.audio();
    assert.ok(Math.abs(levelAt(a, RATE, 0.5, 0.8) - levelAt(a, RATE, 0.1, 0.3) + 6.02) < 0.05);
    await player.close();
  });

  test("a stopped sound fades out without a click", async () => {
    const { player, out } = await offline();
    const handle = player.play({ source: TONE, fadeOut: 0.05 });
    await out.advance(0.2);
    const stopped = handle.stop();
    await out.advance(0.2);
    await stopped;
    const a = out.audio();
    assert.ok(maxStep(a) <= maxStep(sine(1000, 1, RATE, 0.25)) + 1e-4);
    assert.equal(rmsDb(a.subarray(Math.round(0.3 * RATE))), Number.NEGATIVE_INFINITY);
  });

  test("an iterable of frames plays, and one that throws ends only its handle", async () => {
    const { player, out } = await offline({ ambientSound: BED });
    async function* frames() {
      for (let i = 0; i < 10; i++) {
        yield { data: new Int16Array(480).fill(8192), sampleRate: RATE, channels: 1, samplesPerChannel: 480 };
      }
    }
    async function* broken() {
      yield { data: new Int16Array(480), sampleRate: RATE, channels: 1, samplesPerChannel: 480 };
      throw new Error("network gone");
    }
    const good = player.play(frames());
    const bad = player.play(broken());
    await out.advance(0.5);
    await good;
    await assert.rejects(
      bad.waitForPlayout(),
      (e: unknown) => e instanceof StreamError && /raised Error: network gone/.test((e as Error).message),
    );
    await player.close();
  });
});

describe("extras", () => {
  test("master volume, pause/resume and a scene change, all ramped", async () => {
    const { player, out } = await offline({ ambientSound: BED });
    await out.advance(0.5);
    player.setMasterVolume(0.5, 0.05);
    await out.advance(0.5);
    player.pauseAmbient(0.1);
    await out.advance(0.5);
    player.resumeAmbient(0.1);
    await out.advance(0.5);
    player.setAmbient(TONE, 0.2);
    await out.advance(0.6);
    const a = out.audio();
    const full = levelAt(a, RATE, 0.1, 0.5);
    assert.ok(Math.abs(levelAt(a, RATE, 0.6, 1.0) - full + 6.02) < 0.3);
    assert.equal(levelAt(a, RATE, 1.2, 1.5), Number.NEGATIVE_INFINITY);
    assert.ok(Math.abs(levelAt(a, RATE, 1.7, 2.0) - full + 6.02) < 0.3, "resumed where it paused");
    assert.ok(
      Math.abs(levelAt(a, RATE, 2.3, 2.6) - (20 * Math.log10(0.25) - 3.01 - 6.02)) < 0.2,
      "the new scene",
    );
    await player.close();
  });

  test("seed makes probability draws reproducible (the same draws as Python's random)", async () => {
    const picks = async (seed: number) => {
      const { player, out } = await offline({ seed, masterVolume: 1 });
      const heard: number[] = [];
      for (let i = 0; i < 6; i++) {
        player.play([
          { source: TONE, volume: 1, probability: 0.5 },
          { source: TONE, volume: 0.5, probability: 0.5 },
        ]);
        await out.advance(0.3);
        heard.push(Math.round(levelAt(out.audio(), RATE, out.time - 0.2, out.time - 0.05)));
        for (const v of player.mixer.voices) v.stop(0);
        await out.advance(0.05);
      }
      await player.close();
      return heard;
    };
    assert.deepEqual(await picks(3), await picks(3));
  });

  test("toolSound plays while tools run, and the tool cycle continues one sound", async () => {
    const { player, out, session } = await offline({ thinkingSound: TONE, toolSound: BED });
    session.setAgentState("thinking");
    await out.advance(0.7);
    const call = session.startTool("lookup");
    await out.advance(0.5);
    assert.equal(player.mixer.tool.phase, "playing");
    session.endTool(call);
    await out.advance(0.3);
    assert.equal(player.mixer.thinking.phase, "playing");
    assert.equal(player.mixer.thinking.starts, 1, "the thinking sound resumed, not restarted");
    await player.close();
  });
});

describe("errors", () => {
  test("Python's wording, one family, each naming the fix", async () => {
    assert.throws(
      () => new BackgroundAudioPlayer({ ambientSound: 42 as never }),
      /ambientSound must be a file path, a BuiltinAudioClip/,
    );
    assert.throws(() => new BackgroundAudioPlayer({ ambientSound: { source: TONE, volume: 7 } }), {
      message: "volume must be between 0 and 4, got 7",
    });
    assert.throws(
      () => new BackgroundAudioPlayer({ thinking: { delay: -1 } }),
      /CueOptions.delay must be between 0 and 60 s, got -1/,
    );
    assert.throws(() => new BackgroundAudioPlayer({ dukcing: true } as never), /has no option 'dukcing'/);
    const player = new BackgroundAudioPlayer();
    assert.throws(() => player.play(TONE), PlayerStateError);
    await assert.rejects(
      new BackgroundAudioPlayer({ ambientSound: "/nope.ogg" }).start({ room: new OfflineRenderer() }),
      AudioFileNotFoundError,
    );
    const bad = join(dir, "bad.mp3");
    writeFileSync(bad, "ID3 but nothing else");
    const { player: p2, out } = await offline();
    const handle = p2.play(bad);
    await out.advance(0.2);
    await assert.rejects(handle.waitForPlayout(), DecodeError);
    await p2.close();
  });
});

describe("failing loudly, releasing what hangs", () => {
  test("a cue file that does not decode fails start(), as in Python", async () => {
    const fake = join(dir, "not-audio.mp3");
    writeFileSync(fake, "this is a text file, not an mp3");
    const player = new BackgroundAudioPlayer({ thinkingSound: fake });
    await assert.rejects(
      player.start({ room: new OfflineRenderer() }),
      (e: unknown) => e instanceof DecodeError && (e as DecodeError).source === fake,
    );
    const silent = writeWav(dir, "empty.wav", new Float32Array(0));
    await assert.rejects(
      new BackgroundAudioPlayer({ ambientSound: silent }).start({ room: new OfflineRenderer() }),
      { message: `'${silent}' holds no audio (0 frames); give a file with sound in it` },
    );
  });

  test("streamTimeoutMs: agents-js' default is accepted, another value is refused", () => {
    new BackgroundAudioPlayer({ streamTimeoutMs: 2000 });
    assert.throws(() => new BackgroundAudioPlayer({ streamTimeoutMs: 500 }), /has no meaning in roomtone/);
  });

  test("stopping a stream whose iterator never yields again releases it", async () => {
    const { player, out } = await offline();
    let returned = false;
    const hanging: AsyncIterable<unknown> = {
      [Symbol.asyncIterator]() {
        let sent = false;
        return {
          next: async () => {
            if (!sent) {
              sent = true;
              return {
                done: false,
                value: {
                  data: new Int16Array(14400),
                  sampleRate: RATE,
                  channels: 1,
                  samplesPerChannel: 14400,
                },
              };
            }
            return new Promise<IteratorResult<unknown>>(() => {}); // hangs forever
          },
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const handle = player.play(hanging);
    await out.advance(0.2);
    void handle.stop();
    await out.advance(0.1);
    assert.equal((await handle).interrupted, true);
    await player.close();
    assert.equal(returned, true, "the iterator was told to finish");
  });
});

describe("outputs", () => {
  test("MemoryOutput and WavFileOutput are paced in real time and hold what was heard", async () => {
    const memory = new MemoryOutput({ sampleRate: 16000, numChannels: 2 });
    const player = new BackgroundAudioPlayer({ ambientSound: BuiltinAudioClip.ROOM_TONE });
    await player.start({ room: memory });
    await new Promise((r) => setTimeout(r, 300));
    await player.close();
    const heard = memory.audio();
    assert.ok(heard.length / 2 >= 1600, `${heard.length / 2} frames`);
    assert.ok(rmsDb(heard) > -80 && rmsDb(heard) < -30, "the quiet room tone");

    const path = join(dir, "out.wav");
    const file = new WavFileOutput(path, { sampleRate: 16000 });
    const p = new BackgroundAudioPlayer({ ambientSound: TONE });
    await p.start({ output: file });
    await new Promise((r) => setTimeout(r, 200));
    await p.close();
    const decoded = decodeWav(readFileSync(path), path);
    assert.equal(decoded.sampleRate, 16000);
    assert.ok(decoded.samples.length >= 1600);
  });
});
