/**
 * BackgroundAudioPlayer: the page's Node API (`voice.BackgroundAudioPlayer` of
 * `@livekit/agents`), on roomtone's engine, for a LiveKit room or any output.
 *
 * The player is policy: it picks sounds, follows the agent's state and turns both into
 * commands for the mixer. Starting, rendering for the output, settling PlayHandles and
 * closing live in its base, `PlayerLifecycle` (lifecycle.ts).
 */
import {
  checkRange,
  isFrameIterable,
  MAX_VOLUME,
  type ResolvedConfig,
  resolveSpec,
  type SoundSpec,
} from "../config.js";
import { type CueController, type CueOptions, resolveCue } from "../engine/cue.js";
import { type Ducking, resolveDucking } from "../engine/ducker.js";
import { Mixer } from "../engine/mixer.js";
import { ClipPlayback, type Playback } from "../engine/playback.js";
import { type Bus, DECLICK_SECONDS, Voice } from "../engine/voice.js";
import type { AudioFormat } from "../format.js";
import type { ClipCache } from "../sources/cache.js";
import { PlayHandle } from "./handle.js";
import { PlayerLifecycle } from "./lifecycle.js";
import type { SoundOpener } from "./opener.js";
import { PythonRandom } from "./random.js";
import { choose } from "./selection.js";

/** agents-js' default, accepted because code written for it may pass it along. */
const LIVEKIT_STREAM_TIMEOUT_MS = 2000;

export interface BackgroundAudioPlayerOptions {
  /** Loops in the background while the player runs. */
  ambientSound?: SoundSpec;
  /** Plays while the agent is thinking. */
  thinkingSound?: SoundSpec;
  /** roomtone: plays while tool calls run. */
  toolSound?: SoundSpec;
  /** Only agents-js' default (2000) is accepted: roomtone's mix never waits on a stream. */
  streamTimeoutMs?: number;
  /** The bed dips under the agent's speech: true (default), false, or settings. */
  ducking?: Partial<Ducking> | boolean | null;
  /** Thinking cue timing: delay, loop, minPlay, fadeIn, fadeOut, resumeWithin (seconds). */
  thinking?: Partial<CueOptions>;
  /** Tool cue timing, the same settings. */
  tool?: Partial<CueOptions>;
  /** Whole-mix level, 0 to 4. */
  masterVolume?: number;
  /** Reproducible probability draws (the same draws as the Python package's seed). */
  seed?: number;
  /** A decode cache of your own (default: the process's). */
  cache?: ClipCache;
  /** LiveKit: the published track's name. */
  trackName?: string;
  /** LiveKit: the track's format and block length. */
  sampleRate?: number;
  numChannels?: number;
  frameDuration?: number;
}

const OPTION_NAMES = new Set([
  "ambientSound",
  "thinkingSound",
  "toolSound",
  "streamTimeoutMs",
  "ducking",
  "thinking",
  "tool",
  "masterVolume",
  "seed",
  "cache",
  "trackName",
  "sampleRate",
  "numChannels",
  "frameDuration",
]);

/**
 * Ambient, thinking and tool sounds plus on-demand playback, mixed live into one output.
 * A drop-in for `voice.BackgroundAudioPlayer` of `@livekit/agents`, with roomtone's extras.
 */
export class BackgroundAudioPlayer extends PlayerLifecycle {
  /** The handle of the ambient sound, once started. */
  ambientHandle: PlayHandle | null = null;
  private ambient: ResolvedConfig[] | ResolvedConfig | null;
  private readonly thinkingSound: ResolvedConfig[] | ResolvedConfig | null;
  private readonly toolSound: ResolvedConfig[] | ResolvedConfig | null;
  private readonly ducking: Ducking | null;
  private readonly thinkingOptions: CueOptions;
  private readonly toolOptions: CueOptions;
  private masterLevel: number;
  private readonly rng: PythonRandom;
  private ambientVoice: Voice | null = null;
  private agentState = "initializing";
  private toolsRunning = false;
  private thinkingOn = false;
  private toolOn = false;
  private toolHeldBack = false; // a running tool's sound waits behind the agent's speech

  constructor(options: BackgroundAudioPlayerOptions = {}) {
    super(
      {
        trackName: options.trackName ?? "background_audio",
        sampleRate: options.sampleRate ?? 48000,
        numChannels: options.numChannels ?? 1,
        frameDuration: options.frameDuration ?? 0.05,
      },
      options.cache,
    );
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) {
        throw new TypeError(
          `BackgroundAudioPlayer has no option '${key}'; known: ${[...OPTION_NAMES].join(", ")}`,
        );
      }
    }
    this.ambient = resolveSpec(options.ambientSound, "ambientSound");
    this.thinkingSound = resolveSpec(options.thinkingSound, "thinkingSound");
    this.toolSound = resolveSpec(options.toolSound, "toolSound");
    if (options.streamTimeoutMs !== undefined && options.streamTimeoutMs !== LIVEKIT_STREAM_TIMEOUT_MS) {
      // agents-js' mixer waits up to this long for each slow stream, which stalls the whole
      // mix. roomtone's mix never waits: a slow iterable only starves its own sound.
      throw new RangeError(
        `streamTimeoutMs=${options.streamTimeoutMs} has no meaning in roomtone: the mix never waits for a slow stream (only that stream's sound has a gap), so there is no timeout to tune; remove the option`,
      );
    }
    this.ducking = resolveDucking(options.ducking);
    this.thinkingOptions = resolveCue(options.thinking, "thinking");
    this.toolOptions = resolveCue(options.tool, "tool");
    this.masterLevel = checkRange("masterVolume", options.masterVolume ?? 1, 0, MAX_VOLUME);
    this.rng = new PythonRandom(options.seed);
  }

  // -- the lifecycle's hooks ------------------------------------------------------------------
  protected newMixer(format: AudioFormat): Mixer {
    return new Mixer(format, {
      ducking: this.ducking,
      thinking: this.thinkingOptions,
      tool: this.toolOptions,
      masterVolume: this.masterLevel,
    });
  }

  protected async openSounds(mixer: Mixer): Promise<void> {
    await this.checkCues();
    if (this.ambient === null) return;
    const config = choose(this.ambient, this.rng);
    if (config === null) return;
    const [voice, handle] = await this.openAmbient(config);
    this.ambientVoice = voice;
    this.ambientHandle = handle;
    mixer.addVoice(voice);
  }

  protected forgetSounds(): void {
    this.ambientVoice = null;
    this.ambientHandle = null;
  }

  /**
   * Every cue file must decode: a missing one, or one that exists but does not decode (a
   * text file named .mp3), fails start() now instead of a cue that silently never plays.
   * This also warms the decode cache.
   */
  private async checkCues(): Promise<void> {
    const opener = this.opener as SoundOpener;
    const checks: Array<Promise<unknown>> = [];
    for (const spec of [this.thinkingSound, this.toolSound]) {
      const configs = spec === null ? [] : Array.isArray(spec) ? spec : [spec];
      for (const config of configs)
        if (!isFrameIterable(config.source)) checks.push(opener.checkedClip(config));
    }
    await Promise.all(checks);
  }

  private async openAmbient(config: ResolvedConfig): Promise<[Voice, PlayHandle]> {
    const opener = this.opener as SoundOpener;
    const loop = !isFrameIterable(config.source);
    if (loop) await opener.checkedClip(config);
    return this.makeVoice(config, opener.open(config, loop), "bed");
  }

  // -- playing ------------------------------------------------------------------------------
  private makeVoice(config: ResolvedConfig, playback: Playback, bus: Bus): [Voice, PlayHandle] {
    const opener = this.opener as SoundOpener;
    const fmt = opener.format;
    const fadeOut = fmt.frames(config.fadeOut);
    const voice: Voice = new Voice(playback, {
      volume: config.volume,
      fadeIn: fmt.frames(config.fadeIn),
      bus,
      declick: fmt.frames(DECLICK_SECONDS),
      onFinish: (finished, end) => {
        opener.release(finished.playback);
        this.pending.push({ end, handle, error: finished.error });
      },
    });
    const handle = new PlayHandle({
      stop: () => this.submit(() => voice.stop(fadeOut)),
      setVolume: (v, ramp) => this.submit(() => voice.setVolume(v, fmt.frames(ramp))),
    });
    this.handles.add(handle);
    return [voice, handle];
  }

  private submit(command: () => void): void {
    if (this.mixerInstance !== null && !this.closed) this.mixerInstance.submit(command);
  }

  /**
   * Play a sound once (or looping); returns a handle to await, stop or re-level it. A missing
   * file throws here; a decode failure found later ends only this handle (awaiting rejects).
   */
  play(audio: SoundSpec, loop = false): PlayHandle {
    const mixer = this.mixer;
    const spec = resolveSpec(audio, "audio");
    if (spec === null) throw new TypeError("audio must be a sound to play, got undefined");
    const config = choose(spec, this.rng);
    if (config === null) return PlayHandle.finished();
    const playback = (this.opener as SoundOpener).open(config, loop);
    const [voice, handle] = this.makeVoice(config, playback, "effects");
    mixer.submit(() => mixer.addVoice(voice));
    return handle;
  }

  // -- state (called by the session link and integrations) ----------------------------------
  /** Draw the cue's sound now (per thought) and open it, so decoding overlaps the delay. */
  private cueFactory(
    spec: ResolvedConfig[] | ResolvedConfig,
    options: CueOptions,
  ): (fadeIn: number) => Voice | null {
    const config = choose(spec, this.rng);
    if (config === null) return () => null;
    let playback: Playback;
    try {
      playback = (this.opener as SoundOpener).openAgain(config, options.loop);
    } catch (error) {
      process.emitWarning(`roomtone: cue sound unavailable: ${(error as Error).message}`);
      return () => null;
    }
    const fmt = this.mixer.format;
    return (fadeIn) =>
      new Voice(playback, {
        volume: config.volume,
        fadeIn: Math.max(fadeIn, fmt.frames(config.fadeIn)),
        bus: "bed",
        declick: fmt.frames(DECLICK_SECONDS),
        onFinish: warnStreamError,
      });
  }

  private setCue(
    cue: CueController,
    spec: ResolvedConfig[] | ResolvedConfig | null,
    options: CueOptions,
    on: boolean,
    skipDelay: boolean,
    atOnce: boolean,
  ): void {
    const mixer = this.mixer;
    if (spec === null) return;
    if (on) {
      const factory = this.cueFactory(spec, options);
      mixer.submit(() => cue.activate(mixer.position, factory, skipDelay));
    } else {
      mixer.submit(() => cue.deactivate(mixer.position, atOnce));
    }
  }

  /** Tell the player the agent's state ("thinking", "speaking", ...) yourself. */
  setAgentState(state: string): void {
    const mixer = this.mixer;
    this.agentState = state;
    this.updateCues();
    const speaking = state === "speaking";
    mixer.submit(() => {
      mixer.ducker.agentSpeaking = speaking;
    });
  }

  setUserState(state: string): void {
    const mixer = this.mixer;
    const speaking = state === "speaking";
    mixer.submit(() => {
      mixer.ducker.userSpeaking = speaking;
    });
  }

  /** Whether any tool call is in progress (drives `toolSound`). */
  setToolsRunning(running: boolean): void {
    this.toolsRunning = running;
    this.updateCues();
  }

  /**
   * The same rules as the Python player: the tool sound plays while a tool runs and the agent
   * is not speaking (it comes back, without a second delay, if the tool is still running
   * after the speech); the thinking sound plays while the agent thinks and no tool sound is
   * pending. When the agent starts speaking, cues end without their minimum play time.
   */
  private updateCues(): void {
    const mixer = this.mixer;
    const speaking = this.agentState === "speaking";
    const toolPending = this.toolsRunning && this.toolSound !== null;
    const toolOn = toolPending && !speaking;
    const thinkingOn = this.agentState === "thinking" && !toolPending;
    // Thinking handing over to a tool (or back) is one busy stretch: no second delay.
    const handover = toolOn !== this.toolOn && thinkingOn !== this.thinkingOn;
    if (toolOn !== this.toolOn) {
      // Back after speech with the tool still running: the wait goes on, no new delay.
      const skip = handover || this.toolHeldBack;
      this.toolOn = toolOn;
      this.setCue(mixer.tool, this.toolSound, this.toolOptions, toolOn, skip, speaking);
    }
    this.toolHeldBack = toolPending && !toolOn;
    if (thinkingOn !== this.thinkingOn) {
      this.thinkingOn = thinkingOn;
      this.setCue(mixer.thinking, this.thinkingSound, this.thinkingOptions, thinkingOn, handover, speaking);
    }
  }

  // -- live control -------------------------------------------------------------------------
  /** The whole-mix level the player is at or ramping to. */
  get masterVolume(): number {
    return this.masterLevel;
  }

  /** Scale the whole mix, ramped over `ramp` seconds. */
  setMasterVolume(volume: number, ramp = 0.1): void {
    const mixer = this.mixer;
    const level = checkRange("volume", volume, 0, MAX_VOLUME);
    checkRange("ramp", ramp, 0, 60);
    this.masterLevel = level;
    const frames = mixer.format.frames(Math.max(ramp, DECLICK_SECONDS));
    mixer.submit(() => mixer.master.set(level, frames));
  }

  /** Fade the ambient bed out and hold its place. */
  pauseAmbient(fade = 0.5): void {
    const voice = this.ambientVoice;
    const mixer = this.mixer;
    if (voice !== null) mixer.submit(() => voice.pause(mixer.format.frames(fade)));
  }

  /** Fade the ambient bed back in where it paused. */
  resumeAmbient(fade = 0.5): void {
    const voice = this.ambientVoice;
    const mixer = this.mixer;
    if (voice !== null) mixer.submit(() => voice.resume(mixer.format.frames(fade)));
  }

  /**
   * Replace the ambient bed, crossfading over `crossfade` seconds (a scene change). The new
   * sound is opened first: a missing file throws and the current bed plays on.
   */
  setAmbient(sound: SoundSpec | null, crossfade = 2): PlayHandle | null {
    const mixer = this.mixer;
    checkRange("crossfade", crossfade, 0, 60);
    const spec = resolveSpec(sound, "sound");
    const config = spec === null ? null : choose(spec, this.rng);
    const opener = this.opener as SoundOpener;
    const playback = config === null ? null : opener.open(config, !isFrameIterable(config.source));
    const old = this.ambientVoice;
    const frames = mixer.format.frames(crossfade);
    if (old !== null) mixer.submit(() => old.stop(frames));
    this.ambient = spec;
    this.ambientVoice = null;
    this.ambientHandle = null;
    if (config === null || playback === null) return null;
    const faded = { ...config, fadeIn: Math.max(config.fadeIn, crossfade) };
    const [voice, handle] = this.makeVoice(faded, playback, "bed");
    mixer.submit(() => mixer.addVoice(voice));
    this.ambientVoice = voice;
    this.ambientHandle = handle;
    return handle;
  }

  /** Keep looping the ambient bed, or let it play to its end and stop. */
  setAmbientLoop(loop: boolean): void {
    const voice = this.ambientVoice;
    const mixer = this.mixer;
    if (voice !== null && voice.playback instanceof ClipPlayback) {
      const playback = voice.playback;
      mixer.submit(() => {
        playback.loop = loop;
      });
    }
  }
}

/** A cue's iterator failed: it ends that cue (a cue has no handle to carry it); all else plays on. */
function warnStreamError(voice: Voice): void {
  if (voice.error !== null) process.emitWarning(`roomtone: cue sound stopped: ${voice.error.message}`);
}
