/**
 * `npm run demo`: render a scripted call with the built-in sounds to demo-node.wav, offline
 * and deterministically, and print the level of each stretch.
 */
import { writeFileSync } from "node:fs";
import { BackgroundAudioPlayer, BuiltinAudioClip, OfflineRenderer, ScriptedSession } from "../src/index.js";
import { encodeWav16 } from "../src/sources/wav.js";

const steps: Array<[string, number]> = [
  ["listening", 2],
  ["thinking", 3],
  ["tool", 2.5],
  ["thinking", 1],
  ["speaking", 3],
  ["listening", 1.5],
];

const session = new ScriptedSession();
const player = new BackgroundAudioPlayer({
  ambientSound: { source: BuiltinAudioClip.OFFICE_AMBIENCE, volume: 0.8 },
  thinkingSound: [
    { source: BuiltinAudioClip.KEYBOARD_TYPING, volume: 0.8 },
    { source: BuiltinAudioClip.KEYBOARD_TYPING2, volume: 0.7 },
  ],
  toolSound: BuiltinAudioClip.KEYBOARD_TYPING2,
  seed: 1,
});
const out = new OfflineRenderer({ sampleRate: 48000, numChannels: 2 });
await player.start({ room: out, agentSession: session });
let tool: string | null = null;
const levels: string[] = [];
for (const [state, seconds] of steps) {
  if (state === "tool") tool = session.startTool("lookup");
  else {
    if (tool !== null) session.endTool(tool);
    tool = null;
    session.setAgentState(state);
  }
  const from = out.time;
  await out.advance(seconds);
  const audio = out.audio().subarray(Math.round(from * 48000) * 2);
  let sum = 0;
  for (const v of audio) sum += v * v;
  levels.push(
    `${state.padEnd(10)} ${seconds.toFixed(1)} s  ${(10 * Math.log10(sum / audio.length)).toFixed(1)} dBFS`,
  );
}
const audio = out.audio();
await player.close();
writeFileSync("demo-node.wav", encodeWav16(audio, 48000, 2));
console.log(
  `${levels.join("\n")}\nwrote demo-node.wav (${(audio.length / 2 / 48000).toFixed(1)} s, 48 kHz stereo)`,
);
