/**
 * BackgroundAudioPlayer: the page's Node API (`voice.BackgroundAudioPlayer` of
 * `@livekit/agents`), on roomtone's engine, for a LiveKit room or any output.
 *
 * The player is policy: it picks sounds, follows the agent's state and turns both into
 * commands for the mixer. The output pulls blocks from the player, which also settles
 * PlayHandles once their last frame has been delivered.
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
import { PlayerStateError, type SourceError } from "../errors.js";
import { type AudioOutput, closeFadePatienceMs, isAudioOutput, type Renderer } from "../outputs/output.js";
import type { ClipCache } from "../sources/cache.js";
import { ClosingFade } from "./closingFade.js";
import { PlayHandle } from "./handle.js";
import { SoundOpener } from "./opener.js";
import { PythonRandom } from "./random.js";
import { choose } from "./selection.js";
import { SessionLink } from "./sessionLink.js";

const CLOSE_TIMEOUT_MS = 2000;
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

export interface BackgroundAudioStartOptions {
  /** A LiveKit `Room` (from @livekit/rtc-node) or a roomtone output. */
  room?: unknown;
  /** A `voice.AgentSession` (or anything emitting its events). */
  agentSession?: unknown;
  /** LiveKit: options for publishing the track. */
  trackPublishOptions?: unknown;
  /** A roomtone output (memory, file, null, offline) instead of a room. */
  output?: AudioOutput;
}

/** Anything that can publish a track, decided without importing @livekit/rtc-node. */
export function looksLikeLiveKitRoom(target: unknown): boolean {
  const participant = (target as { localParticipant?: { publishTrack?: unknown } } | null)?.localParticipant;
  return typeof participant?.publishTrack === "function";
}

interface Pending {
  end: number;
  handle: PlayHandle;
  error: SourceError | null;
}

/**
 * Ambient, thinking and tool sounds plus on-demand playback, mixed live into one output.
 * A drop-in for `voice.BackgroundAudioPlayer` of `@livekit/agents`, with roomtone's extras.
 */
export class BackgroundAudioPlayer implements Renderer {
  readonly trackName: string;
  /** The LiveKit track publication, once started on a room. */
  publication: unknown = null;
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
  private readonly cache: ClipCache | undefined;
  private readonly lkFormat: { sampleRate: number; numChannels: number; frameDuration: number };
  private outputTarget: AudioOutput | null = null;
  private mixerInstance: Mixer | null = null;
  private opener: SoundOpener | null = null;
  private link: SessionLink | null = null;
  private pending: Pending[] = [];
  private readonly handles = new Set<PlayHandle>();
  private ambientVoice: Voice | null = null;
  private closed = false;
  private startRun: Promise<void> | null = null; // start()'s steps, while they run
  private closing: ClosingFade | null = null; // from close(): the fade, then silence
  private fadeHeard: (() => void) | null = null; // close() waits on it for the fade's delivery
  private closeRun: Promise<void> | null = null; // close()'s steps: a second call waits for them
  private agentState = "initializing";
  private toolsRunning = false;
  private thinkingOn = false;
  private toolOn = false;
  private toolHeldBack = false; // a running tool's sound waits behind the agent's speech

  constructor(options: BackgroundAudioPlayerOptions = {}) {
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
    this.cache = options.cache;
    this.trackName = options.trackName ?? "background_audio";
    this.lkFormat = {
      sampleRate: options.sampleRate ?? 48000,
      numChannels: options.numChannels ?? 1,
      frameDuration: options.frameDuration ?? 0.05,
    };
  }

  // -- lifecycle ----------------------------------------------------------------------------
  get started(): boolean {
    return this.mixerInstance !== null && !this.closed;
  }

  get output(): AudioOutput | null {
    return this.outputTarget;
  }

  /** The engine's mixer (for tests and integrations); throws before start or after close. */
  get mixer(): Mixer {
    if (this.mixerInstance === null || this.closed) {
      throw new PlayerStateError(
        this.closed
          ? "BackgroundAudioPlayer is closed; create a new instance to play again"
          : "BackgroundAudioPlayer is not started; await player.start(...) first",
      );
    }
    return this.mixerInstance;
  }

  /**
   * Start mixing into `room` (a LiveKit room or a roomtone output) or `output`. The ambient
   * sound starts at once; `start()` rejects if it cannot be opened. With an `agentSession`
   * the thinking (and tool) sounds follow the agent's state.
   */
  async start(options: BackgroundAudioStartOptions): Promise<void> {
    if (this.closed) {
      throw new PlayerStateError(
        "this BackgroundAudioPlayer was closed and cannot restart; create a new BackgroundAudioPlayer instance",
      );
    }
    if (this.mixerInstance !== null || this.startRun !== null) {
      throw new PlayerStateError("BackgroundAudioPlayer.start() was already called");
    }
    const run = this.startSteps(options);
    this.startRun = run;
    try {
      await run;
    } finally {
      this.startRun = null;
    }
  }

  /** Open the sounds, start the output, follow the session; undo all of it on failure. */
  private async startSteps(options: BackgroundAudioStartOptions): Promise<void> {
    const target = await this.resolveOutput(options);
    const mixer = new Mixer(target.format, {
      ducking: this.ducking,
      thinking: this.thinkingOptions,
      tool: this.toolOptions,
      masterVolume: this.masterLevel,
    });
    const opener = new SoundOpener(target.format, this.cache);
    this.opener = opener;
    let started = false;
    try {
      await this.checkCues();
      if (this.ambient !== null) {
        const config = choose(this.ambient, this.rng);
        if (config !== null) {
          const [voice, handle] = await this.openAmbient(config);
          this.ambientVoice = voice;
          this.ambientHandle = handle;
          mixer.addVoice(voice);
        }
      }
      this.closedWhileStarting();
      this.mixerInstance = mixer;
      this.outputTarget = target;
      started = true;
      await target.start(this);
      this.closedWhileStarting();
    } catch (error) {
      this.mixerInstance = null;
      this.outputTarget = null;
      this.ambientVoice = null;
      this.ambientHandle = null;
      if (started) await withTimeout(target.close(), CLOSE_TIMEOUT_MS, "output did not close");
      await opener.close();
      throw error;
    }
    this.publication = (target as { publication?: unknown }).publication ?? null;
    if (options.agentSession !== undefined && options.agentSession !== null) {
      this.link = new SessionLink(options.agentSession, this);
    }
  }

  private closedWhileStarting(): void {
    if (this.closed) throw new PlayerStateError("close() was called while start() ran");
  }

  private async resolveOutput(options: BackgroundAudioStartOptions): Promise<AudioOutput> {
    const { room, output } = options;
    if (room !== undefined && output !== undefined && room !== output) {
      throw new TypeError("pass either room or output to start(), not both");
    }
    const target = output ?? room;
    if (isAudioOutput(target)) return target;
    if (target === undefined || target === null) {
      throw new TypeError("start() needs room (a LiveKit Room or a roomtone output)");
    }
    if (looksLikeLiveKitRoom(target)) {
      const { RoomOutput } = await import("../livekit/roomOutput.js");
      return new RoomOutput(target, {
        ...this.lkFormat,
        trackName: this.trackName,
        publishOptions: options.trackPublishOptions,
      });
    }
    const kind =
      typeof target === "object" ? ((target as object).constructor?.name ?? "object") : typeof target;
    throw new TypeError(`room must be a LiveKit Room or a roomtone AudioOutput, got ${kind}`);
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

  /**
   * Fade the mix out (5 ms, heard to its end), then stop and release the output; never
   * hangs, and a second call waits for the first. Before `start()` it does nothing and the
   * player may still be started (as LiveKit's Python player; agents-js 1.9's own disposes
   * its AudioSource there and cannot start after); a player that was started and closed
   * stays closed. A `start()` still running is undone.
   */
  close(): Promise<void> {
    if (this.closeRun === null && this.startRun === null && this.mixerInstance === null) {
      return Promise.resolve(); // never started: nothing to release, and start() may still come
    }
    this.closeRun ??= this.closeSteps();
    return this.closeRun;
  }

  private async closeSteps(): Promise<void> {
    this.closed = true;
    const starting = this.startRun;
    if (starting !== null) {
      // start() sees `closed` after its next step and undoes what it began.
      await withTimeout(
        starting.catch(() => undefined),
        CLOSE_TIMEOUT_MS,
        "start() did not stop after close()",
      );
      return;
    }
    this.link?.detach();
    this.link = null;
    const output = this.outputTarget;
    const mixer = this.mixerInstance;
    if (output !== null && mixer !== null) await this.fadeOut(output, mixer);
    this.outputTarget = null;
    if (output !== null) await withTimeout(output.close(), CLOSE_TIMEOUT_MS, "output did not close");
    if (this.opener !== null) await this.opener.close();
    for (const handle of this.handles) handle.markDone();
    this.handles.clear();
    this.pending = [];
  }

  /**
   * Fade the mix out over the de-click ramp and wait (bounded) until the output has
   * delivered it: a LiveKit output once the fade has left the AudioSource's queue, a paced
   * output at once (it renders the fade off the clock). Every block after is silence.
   */
  private async fadeOut(output: AudioOutput, mixer: Mixer): Promise<void> {
    const patience = output.closeFadePatienceMs ?? closeFadePatienceMs(output);
    const frames = patience > 0 && !mixer.idle ? mixer.format.frames(DECLICK_SECONDS) : 0;
    const fade = new ClosingFade(mixer, frames);
    this.closing = fade;
    if (frames === 0) return;
    const heard = new Promise<void>((resolve) => {
      this.fadeHeard = resolve;
    });
    output.renderNow?.(frames);
    await withTimeout(heard, patience); // past it, the output stopped pulling: nothing to hear
    this.fadeHeard = null;
  }

  // -- rendering (called by the output) -----------------------------------------------------
  render(n: number): Float32Array {
    if (this.closing !== null) return this.closing.render(n);
    return this.mixer.render(n);
  }

  prepare(n: number): boolean {
    if (this.closing !== null) return true;
    const mixer = this.mixer;
    mixer.applyCommands();
    return mixer.ready(n);
  }

  /** Settle handles whose sound's end has been delivered. */
  delivered(): void {
    const fadeEnd = this.closing?.end;
    if (this.fadeHeard !== null && fadeEnd != null && (this.outputTarget?.deliveredFrames() ?? 0) >= fadeEnd)
      this.fadeHeard();
    if (this.pending.length === 0) return;
    const delivered = this.outputTarget?.deliveredFrames() ?? Number.POSITIVE_INFINITY;
    const still: Pending[] = [];
    for (const entry of this.pending) {
      if (entry.end <= delivered || this.closed) {
        this.handles.delete(entry.handle);
        entry.handle.markDone(entry.error);
      } else {
        still.push(entry);
      }
    }
    this.pending = still;
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

/** Waits for `promise` at most `ms`; past it, warns with `late` (when given) and returns. */
async function withTimeout(promise: Promise<void>, ms: number, late?: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (late !== undefined) process.emitWarning(`roomtone: ${late} within ${ms / 1000} s`);
      resolve();
    }, ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
