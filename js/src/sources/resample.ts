/**
 * Channel remixing and streaming resampling to the output format.
 *
 * A windowed-sinc (Blackman-Harris, 32 zero crossings) interpolator with its cutoff at the
 * lower of the two Nyquist rates, keeping filter history across chunks: resampling happens
 * once per clip (or once per stream chunk), never per output block.
 */

/** Mono is copied to every channel; more channels are averaged down to mono first. */
export function remix(samples: Float32Array, have: number, want: number): Float32Array {
  if (have === want) return samples;
  const frames = samples.length / have;
  const mono = new Float32Array(frames);
  if (have === 1) mono.set(samples);
  else {
    for (let i = 0, j = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < have; c++, j++) sum += samples[j] as number;
      mono[i] = sum / have;
    }
  }
  if (want === 1) return mono;
  const out = new Float32Array(frames * want);
  for (let i = 0, j = 0; i < frames; i++) for (let c = 0; c < want; c++, j++) out[j] = mono[i] as number;
  return out;
}

const ZERO_CROSSINGS = 32;
const TABLE_STEPS = 512; // kernel samples per zero crossing (linear interpolation between them)

function kernelTable(): Float64Array {
  const size = ZERO_CROSSINGS * TABLE_STEPS + 2;
  const table = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const x = i / TABLE_STEPS;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const t = 0.5 + (0.5 * x) / ZERO_CROSSINGS; // window position in [0.5, 1]
    const a = 2 * Math.PI * t;
    const window =
      x >= ZERO_CROSSINGS
        ? 0
        : 0.35875 - 0.48829 * Math.cos(a) + 0.14128 * Math.cos(2 * a) - 0.01168 * Math.cos(3 * a);
    table[i] = sinc * window;
  }
  return table;
}

let sharedTable: Float64Array | null = null;

/** Resamples an interleaved stream chunk by chunk; `flush()` returns the tail. */
export class StreamResampler {
  readonly inRate: number;
  readonly outRate: number;
  private readonly channels: number;
  private readonly ratio: number;
  private readonly scale: number;
  private readonly half: number;
  private readonly table: Float64Array;
  private history: Float32Array; // interleaved input not yet fully consumed
  private time: number; // position of the next output frame, in input frames from history[0]

  constructor(inRate: number, outRate: number, channels: number) {
    this.inRate = inRate;
    this.outRate = outRate;
    this.channels = channels;
    this.ratio = inRate / outRate;
    this.scale = Math.min(1, outRate / inRate); // lower the cutoff when downsampling
    this.half = Math.ceil(ZERO_CROSSINGS / this.scale);
    sharedTable ??= kernelTable();
    this.table = sharedTable;
    // Start with `half` frames of silence so the first output frame sits on input frame 0.
    this.history = new Float32Array(this.half * channels);
    this.time = this.half;
  }

  convert(chunk: Float32Array): Float32Array {
    const joined = new Float32Array(this.history.length + chunk.length);
    joined.set(this.history);
    joined.set(chunk, this.history.length);
    return this.run(joined, false);
  }

  flush(): Float32Array {
    const pad = new Float32Array(this.history.length + this.half * 2 * this.channels);
    pad.set(this.history);
    return this.run(pad, true);
  }

  private run(input: Float32Array, last: boolean): Float32Array {
    const ch = this.channels;
    const frames = input.length / ch;
    const half = this.half;
    const limit = frames - half; // an output frame needs `half` input frames after it
    const count = Math.max(0, Math.ceil((limit - this.time) / this.ratio));
    const wanted = last ? Math.max(0, Math.ceil((frames - 2 * half - this.time) / this.ratio)) : count;
    const n = Math.min(count, wanted);
    const out = new Float32Array(n * ch);
    const table = this.table;
    const scale = this.scale;
    const step = scale * TABLE_STEPS;
    const acc = new Float64Array(ch);
    for (let k = 0; k < n; k++) {
      const t = this.time + k * this.ratio;
      const centre = Math.floor(t);
      const frac = t - centre;
      acc.fill(0);
      let norm = 0;
      for (let i = centre - half + 1; i <= centre + half; i++) {
        const x = Math.abs(i - centre - frac) * step;
        const xi = Math.floor(x);
        if (xi >= table.length - 1) continue;
        const w =
          ((table[xi] as number) + ((table[xi + 1] as number) - (table[xi] as number)) * (x - xi)) * scale;
        norm += w;
        const base = i * ch;
        for (let c = 0; c < ch; c++) acc[c] = (acc[c] as number) + (input[base + c] as number) * w;
      }
      const g = norm !== 0 ? 1 : 0;
      for (let c = 0; c < ch; c++) out[k * ch + c] = (acc[c] as number) * g;
    }
    const nextTime = this.time + n * this.ratio;
    const drop = Math.max(0, Math.floor(nextTime) - half);
    this.history = input.slice(drop * ch);
    this.time = nextTime - drop;
    return out;
  }
}

/** Convert a whole interleaved signal to the wanted rate and channel count. */
export function convertAll(
  samples: Float32Array,
  inRate: number,
  inChannels: number,
  outRate: number,
  outChannels: number,
): Float32Array {
  const mixed = remix(samples, inChannels, outChannels);
  if (inRate === outRate) return mixed;
  const resampler = new StreamResampler(inRate, outRate, outChannels);
  const body = resampler.convert(mixed);
  const tail = resampler.flush();
  const out = new Float32Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}
