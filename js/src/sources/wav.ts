/**
 * Our own WAV reader: no decoder library, tolerant of what real files do.
 *
 * Handles PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE, chunks in any order,
 * odd-sized chunks (with their pad byte) and a data chunk cut short (decodes what is there).
 * Anything else throws DecodeError; it never throws anything else.
 */
import { DecodeError } from "../errors.js";

/** Float sources are clamped to +-16 (+24 dBFS): hot masters keep their overs, garbage cannot overflow. */
export const MAX_SAMPLE = 16;

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;
const MAX_CHANNELS = 64;
const MAX_RATE = 768_000;

export interface WavInfo {
  sampleRate: number;
  numChannels: number;
  bits: number;
  isFloat: boolean;
  dataOffset: number;
  /** Clamped to what the file really holds. */
  dataBytes: number;
}

export interface DecodedAudio {
  /** Interleaved samples at the file's own rate. */
  samples: Float32Array;
  sampleRate: number;
  numChannels: number;
}

function fail(path: string, reason: string): DecodeError {
  return new DecodeError(`cannot decode WAV file '${path}': ${reason}`, path);
}

export function isWav(bytes: Uint8Array): boolean {
  return tag(bytes, 0) === "RIFF" && tag(bytes, 8) === "WAVE";
}

function tag(bytes: Uint8Array, at: number): string {
  return bytes.length >= at + 4 ? String.fromCharCode(...bytes.subarray(at, at + 4)) : "";
}

function parseFmt(
  view: DataView,
  at: number,
  size: number,
  path: string,
): Omit<WavInfo, "dataOffset" | "dataBytes"> {
  if (size < 16) throw fail(path, `fmt chunk is ${size} bytes, needs at least 16`);
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const rate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (format === EXTENSIBLE) {
    if (size < 40) throw fail(path, "WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes");
    format = view.getUint16(at + 24, true);
  }
  if (format !== PCM && format !== FLOAT) {
    throw fail(path, `format tag 0x${format.toString(16)} is not PCM or IEEE float; convert it to PCM`);
  }
  const isFloat = format === FLOAT;
  const allowed = isFloat ? [32, 64] : [8, 16, 24, 32];
  if (!allowed.includes(bits)) {
    throw fail(
      path,
      `${bits}-bit ${isFloat ? "float" : "PCM"} is not supported (allowed: (${allowed.join(", ")}))`,
    );
  }
  if (!(channels >= 1 && channels <= MAX_CHANNELS)) {
    throw fail(path, `channel count ${channels} is out of range 1..${MAX_CHANNELS}`);
  }
  if (!(rate >= 1 && rate <= MAX_RATE))
    throw fail(path, `sample rate ${rate} is out of range 1..${MAX_RATE}`);
  if (blockAlign !== (channels * bits) / 8) {
    throw fail(path, `block align ${blockAlign} does not match ${channels}x${bits}-bit`);
  }
  return { sampleRate: rate, numChannels: channels, bits, isFloat };
}

/** Walk the RIFF chunks and return the checked header. */
export function readWavInfo(bytes: Uint8Array, path: string): WavInfo {
  if (!isWav(bytes)) throw fail(path, "not a RIFF/WAVE file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.length;
  let fmt: Omit<WavInfo, "dataOffset" | "dataBytes"> | null = null;
  let data: [number, number] | null = null;
  let pos = 12;
  while (pos + 8 <= size && (fmt === null || data === null)) {
    const id = tag(bytes, pos);
    const chunk = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "fmt ") fmt = parseFmt(view, body, Math.min(chunk, size - body, 1024), path);
    else if (id === "data") data = [body, Math.min(chunk, size - body)];
    pos = body + chunk + (chunk & 1);
  }
  if (fmt === null) throw fail(path, "no fmt chunk");
  if (data === null) throw fail(path, "no data chunk");
  return { ...fmt, dataOffset: data[0], dataBytes: data[1] };
}

/** Decode a whole WAV file held in memory to interleaved float32. */
export function decodeWav(bytes: Uint8Array, path: string): DecodedAudio {
  const info = readWavInfo(bytes, path);
  const width = info.bits / 8;
  const count = Math.floor(info.dataBytes / (width * info.numChannels)) * info.numChannels;
  const view = new DataView(bytes.buffer, bytes.byteOffset + info.dataOffset, count * width);
  const out = new Float32Array(count);
  if (info.isFloat) {
    for (let i = 0; i < count; i++) {
      const v = info.bits === 32 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
      out[i] = Number.isNaN(v)
        ? 0
        : Math.min(MAX_SAMPLE, Math.max(-MAX_SAMPLE, v === Infinity ? 1 : v === -Infinity ? -1 : v));
    }
  } else if (info.bits === 8) {
    for (let i = 0; i < count; i++) out[i] = (view.getUint8(i) - 128) / 128;
  } else if (info.bits === 16) {
    for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  } else if (info.bits === 24) {
    for (let i = 0; i < count; i++) {
      const j = i * 3;
      const v = view.getUint8(j) | (view.getUint8(j + 1) << 8) | (view.getInt8(j + 2) << 16);
      out[i] = v / 8388608;
    }
  } else {
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true) / 2147483648;
  }
  return { samples: out, sampleRate: info.sampleRate, numChannels: info.numChannels };
}

/** 16-bit PCM WAV bytes of interleaved float32 samples (clipped to [-1, 1]). */
export function encodeWav16(samples: Float32Array, sampleRate: number, numChannels: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  writeWavHeader(view, sampleRate, numChannels, samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] as number));
    view.setInt16(44 + i * 2, Math.round(v * 32767), true);
  }
  return bytes;
}

/** The 44-byte header of a 16-bit PCM WAV file holding `dataBytes` of samples. */
export function writeWavHeader(
  view: DataView,
  sampleRate: number,
  numChannels: number,
  dataBytes: number,
): void {
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, text.charCodeAt(i));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, PCM, true);
  view.setUint16(22, numChannels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * numChannels * 2, true);
  view.setUint16(32, numChannels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
}
