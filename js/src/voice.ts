/** The names of `@livekit/agents`' `voice` namespace that roomtone replaces. */

export type { AudioConfig, AudioSourceType } from "./config.js";
export { BuiltinAudioClip } from "./config.js";
export { PlayHandle } from "./player/handle.js";
export type { BackgroundAudioStartOptions } from "./player/lifecycle.js";
export type { BackgroundAudioPlayerOptions } from "./player/player.js";
export { BackgroundAudioPlayer } from "./player/player.js";
