/**
 * Open a file as a Clip: check it at once (a missing file throws in the caller), decode it on
 * the decoder thread, and share the result through the cache.
 */
import { realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { AudioFileNotFoundError, DecodeError } from "../errors.js";
import type { AudioFormat } from "../format.js";
import { type ClipCache, type ClipKey, defaultCache } from "./cache.js";
import { Clip } from "./clip.js";
import { decodeInWorker } from "./decoderPool.js";

interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

const resolved = new Map<string, string>();

/** Check that `path` is a readable regular file; errors say which and how to fix it. */
export function checkFile(path: string): FileIdentity {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new AudioFileNotFoundError(`audio file '${path}' does not exist; check the path`, path);
    }
    throw new AudioFileNotFoundError(
      `audio file '${path}' cannot be read: ${(error as Error).message}`,
      path,
    );
  }
  if (stat.isDirectory()) {
    throw new AudioFileNotFoundError(`audio file '${path}' is a directory; pass a file inside it`, path);
  }
  if (!stat.isFile()) {
    throw new AudioFileNotFoundError(
      `audio file '${path}' is not a regular file (a pipe, socket or device)`,
      path,
    );
  }
  // Path resolution costs several system calls; hundreds of sessions start the same sound.
  const key = `${process.cwd()}\0${path}`;
  let real = resolved.get(key);
  if (real === undefined) {
    if (resolved.size > 4096) resolved.clear();
    real = realpathSync(resolve(path));
    resolved.set(key, real);
  }
  return { path: real, size: stat.size, mtimeMs: stat.mtimeMs };
}

/** The (possibly still decoding) clip of a file; throws at once if the file is missing. */
export function openClip(
  path: string,
  format: AudioFormat,
  options: { targetLufs?: number | null; cache?: ClipCache | undefined } = {},
): Clip {
  const identity = checkFile(path);
  const targetLufs = options.targetLufs ?? null;
  const key: ClipKey = { ...identity, format: format.key, targetLufs };
  const cache = options.cache ?? defaultCache;
  return cache.getOrCreate(key, () => {
    const clip = new Clip(format, path);
    decodeInWorker({ path, sampleRate: format.sampleRate, numChannels: format.numChannels, targetLufs }).then(
      ({ samples, peak }) => {
        clip.finish(samples, null, peak);
        cache.settle(key, clip);
      },
      (error: Error) => {
        clip.finish(null, new DecodeError(error.message, path));
        cache.settle(key, clip);
      },
    );
    return clip;
  });
}
