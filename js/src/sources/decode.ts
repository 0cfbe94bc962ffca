/**
 * Decoding a file held in memory: our WAV reader, or a WebAssembly decoder chosen by the
 * file's first bytes (Ogg Opus, Ogg Vorbis, MP3, FLAC). Runs on a decoder worker thread.
 */
import { DecodeError } from "../errors.js";
import { type DecodedAudio, decodeWav, isWav } from "./wav.js";

interface WasmResult {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: Array<{ message: string }>;
}

interface WasmDecoder {
  ready: Promise<void>;
  decodeFile(data: Uint8Array): Promise<WasmResult> | WasmResult;
  free(): void;
}

type Codec = "opus" | "vorbis" | "mp3" | "flac";

/** Which decoder a file needs, from its magic bytes; null when we do not know the format. */
export function sniff(bytes: Uint8Array): Codec | "wav" | null {
  if (isWav(bytes)) return "wav";
  const head = String.fromCharCode(...bytes.subarray(0, Math.min(bytes.length, 64)));
  if (head.startsWith("OggS")) {
    if (head.includes("OpusHead")) return "opus";
    if (head.includes("vorbis")) return "vorbis";
    return null;
  }
  if (head.startsWith("fLaC")) return "flac";
  if (head.startsWith("ID3")) return "mp3";
  if (bytes.length > 1 && bytes[0] === 0xff && ((bytes[1] as number) & 0xe0) === 0xe0) return "mp3";
  return null;
}

async function wasmDecoder(codec: Codec): Promise<WasmDecoder> {
  switch (codec) {
    case "opus": {
      const { OggOpusDecoder } = await import("ogg-opus-decoder");
      return new OggOpusDecoder() as unknown as WasmDecoder;
    }
    case "vorbis": {
      const { OggVorbisDecoder } = await import("@wasm-audio-decoders/ogg-vorbis");
      return new OggVorbisDecoder() as unknown as WasmDecoder;
    }
    case "mp3": {
      const { MPEGDecoder } = await import("mpg123-decoder");
      const mpeg = new MPEGDecoder();
      return { ready: mpeg.ready, decodeFile: (data) => mpeg.decode(data), free: () => mpeg.free() };
    }
    case "flac": {
      const { FLACDecoder } = await import("@wasm-audio-decoders/flac");
      return new FLACDecoder() as unknown as WasmDecoder;
    }
  }
}

/** Decode any supported file to interleaved float32 at its own rate. */
export async function decodeBytes(bytes: Uint8Array, path: string): Promise<DecodedAudio> {
  const codec = sniff(bytes);
  if (codec === "wav") return decodeWav(bytes, path);
  if (codec === null) {
    throw new DecodeError(
      `cannot decode '${path}': not a readable audio file (supported: WAV, Ogg Opus, Ogg Vorbis, MP3, FLAC); convert it to one of these`,
      path,
    );
  }
  const decoder = await wasmDecoder(codec);
  let result: WasmResult;
  try {
    await decoder.ready;
    result = await decoder.decodeFile(bytes);
  } finally {
    decoder.free();
  }
  const channels = result.channelData.length;
  const frames = result.samplesDecoded;
  if (channels === 0 || frames === 0) {
    const why = result.errors[0]?.message ?? "no audio stream";
    throw new DecodeError(`cannot decode '${path}': ${why}`, path);
  }
  const samples = new Float32Array(frames * channels);
  for (let c = 0; c < channels; c++) {
    const plane = result.channelData[c] as Float32Array;
    for (let i = 0; i < frames; i++) samples[i * channels + c] = plane[i] as number;
  }
  return { samples, sampleRate: result.sampleRate, numChannels: channels };
}
