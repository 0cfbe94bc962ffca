/**
 * LiveKit with the real packages: the mix goes through @livekit/rtc-node's AudioSource and a
 * LocalAudioTrack (published to a room stand-in, as no server exists here), and the player
 * follows a real `voice.AgentSession` of @livekit/agents 1.9: agent state, user state, and
 * tool calls (the function call items the agent adds as tools start, and
 * `function_tools_executed`).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { initializeLogger, voice as lkVoice, llm } from "@livekit/agents";
import { AudioFrame, AudioSource, dispose, LocalAudioTrack } from "@livekit/rtc-node";
import { BackgroundAudioPlayer, RoomOutput } from "../src/index.js";
import { concat } from "../src/outputs/memory.js";
import { closingFadeShape, rmsDb, sine, tempDir, until, writeWav } from "./helpers.js";
import { RoomStandIn } from "./livekitRig.js";

type Session = InstanceType<typeof lkVoice.AgentSession> & {
  _updateAgentState(state: string): void;
  _updateUserState(state: string): void;
  _toolItemsAdded(items: unknown[]): void;
};

let dir: string;
before(() => {
  initializeLogger({ pretty: false, level: "warn" });
  dir = tempDir();
});
after(async () => {
  await dispose(); // rtc-node's FFI keeps a process alive until disposed
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects the blocks a RoomOutput captures, with their level. */
function tap(player: BackgroundAudioPlayer): number[] {
  const levels: number[] = [];
  (player.output as RoomOutput).onBlock = (block) => levels.push(rmsDb(block));
  return levels;
}

test("publishes one track through a real AudioSource and LocalAudioTrack", async () => {
  const room = new RoomStandIn();
  const player = new BackgroundAudioPlayer({
    ambientSound: writeWav(dir, "bed.wav", sine(200, 2, 48000, 0.2)),
  });
  await player.start({ room });
  const output = player.output as RoomOutput;
  assert.ok(output instanceof RoomOutput);
  assert.ok(output.source instanceof AudioSource);
  assert.ok(output.track instanceof LocalAudioTrack);
  const [publication] = room.published.values();
  assert.equal(publication?.track, output.track);
  const levels = tap(player);
  await sleep(600);
  assert.ok(levels.length >= 4, `${levels.length} blocks captured`);
  assert.ok(
    levels.slice(2).every((l) => Math.abs(l - (20 * Math.log10(0.2) - 3.01)) < 0.5),
    "the bed, at its level",
  );
  assert.ok(
    output.source !== null && output.source.queuedDuration <= 150,
    "the AudioSource queue stays short",
  );
  await player.close();
  assert.deepEqual(room.unpublished, [publication?.sid]);
});

test("follows a real AgentSession: thinking, speaking (ducking), and tool calls", async () => {
  const room = new RoomStandIn();
  const session = new lkVoice.AgentSession({}) as Session;
  const player = new BackgroundAudioPlayer({
    ambientSound: writeWav(dir, "room.wav", sine(150, 3, 48000, 0.1)),
    thinkingSound: writeWav(dir, "think.wav", sine(700, 1, 48000, 0.3)),
    toolSound: writeWav(dir, "tool.wav", sine(1200, 1, 48000, 0.3)),
    thinking: { delay: 0.1 },
    tool: { delay: 0.1, resumeWithin: 0 },
  });
  await player.start({ room, agentSession: session });
  const mixer = player.mixer;

  session._updateAgentState("thinking");
  await sleep(400);
  assert.equal(mixer.thinking.phase, "playing");
  assert.equal(mixer.thinking.starts, 1);

  const call = llm.FunctionCall.create({ callId: "call_1", name: "lookup_weather", args: "{}" });
  session._toolItemsAdded([call]); // what the agent does as the tool starts
  await sleep(300);
  assert.equal(mixer.tool.phase, "playing", "the tool sound plays while the tool runs");
  assert.notEqual(mixer.thinking.phase, "playing", "and the thinking sound hands over to it");

  session.emit(lkVoice.AgentSessionEventTypes.FunctionToolsExecuted, {
    type: "function_tools_executed",
    functionCalls: [call],
    functionCallOutputs: [],
    createdAt: Date.now(),
  } as never);
  await sleep(1000);
  assert.equal(mixer.tool.phase, "idle", "tools done: the tool sound ends");
  assert.equal(mixer.thinking.phase, "playing", "still thinking: the thinking sound is back");

  const levels = tap(player);
  session._updateAgentState("speaking");
  await sleep(1000);
  assert.equal(mixer.ducker.agentSpeaking, true);
  const last = levels.slice(-4);
  assert.ok(
    last.every((l) => l < 20 * Math.log10(0.1) - 3.01 - 7),
    `ducked bed only: ${last.map((l) => l.toFixed(1))}`,
  );

  session._updateUserState("speaking");
  await sleep(100);
  assert.equal(mixer.ducker.userSpeaking, true);

  await player.close();
  assert.equal(
    session.listenerCount(lkVoice.AgentSessionEventTypes.AgentStateChanged),
    0,
    "close() detaches from the session",
  );
  assert.equal(Object.hasOwn(session, "_toolItemsAdded"), false, "and restores the session's own method");
});

test("plays an async iterable of rtc-node AudioFrames (the page's raw frames), resampled", async () => {
  const room = new RoomStandIn();
  const player = new BackgroundAudioPlayer();
  await player.start({ room });
  const levels = tap(player);
  async function* frames(): AsyncGenerator<AudioFrame> {
    const tone = sine(440, 1, 24000, 0.5);
    for (let at = 0; at < tone.length; at += 240) {
      const pcm = Int16Array.from(tone.subarray(at, at + 240), (v) => Math.round(v * 32767));
      yield new AudioFrame(pcm, 24000, 1, 240);
    }
  }
  await player.play(frames());
  const loud = levels.filter((l) => Math.abs(l - (20 * Math.log10(0.5) - 3.01)) < 0.3);
  assert.ok(loud.length >= 15, `${loud.length} blocks at the tone's level (1 s = 20 blocks)`);
  await player.close();
});

test("close() fades out, and stops the AudioSource only once the fade has left its queue", async () => {
  const room = new RoomStandIn();
  const amplitude = 0.25;
  const player = new BackgroundAudioPlayer({
    ambientSound: writeWav(dir, "closing-bed.wav", sine(997, 1, 48000, amplitude)),
  });
  await player.start({ room });
  const output = player.output as RoomOutput;
  const captured: Float32Array[] = [];
  output.onBlock = (block) => captured.push(block.slice());
  await until(() => captured.length >= 4, "four blocks captured");
  let deliveredAtStop = -1;
  const close = output.close.bind(output);
  output.close = () => {
    deliveredAtStop = output.deliveredFrames();
    return close();
  };
  await player.close();
  const heard = concat(captured);
  const shape = closingFadeShape(heard, amplitude, 240);
  const toneStep = amplitude * 2 * Math.sin((Math.PI * 997) / 48000);
  const bound = toneStep + amplitude / 240 + 2 / 32767;
  assert.ok(shape.lastStep <= bound, `largest step at the end ${shape.lastStep} > ${bound} (a click)`);
  assert.ok(shape.envelopeOk, "the fade falls along the 5 ms line");
  assert.ok(shape.trailingZeros >= 1, "then only zeros");
  // The tap was set before the pump's first capture (a timer, after start() resolved), so
  // `heard` is every frame captured, and its indices count as deliveredFrames() does.
  assert.ok(deliveredAtStop <= heard.length);
  const fadeEnd = heard.length - shape.trailingZeros + 1;
  assert.ok(
    deliveredAtStop >= fadeEnd,
    `the AudioSource was stopped with ${fadeEnd - deliveredAtStop} frames of the fade still queued`,
  );
});

test("close() before start() leaves the player startable on a room", async () => {
  const room = new RoomStandIn();
  const player = new BackgroundAudioPlayer({
    ambientSound: writeWav(dir, "late-bed.wav", sine(200, 1, 48000, 0.2)),
  });
  await player.close();
  await player.start({ room });
  const levels = tap(player);
  await until(() => levels.length >= 3, "three blocks captured");
  assert.ok(Math.abs((levels[2] as number) - (20 * Math.log10(0.2) - 3.01)) < 0.5, "the bed plays");
  const [publication] = room.published.values();
  await player.close();
  assert.deepEqual(room.unpublished, [publication?.sid]);
});

test("agents-js 1.9's own player cannot start after close() before start() (docs/node.md says so)", async () => {
  const theirs = new lkVoice.BackgroundAudioPlayer();
  await theirs.close(); // disposes its AudioSource
  await assert.rejects(theirs.start({ room: new RoomStandIn() as never }), /handle not found/);
});

test("close() is bounded when the room never answers", async () => {
  const room = new RoomStandIn();
  room.localParticipant.unpublishTrack = () => new Promise<void>(() => {});
  const player = new BackgroundAudioPlayer();
  await player.start({ room });
  const started = performance.now();
  await player.close();
  const took = performance.now() - started;
  // Not a speed claim: the output's close is abandoned after 2 s instead of hanging forever.
  assert.ok(took < 10_000, `close took ${took.toFixed(0)} ms`);
});
