/**
 * Conformance scenarios: one JSON file (in the repository's conformance/scenarios/) rendered
 * offline by both engines, through their public APIs. This is the Node side; the Python side
 * is conformance/render_python.py. Sound files are prepared by the caller in a folder
 * (`sounds`: name -> file name there), so both engines read the same bytes.
 */
import {
  BackgroundAudioPlayer,
  type BackgroundAudioPlayerOptions,
  builtinFromName,
  OfflineRenderer,
  type PlayHandle,
  ScriptedSession,
} from "../src/index.js";

export interface SoundRef {
  sound: string;
  volume?: number;
  probability?: number;
  fadeIn?: number;
  fadeOut?: number;
  loopCrossfade?: number;
  targetLufs?: number;
}

export interface Scenario {
  name: string;
  sampleRate: number;
  numChannels: number;
  frameDuration: number;
  seed: number;
  duration: number;
  /** name -> built-in ("builtin:office_ambience") or a generated signal (made by the caller). */
  sounds: Record<string, unknown>;
  options: {
    ambient?: SoundRef | SoundRef[];
    thinking?: SoundRef | SoundRef[];
    tool?: SoundRef | SoundRef[];
    ducking?: boolean | Record<string, number | boolean>;
    thinkingCue?: Record<string, number | boolean>;
    toolCue?: Record<string, number | boolean>;
    masterVolume?: number;
  };
  timeline: Array<Record<string, unknown> & { at: number }>;
}

type Resolve = (name: string) => string;

function sound(ref: SoundRef, resolve: Resolve) {
  const { sound: name, ...rest } = ref;
  return { source: resolve(name), ...rest };
}

function spec(value: SoundRef | SoundRef[] | undefined, resolve: Resolve) {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map((r) => sound(r, resolve)) : sound(value, resolve);
}

/** Render a scenario; `files` maps generated sound names to their files. */
export async function renderScenario(
  scenario: Scenario,
  files: Record<string, string>,
): Promise<Float32Array> {
  const resolve: Resolve = (name) => {
    const def = scenario.sounds[name];
    if (typeof def === "string" && def.startsWith("builtin:")) return builtinFromName(def.slice(8));
    const file = files[name];
    if (file === undefined) throw new Error(`scenario ${scenario.name}: no file for sound '${name}'`);
    return file;
  };
  const o = scenario.options;
  const options: BackgroundAudioPlayerOptions = {
    ambientSound: spec(o.ambient, resolve),
    thinkingSound: spec(o.thinking, resolve),
    toolSound: spec(o.tool, resolve),
    ducking: o.ducking ?? true,
    seed: scenario.seed,
    masterVolume: o.masterVolume ?? 1,
  };
  if (o.thinkingCue) options.thinking = o.thinkingCue;
  if (o.toolCue) options.tool = o.toolCue;
  const player = new BackgroundAudioPlayer(options);
  const out = new OfflineRenderer({
    sampleRate: scenario.sampleRate,
    numChannels: scenario.numChannels,
    frameDuration: scenario.frameDuration,
  });
  const session = new ScriptedSession();
  await player.start({ room: out, agentSession: session });
  const handles = new Map<string, PlayHandle>();
  const tools = new Map<string, string>();
  const events = [...scenario.timeline].sort((a, b) => a.at - b.at);
  for (const event of events) {
    if (event.at > out.time) await out.advance(event.at - out.time);
    apply(event, { player, session, handles, tools, resolve });
  }
  if (scenario.duration > out.time) await out.advance(scenario.duration - out.time);
  const audio = out.audio();
  await player.close();
  return audio;
}

interface World {
  player: BackgroundAudioPlayer;
  session: ScriptedSession;
  handles: Map<string, PlayHandle>;
  tools: Map<string, string>;
  resolve: Resolve;
}

function apply(event: Record<string, unknown>, w: World): void {
  const num = (key: string, fallback: number): number =>
    typeof event[key] === "number" ? (event[key] as number) : fallback;
  if (typeof event.agent === "string") w.session.setAgentState(event.agent);
  else if (typeof event.user === "string") w.session.setUserState(event.user);
  else if (typeof event.toolStart === "string")
    w.tools.set(event.toolStart, w.session.startTool(event.toolStart));
  else if (typeof event.toolEnd === "string") w.session.endTool(w.tools.get(event.toolEnd) ?? "");
  else if (event.play !== undefined) {
    const what = event.play as SoundRef | SoundRef[];
    const handle = w.player.play(spec(what, w.resolve) as never, event.loop === true);
    if (typeof event.id === "string") w.handles.set(event.id, handle);
  } else if (typeof event.stop === "string") void w.handles.get(event.stop)?.stop();
  else if (typeof event.setVolume === "string")
    w.handles.get(event.setVolume)?.setVolume(num("volume", 1), num("ramp", 0.1));
  else if (typeof event.masterVolume === "number")
    w.player.setMasterVolume(event.masterVolume, num("ramp", 0.1));
  else if (event.pauseAmbient !== undefined) w.player.pauseAmbient(num("fade", 0.5));
  else if (event.resumeAmbient !== undefined) w.player.resumeAmbient(num("fade", 0.5));
  else if (event.setAmbient !== undefined)
    w.player.setAmbient(spec(event.setAmbient as SoundRef, w.resolve) as never, num("crossfade", 2));
  else throw new Error(`unknown timeline event ${JSON.stringify(event)}`);
}
