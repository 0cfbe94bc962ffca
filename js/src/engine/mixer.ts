/**
 * The mixer: sums voices per bus, ducks the bed, applies master volume and the limiter.
 *
 * Everything that changes the mix arrives as a command (a function) in a queue and is applied
 * at the start of the next block, so a `play()` is heard from the next block and the mixer
 * alone owns the voices. Blocks are interleaved Float32Arrays, reused between calls.
 */
import type { AudioFormat } from "../format.js";
import { CueController, type CueOptions, DEFAULT_CUE } from "./cue.js";
import { Ducker, type Ducking } from "./ducker.js";
import { Limiter } from "./limiter.js";
import { LinearRamp } from "./ramp.js";
import type { Voice } from "./voice.js";

export type Command = () => void;

export interface MixerOptions {
  ducking?: Ducking | null;
  thinking?: CueOptions;
  tool?: CueOptions;
  masterVolume?: number;
  limiterCeilingDb?: number;
}

/** Renders blocks of interleaved float32 audio at a fixed format. */
export class Mixer {
  readonly format: AudioFormat;
  /** Frames rendered so far. */
  position = 0;
  voices: Voice[] = [];
  readonly ducker: Ducker;
  readonly limiter: Limiter;
  readonly master: LinearRamp;
  readonly thinking: CueController;
  readonly tool: CueController;
  private commands: Command[] = [];
  private capacity = 0;
  private out: Float32Array = new Float32Array(0);
  private bed: Float32Array = new Float32Array(0);
  private scratch: Float32Array = new Float32Array(0);

  constructor(format: AudioFormat, options: MixerOptions = {}) {
    this.format = format;
    const add = (voice: Voice): void => this.addVoice(voice);
    this.ducker = new Ducker(options.ducking ?? null, format.sampleRate);
    this.limiter = new Limiter(format.sampleRate, { ceilingDb: options.limiterCeilingDb ?? -1 });
    this.master = new LinearRamp(options.masterVolume ?? 1);
    this.thinking = new CueController(options.thinking ?? { ...DEFAULT_CUE }, format.sampleRate, add);
    this.tool = new CueController(options.tool ?? { ...DEFAULT_CUE }, format.sampleRate, add);
  }

  /** Run `command` before the next block. */
  submit(command: Command): void {
    this.commands.push(command);
  }

  /** Nothing plays and nothing is queued to: the next blocks are silence. */
  get idle(): boolean {
    return this.voices.length === 0 && this.commands.length === 0;
  }

  /** Add a voice now (from a command or before rendering starts). */
  addVoice(voice: Voice): void {
    this.voices.push(voice);
  }

  applyCommands(): void {
    if (this.commands.length > 0) {
      const commands = this.commands;
      this.commands = [];
      for (const command of commands) command();
    }
    this.thinking.update(this.position);
    this.tool.update(this.position);
  }

  /**
   * Whether every voice has its next `n` frames decoded (offline rendering waits). Paused
   * and stopping voices are not waited for: a stopped stream may never deliver again.
   */
  ready(n: number): boolean {
    return this.voices.every((v) => v.state === "paused" || v.state === "stopping" || v.playback.ready(n));
  }

  private ensure(n: number): void {
    if (n > this.capacity) {
      const size = n * this.format.numChannels;
      this.capacity = n;
      this.out = new Float32Array(size);
      this.bed = new Float32Array(size);
      this.scratch = new Float32Array(size);
    }
  }

  /** The next `n` frames, interleaved; the returned array is reused by the next call. */
  render(n: number): Float32Array {
    this.applyCommands();
    this.ensure(n);
    const ch = this.format.numChannels;
    const len = n * ch;
    const out = this.out.subarray(0, len);
    out.fill(0);
    const duck = this.ducker.advance(n);
    const direct = duck === 1; // the bed needs no gain: mix it in place
    const bed = direct ? out : this.bed.subarray(0, len);
    let bedUsed = false;
    let finished: Voice[] | null = null;
    let bound = 0;
    const scratch = this.scratch;
    for (const voice of this.voices) {
      if (voice.bus === "bed") {
        if (!bedUsed && !direct) bed.fill(0);
        bedUsed = true;
        voice.renderInto(bed, n, ch, scratch);
      } else {
        voice.renderInto(out, n, ch, scratch);
      }
      bound += voice.peakBound();
      if (voice.state === "finished") {
        finished ??= [];
        finished.push(voice);
      }
    }
    if (bedUsed && !direct) addScaled(out, bed, duck, n, ch);
    const master = this.master;
    if (master.moving) {
      const gains = master.advance(n) as Float32Array;
      for (let i = 0, j = 0; i < n; i++) {
        const g = gains[i] as number;
        for (let c = 0; c < ch; c++, j++) out[j] = (out[j] as number) * g;
      }
    } else if (master.value !== 1) {
      const g = Math.fround(master.value);
      for (let i = 0; i < len; i++) out[i] = (out[i] as number) * g;
    }
    const limiter = this.limiter;
    if (limiter.gain < 1 || bound * Math.max(master.value, master.target) > limiter.ceiling) {
      limiter.process(out, n, ch);
    }
    this.position += n;
    if (finished !== null) this.finish(finished);
    return out;
  }

  /** Drop finished voices and report them, with the end of this block as their end. */
  private finish(finished: Voice[]): void {
    const gone = new Set(finished);
    this.voices = this.voices.filter((v) => !gone.has(v));
    for (const voice of finished) voice.onFinish?.(voice, this.position);
  }

  /** Feed the agent's own outgoing audio so ducking follows its words. */
  sidechain(samples: Float32Array, frames: number): void {
    if (frames === 0 || this.ducker.settings === null) return;
    let sum = 0;
    for (let i = 0; i < samples.length; i++) sum += (samples[i] as number) ** 2;
    const rms = Math.sqrt(sum / samples.length);
    this.ducker.feedLevel(rms > 1e-9 ? 20 * Math.log10(rms) : Number.NEGATIVE_INFINITY, frames);
  }
}

function addScaled(
  out: Float32Array,
  bed: Float32Array,
  duck: number | Float32Array,
  n: number,
  ch: number,
): void {
  if (typeof duck === "number") {
    const g = Math.fround(duck);
    for (let i = 0; i < n * ch; i++) out[i] = (out[i] as number) + (bed[i] as number) * g;
    return;
  }
  for (let i = 0, j = 0; i < n; i++) {
    const g = duck[i] as number;
    for (let c = 0; c < ch; c++, j++) out[j] = (out[j] as number) + (bed[j] as number) * g;
  }
}
