/**
 * What to play: `AudioConfig`, `BuiltinAudioClip` and the `AudioSourceType` union, mirroring
 * `@livekit/agents` names and defaults so code written for it runs unchanged; roomtone adds
 * optional extras (fades, `loopCrossfade`, `targetLufs`) whose defaults keep that behaviour.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The ten sounds that ship with roomtone, all synthesized by code in this repository. */
export const BuiltinAudioClip = Object.freeze({
  OFFICE_AMBIENCE: "roomtone:office_ambience",
  KEYBOARD_TYPING: "roomtone:keyboard_typing",
  KEYBOARD_TYPING2: "roomtone:keyboard_typing2",
  CITY_AMBIENCE: "roomtone:city_ambience",
  FOREST_AMBIENCE: "roomtone:forest_ambience",
  CROWDED_ROOM: "roomtone:crowded_room",
  HOLD_MUSIC: "roomtone:hold_music",
  CALL_CENTER: "roomtone:call_center",
  COFFEE_SHOP: "roomtone:coffee_shop",
  ROOM_TONE: "roomtone:room_tone",
} as const);
export type BuiltinAudioClip = (typeof BuiltinAudioClip)[keyof typeof BuiltinAudioClip];

/** `@livekit/agents`' own BuiltinAudioClip values, accepted so its enum works unchanged. */
const LIVEKIT_BUILTINS: Readonly<Record<string, BuiltinAudioClip>> = {
  "office-ambience.ogg": BuiltinAudioClip.OFFICE_AMBIENCE,
  "keyboard-typing.ogg": BuiltinAudioClip.KEYBOARD_TYPING,
  "keyboard-typing2.ogg": BuiltinAudioClip.KEYBOARD_TYPING2,
  "hold_music.ogg": BuiltinAudioClip.HOLD_MUSIC,
};

const BUILTIN_VALUES = new Set<string>(Object.values(BuiltinAudioClip));

/** The built-in a string names (ours, or @livekit/agents' value), else null. */
export function asBuiltin(source: unknown): BuiltinAudioClip | null {
  if (typeof source !== "string") return null;
  if (BUILTIN_VALUES.has(source)) return source as BuiltinAudioClip;
  return LIVEKIT_BUILTINS[source] ?? null;
}

/** A member by name, case-insensitively (`office_ambience`, `Office-Ambience`). */
export function builtinFromName(name: string): BuiltinAudioClip {
  const key = name.trim().toUpperCase().replaceAll("-", "_");
  const found = (BuiltinAudioClip as Record<string, BuiltinAudioClip>)[key];
  if (found === undefined) {
    const names = Object.values(BuiltinAudioClip).map(clipName).join(", ");
    throw new RangeError(`unknown built-in sound '${name}'; choose one of: ${names}`);
  }
  return found;
}

export function clipName(clip: BuiltinAudioClip): string {
  return clip.slice("roomtone:".length);
}

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Where a built-in's file is: in this repository, the committed file itself
 * (`src/roomtone/clips/data/`, the one the Python package plays); in an installed npm
 * package, which has no repository around it, the copy `npm pack` put in `clips/`.
 */
export function builtinPath(clip: BuiltinAudioClip): string {
  const file = `${clipName(clip)}.ogg`;
  const committed = join(PACKAGE_ROOT, "..", "src", "roomtone", "clips", "data", file);
  if (existsSync(committed)) return committed;
  return join(PACKAGE_ROOT, "clips", file);
}

/** Frames from a producer, as `@livekit/rtc-node` AudioFrames. */
export type FrameIterable = AsyncIterable<unknown>;

/** A file path, a built-in clip, or an async iterable of audio frames. */
export type AudioSourceType = string | BuiltinAudioClip | FrameIterable;

/** One sound with its volume and selection probability (the page's fields) plus extras. */
export interface AudioConfig {
  source: AudioSourceType;
  /** 0 to 4, default 1. */
  volume?: number;
  /** Relative chance in a list, default 1. */
  probability?: number;
  /** Equal-power fade-in at start, seconds. */
  fadeIn?: number;
  /** Equal-power fade-out when stopped, seconds. */
  fadeOut?: number;
  /** Seconds a loop's end overlaps its start (default 0.25 s; built-ins 5 ms). */
  loopCrossfade?: number;
  /** Normalise the file's integrated loudness once, when decoded (LUFS). */
  targetLufs?: number;
}

/** What `ambientSound`, `thinkingSound`, `toolSound` and `play()` accept. */
export type SoundSpec = AudioSourceType | AudioConfig | AudioConfig[];

export const MAX_VOLUME = 4;

/** A checked AudioConfig with every field filled in. */
export interface ResolvedConfig {
  source: string | FrameIterable;
  builtin: boolean;
  volume: number;
  probability: number;
  fadeIn: number;
  fadeOut: number;
  loopCrossfade: number | null;
  targetLufs: number | null;
}

export function checkRange(field: string, value: unknown, low: number, high: number): number {
  if (typeof value !== "number") throw new TypeError(`${field} must be a number, got ${typeof value}`);
  if (!Number.isFinite(value) || value < low || value > high) {
    throw new RangeError(`${field} must be between ${low} and ${high}, got ${value}`);
  }
  return value;
}

export function isFrameIterable(source: unknown): source is FrameIterable {
  return typeof source === "object" && source !== null && Symbol.asyncIterator in source;
}

function checkSource(source: unknown, what: string): { source: string | FrameIterable; builtin: boolean } {
  const builtin = asBuiltin(source);
  if (builtin !== null) return { source: builtinPath(builtin), builtin: true };
  if (typeof source === "string") {
    if (source.length === 0) throw new TypeError(`${what} is an empty path; pass a file path`);
    return { source, builtin: false };
  }
  if (isFrameIterable(source)) return { source, builtin: false };
  const kind = source === null ? "null" : Array.isArray(source) ? "array" : typeof source;
  throw new TypeError(
    `${what} must be a file path, a BuiltinAudioClip, an async iterator of audio frames, an AudioConfig or a list of AudioConfig; got ${kind}`,
  );
}

const CONFIG_FIELDS = new Set([
  "source",
  "volume",
  "probability",
  "fadeIn",
  "fadeOut",
  "loopCrossfade",
  "targetLufs",
]);

/** Check one sound (a bare source or an AudioConfig object). */
export function resolveConfig(item: unknown, what: string): ResolvedConfig {
  const isConfig = typeof item === "object" && item !== null && !isFrameIterable(item) && "source" in item;
  const config: Partial<AudioConfig> = isConfig ? (item as AudioConfig) : { source: item as AudioSourceType };
  if (isConfig) {
    for (const key of Object.keys(config)) {
      if (!CONFIG_FIELDS.has(key)) {
        throw new TypeError(
          `${what}: AudioConfig has no field '${key}'; known: ${[...CONFIG_FIELDS].join(", ")}`,
        );
      }
    }
  }
  const { source, builtin } = checkSource(config.source, what);
  return {
    source,
    builtin,
    volume: checkRange("volume", config.volume ?? 1, 0, MAX_VOLUME),
    probability: checkRange("probability", config.probability ?? 1, 0, 1e6),
    fadeIn: checkRange("fadeIn", config.fadeIn ?? 0, 0, 60),
    fadeOut: checkRange("fadeOut", config.fadeOut ?? 0, 0, 60),
    loopCrossfade:
      config.loopCrossfade === undefined ? null : checkRange("loopCrossfade", config.loopCrossfade, 0, 10),
    targetLufs: config.targetLufs === undefined ? null : checkRange("targetLufs", config.targetLufs, -70, 0),
  };
}

/** Check a sound argument early: a wrong type is a TypeError naming the argument. */
export function resolveSpec(spec: unknown, what: string): ResolvedConfig[] | ResolvedConfig | null {
  if (spec === undefined || spec === null) return null;
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new RangeError(`${what} is an empty list; pass undefined for no sound`);
    return spec.map((item) => resolveConfig(item, what));
  }
  return resolveConfig(spec, what);
}
