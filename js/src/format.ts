/** The output audio format: sample rate and channel count, validated once. */

export const SUPPORTED_SAMPLE_RATES = [8000, 16000, 24000, 32000, 44100, 48000] as const;

export class AudioFormat {
  readonly sampleRate: number;
  readonly numChannels: number;

  constructor(sampleRate = 48000, numChannels = 1) {
    if (!(SUPPORTED_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
      throw new RangeError(
        `sampleRate must be one of (${SUPPORTED_SAMPLE_RATES.join(", ")}), got ${sampleRate}`,
      );
    }
    if (numChannels !== 1 && numChannels !== 2) {
      throw new RangeError(`numChannels must be 1 or 2, got ${numChannels}`);
    }
    this.sampleRate = sampleRate;
    this.numChannels = numChannels;
  }

  /** Whole frames in `seconds` (rounded to the nearest frame, halves to even like Python). */
  frames(seconds: number): number {
    return roundHalfEven(seconds * this.sampleRate);
  }

  get key(): string {
    return `${this.sampleRate}/${this.numChannels}`;
  }
}

/** Python's round(): halves go to the even neighbour, so both engines count the same frames. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Frame durations from 10 to 100 ms keep latency and per-call cost sensible. */
export function validateFrameDuration(frameDuration: number): number {
  if (!(frameDuration >= 0.01 && frameDuration <= 0.1)) {
    throw new RangeError(`frameDuration must be between 0.01 and 0.1 seconds, got ${frameDuration}`);
  }
  return frameDuration;
}
