/**
 * roomtone: background audio for real-time voice agents (Node.js).
 *
 * `voice.BackgroundAudioPlayer` and `voice.BuiltinAudioClip` replace the same names of
 * `@livekit/agents`: change the import and the page's examples run.
 */

export type { AudioConfig, AudioSourceType, SoundSpec } from "./config.js";
export { BuiltinAudioClip, builtinFromName, builtinPath } from "./config.js";
export type { CueOptions } from "./engine/cue.js";
export { DEFAULT_CUE, IMMEDIATE_CUE } from "./engine/cue.js";
export type { Ducking } from "./engine/ducker.js";
export { DEFAULT_DUCKING } from "./engine/ducker.js";
export {
  AudioFileNotFoundError,
  DecodeError,
  OutputError,
  PlayerStateError,
  RoomtoneError,
  SourceError,
  StreamError,
} from "./errors.js";
export { AudioFormat } from "./format.js";
export { RoomOutput } from "./livekit/roomOutput.js";
export { MemoryOutput } from "./outputs/memory.js";
export { NullOutput } from "./outputs/null.js";
export { OfflineRenderer } from "./outputs/offline.js";
export type { AudioOutput, Renderer } from "./outputs/output.js";
export { WavFileOutput } from "./outputs/wavFile.js";
export type { PlayResult } from "./player/handle.js";
export { PlayHandle } from "./player/handle.js";
export type { BackgroundAudioStartOptions } from "./player/lifecycle.js";
export { looksLikeLiveKitRoom } from "./player/lifecycle.js";
export type { BackgroundAudioPlayerOptions } from "./player/player.js";
export { BackgroundAudioPlayer } from "./player/player.js";
export type { AgentState, UserState } from "./player/scriptedSession.js";
export { ScriptedSession } from "./player/scriptedSession.js";
export { ClipCache, defaultCache } from "./sources/cache.js";
export * as voice from "./voice.js";
