/**
 * The player's one run: `start()` (undone on failure, cancelled by `close()`), the output
 * pulling blocks, and `close()` (the mix fades out over 5 ms, heard to its end, before the
 * output stops). A base of `BackgroundAudioPlayer`, which owns the sounds and the policy.
 */
import type { Mixer } from "../engine/mixer.js";
import { DECLICK_SECONDS } from "../engine/voice.js";
import { PlayerStateError, type SourceError } from "../errors.js";
import type { AudioFormat } from "../format.js";
import { type AudioOutput, closeFadePatienceMs, isAudioOutput, type Renderer } from "../outputs/output.js";
import type { ClipCache } from "../sources/cache.js";
import { ClosingFade } from "./closingFade.js";
import type { PlayHandle } from "./handle.js";
import { SoundOpener } from "./opener.js";
import { SessionLink, type StateSink } from "./sessionLink.js";

const CLOSE_TIMEOUT_MS = 2000;

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

export interface Pending {
  end: number;
  handle: PlayHandle;
  error: SourceError | null;
}

/** A LiveKit track's name, format and block length (used when `start()` gets a room). */
export interface TrackSettings {
  trackName: string;
  sampleRate: number;
  numChannels: number;
  frameDuration: number;
}

/** Start, render, close: the state every other part of the player reads. */
export abstract class PlayerLifecycle implements Renderer, StateSink {
  readonly trackName: string;
  /** The LiveKit track publication, once started on a room. */
  publication: unknown = null;
  protected outputTarget: AudioOutput | null = null;
  protected mixerInstance: Mixer | null = null;
  protected opener: SoundOpener | null = null;
  protected pending: Pending[] = [];
  protected readonly handles = new Set<PlayHandle>();
  protected closed = false;
  private readonly lkFormat: { sampleRate: number; numChannels: number; frameDuration: number };
  private readonly cache: ClipCache | undefined;
  private link: SessionLink | null = null;
  private startRun: Promise<void> | null = null; // start()'s steps, while they run
  private closing: ClosingFade | null = null; // from close(): the fade, then silence
  private fadeHeard: (() => void) | null = null; // close() waits on it for the fade's delivery
  private closeRun: Promise<void> | null = null; // close()'s steps: a second call waits for them

  constructor(track: TrackSettings, cache: ClipCache | undefined) {
    const { trackName, ...lkFormat } = track;
    this.trackName = trackName;
    this.lkFormat = lkFormat;
    this.cache = cache;
  }

  /** The mixer for an output of `format`, with the player's settings. */
  protected abstract newMixer(format: AudioFormat): Mixer;
  /** Check and open the sounds (`this.opener` is ready); the ambient goes into `mixer`. */
  protected abstract openSounds(mixer: Mixer): Promise<void>;
  /** A failed `start()`: drop what `openSounds` kept. */
  protected abstract forgetSounds(): void;
  abstract setAgentState(state: string): void;
  abstract setUserState(state: string): void;
  abstract setToolsRunning(running: boolean): void;

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
    const mixer = this.newMixer(target.format);
    const opener = new SoundOpener(target.format, this.cache);
    this.opener = opener;
    let started = false;
    try {
      await this.openSounds(mixer);
      this.closedWhileStarting();
      this.mixerInstance = mixer;
      this.outputTarget = target;
      started = true;
      await target.start(this);
      this.closedWhileStarting();
    } catch (error) {
      this.mixerInstance = null;
      this.outputTarget = null;
      this.forgetSounds();
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
