/**
 * A LiveKit room as an output: the mix is published as one audio track through
 * `@livekit/rtc-node` (an `AudioSource` and a `LocalAudioTrack`), fed by the shared pump.
 *
 * The AudioSource keeps a short queue (two blocks) and paces what it is given in real time;
 * the pump captures each block when it falls due on the shared grid, so the queue stays
 * short and a stop is heard within about two blocks.
 */
import { OutputError } from "../errors.js";
import { AudioFormat, validateFrameDuration } from "../format.js";
import { type AudioOutput, closeFadePatienceMs, type Renderer } from "../outputs/output.js";
import { type Feed, sharedPump } from "./pump.js";

type Rtc = typeof import("@livekit/rtc-node");

interface Participant {
  publishTrack(track: unknown, options: unknown): Promise<{ sid?: string } & Record<string, unknown>>;
  unpublishTrack?(sid: string): Promise<void>;
}

export interface RoomOutputOptions {
  sampleRate?: number;
  numChannels?: number;
  frameDuration?: number;
  trackName?: string;
  publishOptions?: unknown;
}

async function loadRtc(): Promise<Rtc> {
  try {
    return await import("@livekit/rtc-node");
  } catch {
    throw new OutputError("LiveKit support needs the package: npm install @livekit/rtc-node");
  }
}

export class RoomOutput implements AudioOutput, Feed {
  readonly format: AudioFormat;
  readonly frameSize: number;
  readonly trackName: string;
  busy = false;
  publication: unknown = null;
  /** The rtc-node AudioSource the track reads from. */
  source: InstanceType<Rtc["AudioSource"]> | null = null;
  track: InstanceType<Rtc["LocalAudioTrack"]> | null = null;
  private readonly room: { localParticipant: Participant };
  private readonly publishOptions: unknown;
  private rtc: Rtc | null = null;
  private renderer: Renderer | null = null;
  private blocks = 0;
  private t0 = 0;
  private captured = 0;
  private pcm: Int16Array;
  private readonly blockMs: number;
  /** Called with every block before it is captured (meters, tests); reused after the call. */
  onBlock: ((block: Float32Array) => void) | null = null;
  /** Set when a capture failed; the output then stays silent. */
  failure: unknown = null;

  constructor(room: unknown, options: RoomOutputOptions = {}) {
    this.room = room as { localParticipant: Participant };
    this.format = new AudioFormat(options.sampleRate ?? 48000, options.numChannels ?? 1);
    const duration = validateFrameDuration(options.frameDuration ?? 0.05);
    this.frameSize = this.format.frames(duration);
    this.blockMs = (this.frameSize / this.format.sampleRate) * 1000;
    this.trackName = options.trackName ?? "background_audio";
    this.publishOptions = options.publishOptions;
    this.pcm = new Int16Array(this.frameSize * this.format.numChannels);
  }

  async start(renderer: Renderer): Promise<void> {
    const rtc = await loadRtc();
    this.rtc = rtc;
    const queueMs = Math.round(2 * this.blockMs);
    this.source = new rtc.AudioSource(this.format.sampleRate, this.format.numChannels, queueMs);
    this.track = rtc.LocalAudioTrack.createAudioTrack(this.trackName, this.source);
    const options =
      this.publishOptions ?? new rtc.TrackPublishOptions({ source: rtc.TrackSource.SOURCE_MICROPHONE });
    this.publication = await this.room.localParticipant.publishTrack(this.track, options);
    this.renderer = renderer;
    const now = performance.now();
    this.t0 = sharedPump.origin + Math.floor((now - sharedPump.origin) / this.blockMs) * this.blockMs;
    sharedPump.add(this);
  }

  /** The closing fade must also leave the AudioSource's queue (two blocks). */
  get closeFadePatienceMs(): number {
    return closeFadePatienceMs(this, 2 * this.blockMs);
  }

  dueAt(): number {
    return this.t0 + this.blocks * this.blockMs;
  }

  async step(): Promise<void> {
    const renderer = this.renderer;
    const source = this.source;
    const rtc = this.rtc;
    if (renderer === null || source === null || rtc === null) return;
    const block = renderer.render(this.frameSize);
    this.onBlock?.(block);
    const pcm = this.pcm;
    for (let i = 0; i < block.length; i++) {
      const v = block[i] as number;
      pcm[i] = Math.round((v > 1 ? 1 : Math.max(v, -1)) * 32767);
    }
    this.blocks += 1;
    const frame = new rtc.AudioFrame(
      pcm.slice(),
      this.format.sampleRate,
      this.format.numChannels,
      this.frameSize,
    );
    await source.captureFrame(frame);
    this.captured += this.frameSize;
    renderer.delivered?.();
  }

  fail(error: unknown): void {
    this.failure = error;
    process.emitWarning(`roomtone: LiveKit capture failed, background audio stopped: ${String(error)}`);
  }

  /** Frames captured minus what still waits in the AudioSource's queue. */
  deliveredFrames(): number {
    const queued = this.source === null ? 0 : (this.source.queuedDuration / 1000) * this.format.sampleRate;
    return Math.max(0, this.captured - Math.round(queued));
  }

  async close(): Promise<void> {
    sharedPump.remove(this);
    this.renderer = null;
    const sid = (this.publication as { sid?: string } | null)?.sid;
    if (sid !== undefined && typeof this.room.localParticipant.unpublishTrack === "function") {
      await this.room.localParticipant.unpublishTrack(sid);
    }
    await this.track?.close(false);
    await this.source?.close();
    this.source = null;
  }
}
