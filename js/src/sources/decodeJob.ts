/**
 * One decode job, as the worker runs it: read the file, decode it, convert it to the output
 * format and (if asked) normalise its loudness. Pure function of its inputs, so the same file
 * gives the same samples in every process.
 */
import { readFile } from "node:fs/promises";
import { DecodeError, SourceError } from "../errors.js";
import { peakOf } from "./clip.js";
import { decodeBytes } from "./decode.js";
import { integratedLoudness } from "./loudness.js";
import { convertAll } from "./resample.js";

export interface DecodeRequest {
  id: number;
  path: string;
  sampleRate: number;
  numChannels: number;
  targetLufs: number | null;
}

export type DecodeReply =
  | { id: number; ok: true; samples: Float32Array; peak: number }
  | { id: number; ok: false; message: string };

/** The first 30 s are measured, as in the Python engine. */
const LOUDNESS_WINDOW_SECONDS = 30;

export async function runDecode(request: DecodeRequest): Promise<Float32Array> {
  const { path, sampleRate, numChannels, targetLufs } = request;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`cannot decode '${path}': ${reason}`, path);
  }
  const decoded = await decodeBytes(bytes, path);
  const samples = convertAll(
    decoded.samples,
    decoded.sampleRate,
    decoded.numChannels,
    sampleRate,
    numChannels,
  );
  if (targetLufs !== null) {
    const window = samples.subarray(0, LOUDNESS_WINDOW_SECONDS * sampleRate * numChannels);
    const measured = integratedLoudness(window, numChannels, sampleRate);
    if (Number.isFinite(measured)) {
      const gain = Math.fround(10 ** ((targetLufs - measured) / 20));
      for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] as number) * gain;
    }
  }
  return samples;
}

/** The reply for a request: samples, or the error's message (always worded as a DecodeError). */
export async function replyTo(request: DecodeRequest): Promise<DecodeReply> {
  try {
    const samples = await runDecode(request);
    return { id: request.id, ok: true, samples, peak: peakOf(samples) };
  } catch (error) {
    if (error instanceof SourceError) return { id: request.id, ok: false, message: error.message };
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { id: request.id, ok: false, message: `cannot decode '${request.path}': ${text}` };
  }
}
