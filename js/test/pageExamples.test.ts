/**
 * Every Node example of LiveKit's background-audio page, with only its import changed
 * (`import { voice } from "roomtone"`, here the package's source) and the placeholder path
 * "/path/to/my-custom-sound.mp3" pointing at a real MP3. They run against a real
 * @livekit/rtc-node AudioSource and track (published to a room stand-in) and a real
 * `voice.AgentSession` of @livekit/agents.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { initializeLogger, voice as lkVoice } from "@livekit/agents";
import { dispose } from "@livekit/rtc-node";
import { type RoomOutput, voice } from "../src/index.js";
import { FIXTURES, rmsDb } from "./helpers.js";
import { RoomStandIn } from "./livekitRig.js";

const MY_CUSTOM_SOUND = `${FIXTURES}tone440.mp3`; // the page's "/path/to/my-custom-sound.mp3"

let ctx: { room: RoomStandIn };
let session: InstanceType<typeof lkVoice.AgentSession>;

before(() => {
  initializeLogger({ pretty: false, level: "warn" });
  ctx = { room: new RoomStandIn() };
  session = new lkVoice.AgentSession({});
});

const players: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const p of players) await p.close();
  await dispose(); // rtc-node's FFI keeps a process alive until disposed, as agents' workers do
});

test("the page's three constructors", () => {
  const backgroundAudio = new voice.BackgroundAudioPlayer({
    ambientSound: {
      source: voice.BuiltinAudioClip.OFFICE_AMBIENCE,
      volume: 0.8,
    },
    thinkingSound: [
      { source: voice.BuiltinAudioClip.KEYBOARD_TYPING, volume: 0.8 },
      { source: voice.BuiltinAudioClip.KEYBOARD_TYPING2, volume: 0.7 },
    ],
  });
  // An audio player with a custom ambient sound played on a loop
  const backgroundAudio2 = new voice.BackgroundAudioPlayer({
    ambientSound: MY_CUSTOM_SOUND,
  });
  // An audio player for on-demand playback only
  const backgroundAudio3 = new voice.BackgroundAudioPlayer();
  for (const p of [backgroundAudio, backgroundAudio2, backgroundAudio3]) assert.equal(p.started, false);
});

test("the custom MP3 ambience loops", async () => {
  const backgroundAudio2 = new voice.BackgroundAudioPlayer({
    ambientSound: MY_CUSTOM_SOUND,
  });
  players.push(backgroundAudio2);
  const room = new RoomStandIn();
  await backgroundAudio2.start({ room, agentSession: session });
  const output = backgroundAudio2.output as RoomOutput;
  const levels: number[] = [];
  output.onBlock = (block) => levels.push(rmsDb(block));
  await new Promise((resolve) => setTimeout(resolve, 2500)); // longer than the 1.5 s file
  const tone = 20 * Math.log10(0.25) - 3.01;
  const atLevel = levels.filter((l) => Math.abs(l - tone) < 1).length;
  assert.ok(atLevel >= levels.length - 4, `${atLevel} of ${levels.length} blocks at the tone's level`);
  await backgroundAudio2.close();
});

test("start, play, await, stop early, a probabilistic list, close", async () => {
  const backgroundAudio = new voice.BackgroundAudioPlayer({
    ambientSound: {
      source: voice.BuiltinAudioClip.OFFICE_AMBIENCE,
      volume: 0.8,
    },
    thinkingSound: [
      { source: voice.BuiltinAudioClip.KEYBOARD_TYPING, volume: 0.8 },
      { source: voice.BuiltinAudioClip.KEYBOARD_TYPING2, volume: 0.7 },
    ],
  });
  players.push(backgroundAudio);
  await backgroundAudio.start({ room: ctx.room, agentSession: session });
  assert.equal(ctx.room.published.size, 1, "one background_audio track is published");
  const [publication] = ctx.room.published.values();
  assert.equal(publication?.name, "background_audio");

  backgroundAudio.play(MY_CUSTOM_SOUND);

  const started = performance.now();
  const handle = await backgroundAudio.play(MY_CUSTOM_SOUND);
  const waited = (performance.now() - started) / 1000;
  assert.ok(
    waited > 1.2,
    `awaiting the handle waits for the 1.5 s sound to be heard (${waited.toFixed(2)} s)`,
  );
  assert.ok(handle.done());

  {
    const handle = backgroundAudio.play(MY_CUSTOM_SOUND);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    handle.stop(); // Stop playback early
    assert.equal(handle.done(), false, "stop() fades out; the handle is done once that was heard");
    const result = await handle;
    assert.equal(result.interrupted, true);
  }

  backgroundAudio.play([
    { source: voice.BuiltinAudioClip.KEYBOARD_TYPING, volume: 0.8, probability: 0.8 },
    { source: voice.BuiltinAudioClip.KEYBOARD_TYPING2, volume: 0.7, probability: 0.2 },
  ]);

  await backgroundAudio.close();
  assert.equal(ctx.room.published.size, 0, "close() unpublishes the track");
  await backgroundAudio.close(); // a second close is harmless
});

test("a closed player cannot start again (the page: create a new instance)", async () => {
  const backgroundAudio = new voice.BackgroundAudioPlayer();
  await backgroundAudio.start({ room: new RoomStandIn(), agentSession: session });
  await backgroundAudio.close();
  await assert.rejects(
    backgroundAudio.start({ room: new RoomStandIn() }),
    /create a new BackgroundAudioPlayer/,
  );
});
