/**
 * Integrated loudness per ITU-R BS.1770-4 (K-weighting, 400 ms blocks, absolute and relative
 * gates), the same meter as the Python package's `roomtone.analysis.loudness`.
 */

const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;
const SHELF_HZ = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
const SHELF_VB_EXPONENT = 0.4996667741545416;
const HIGHPASS_HZ = 38.13547087602444;
const HIGHPASS_Q = 0.5003270373238773;

type Biquad = [number, number, number, number, number]; // b0 b1 b2 a1 a2 (a0 = 1)

function kWeighting(rate: number): [Biquad, Biquad] {
  let k = Math.tan((Math.PI * SHELF_HZ) / rate);
  const vh = 10 ** (SHELF_GAIN_DB / 20);
  const vb = vh ** SHELF_VB_EXPONENT;
  let a0 = 1 + k / SHELF_Q + k * k;
  const shelf: Biquad = [
    (vh + (vb * k) / SHELF_Q + k * k) / a0,
    (2 * (k * k - vh)) / a0,
    (vh - (vb * k) / SHELF_Q + k * k) / a0,
    (2 * (k * k - 1)) / a0,
    (1 - k / SHELF_Q + k * k) / a0,
  ];
  k = Math.tan((Math.PI * HIGHPASS_HZ) / rate);
  a0 = 1 + k / HIGHPASS_Q + k * k;
  const highpass: Biquad = [1, -2, 1, (2 * (k * k - 1)) / a0, (1 - k / HIGHPASS_Q + k * k) / a0];
  return [shelf, highpass];
}

function filterChannel(x: Float64Array, [b0, b1, b2, a1, a2]: Biquad): void {
  let z1 = 0;
  let z2 = 0;
  for (let i = 0; i < x.length; i++) {
    const input = x[i] as number;
    const y = b0 * input + z1;
    z1 = b1 * input - a1 * y + z2;
    z2 = b2 * input - a2 * y;
    x[i] = y;
  }
}

const loudnessOf = (power: number): number => -0.691 + 10 * Math.log10(power);

/** Gated integrated loudness in LUFS of interleaved samples; -Infinity for silence. */
export function integratedLoudness(samples: Float32Array, channels: number, rate: number): number {
  const frames = Math.floor(samples.length / channels);
  if (frames === 0) return Number.NEGATIVE_INFINITY;
  const [shelf, highpass] = kWeighting(rate);
  const block = Math.round(0.4 * rate);
  const step = Math.round(0.1 * rate);
  const cumulative = new Float64Array(frames + 1); // summed over channels (all weight 1)
  for (let c = 0; c < channels; c++) {
    const x = new Float64Array(frames);
    for (let i = 0; i < frames; i++) x[i] = samples[i * channels + c] as number;
    filterChannel(x, shelf);
    filterChannel(x, highpass);
    let sum = 0;
    for (let i = 0; i < frames; i++) {
      sum += (x[i] as number) ** 2;
      cumulative[i + 1] = (cumulative[i + 1] as number) + sum;
    }
  }
  const powers: number[] = [];
  if (frames < block) powers.push((cumulative[frames] as number) / frames);
  else {
    for (let s = 0; s + block <= frames; s += step) {
      powers.push(((cumulative[s + block] as number) - (cumulative[s] as number)) / block);
    }
  }
  const loud = powers.filter((p) => loudnessOf(p) > ABSOLUTE_GATE_LUFS);
  if (loud.length === 0) return Number.NEGATIVE_INFINITY;
  const relativeGate = loudnessOf(loud.reduce((a, b) => a + b, 0) / loud.length) + RELATIVE_GATE_LU;
  const gated = loud.filter((p) => loudnessOf(p) > relativeGate);
  return loudnessOf(gated.reduce((a, b) => a + b, 0) / gated.length);
}
