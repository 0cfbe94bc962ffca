/**
 * One sound in the mix: a playback, a volume ramp and an equal-power fade, on a bus.
 *
 * A voice is only touched by the mixer (the player sends it commands through the mixer's
 * queue). Every change of level is ramped; even a "cut" fades over a few milliseconds.
 */
import type { SourceError } from "../errors.js";
import type { Playback } from "./playback.js";
import { EqualPowerFade, type Gain, LinearRamp, multiplyGains, Scratch } from "./ramp.js";

/** The shortest fade roomtone applies to any start, stop or seam. */
export const DECLICK_SECONDS = 0.005;

/** Voices on the bed bus (ambience, thinking and tool cues) duck under speech. */
export type Bus = "bed" | "effects";

export type VoiceState = "playing" | "pausing" | "paused" | "stopping" | "finished";

export interface VoiceOptions {
  volume?: number;
  fadeIn?: number;
  bus?: Bus;
  declick?: number;
  onFinish?: (voice: Voice, end: number) => void;
}

/** A playing sound. `onFinish` is called by the mixer with the end position in frames. */
export class Voice {
  readonly playback: Playback;
  readonly bus: Bus;
  state: VoiceState = "playing";
  onFinish: ((voice: Voice, end: number) => void) | undefined;
  error: SourceError | null = null;
  framesPlayed = 0;
  private readonly declick: number;
  private readonly volumeRamp: LinearRamp;
  private readonly fade = new EqualPowerFade(0);
  private steadyGain: number | null = null; // the gain while no ramp moves
  private bound: number | null = null; // cached peakBound() while the gain is steady
  private readonly gainScratch = new Scratch();

  constructor(playback: Playback, options: VoiceOptions = {}) {
    this.playback = playback;
    this.bus = options.bus ?? "effects";
    this.onFinish = options.onFinish;
    this.declick = Math.max(1, options.declick ?? 240);
    this.volumeRamp = new LinearRamp(options.volume ?? 1);
    this.fade.to(1, Math.max(options.fadeIn ?? 0, this.declick));
  }

  get active(): boolean {
    return this.state !== "finished";
  }

  get volume(): number {
    return this.volumeRamp.target;
  }

  /** The largest absolute sample this voice can add to the next block. */
  peakBound(): number {
    let bound = this.bound;
    if (bound === null) {
      const volume = this.volumeRamp;
      const playback = this.playback;
      bound = playback.peak * playback.gain * Math.max(volume.value, volume.target);
      if (this.steadyGain !== null && playback.peakFinal) this.bound = bound;
    }
    return bound;
  }

  setVolume(volume: number, frames: number): void {
    this.volumeRamp.set(volume, Math.max(frames, this.declick));
    this.invalidate();
  }

  /** Fade out and finish. */
  stop(fadeFrames: number): void {
    if (this.state === "finished") return;
    if (this.state === "paused") {
      this.state = "finished";
      return;
    }
    this.state = "stopping";
    this.fade.to(0, Math.max(fadeFrames, this.declick));
    this.invalidate();
  }

  /** Fade out and hold the position, to resume later from the same place. */
  pause(fadeFrames: number): void {
    if (this.state === "playing" || this.state === "pausing") {
      this.state = "pausing";
      this.fade.to(0, Math.max(fadeFrames, this.declick));
      this.invalidate();
    }
  }

  /** Fade back in from wherever the level is now (also cancels a fade-out in progress). */
  resume(fadeFrames: number): void {
    if (this.state === "pausing" || this.state === "paused" || this.state === "stopping") {
      this.state = "playing";
      this.fade.to(1, Math.max(fadeFrames, this.declick));
      this.invalidate();
    }
  }

  private invalidate(): void {
    this.steadyGain = null;
    this.bound = null;
  }

  /**
   * Add this voice's next `n` frames to interleaved `out`; returns frames of sound it had.
   * Afterwards `state` is "finished" if the sound ended or its fade-out completed.
   */
  renderInto(out: Float32Array, n: number, channels: number, scratch: Float32Array): number {
    const state = this.state;
    if (state === "paused") return 0;
    const playback = this.playback;
    const data = playback.pull(n, scratch);
    const k = data.length / channels;
    if (k === 0) {
      // starved or ended: ramps wait, so a late start still fades in
      if (playback.ended) {
        this.error = playback.error;
        this.state = "finished";
      } else if (state === "stopping") {
        this.state = "finished";
      } else if (state === "pausing") {
        this.state = "paused";
      }
      return 0;
    }
    const gain: Gain = this.steadyGain ?? this.movingGain(k);
    if (typeof gain === "number") {
      if (gain === 1) {
        for (let i = 0; i < data.length; i++) out[i] = (out[i] as number) + (data[i] as number);
      } else if (gain !== 0) {
        const g = Math.fround(gain);
        for (let i = 0; i < data.length; i++) out[i] = (out[i] as number) + (data[i] as number) * g;
      }
    } else if (channels === 1) {
      for (let i = 0; i < k; i++) out[i] = (out[i] as number) + (data[i] as number) * (gain[i] as number);
    } else {
      for (let i = 0, j = 0; i < k; i++) {
        const g = gain[i] as number;
        for (let c = 0; c < channels; c++, j++) out[j] = (out[j] as number) + (data[j] as number) * g;
      }
    }
    this.framesPlayed += k;
    if (playback.ended) {
      this.error = playback.error;
      this.state = "finished";
    } else if (state !== "playing" && this.steadyGain === 0) {
      this.state = state === "stopping" ? "finished" : "paused";
    }
    return k;
  }

  /** The gain while a ramp or fade moves; caches the level once both are still. */
  private movingGain(k: number): Gain {
    const volume = this.volumeRamp;
    const fade = this.fade;
    let gain = multiplyGains(volume.advance(k), fade.advance(k), this.gainScratch);
    const clipGain = this.playback.gain;
    if (clipGain !== 1) gain = multiplyGains(gain, clipGain, this.gainScratch);
    if (!volume.moving && !fade.moving) {
      const p = fade.position;
      const steady = volume.value * (p >= 1 ? 1 : Math.sin((p * Math.PI) / 2));
      this.steadyGain = steady * clipGain;
    }
    return gain;
  }
}
