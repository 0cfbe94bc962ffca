/**
 * A process-wide, byte-bounded cache of decoded clips, shared by every player.
 *
 * Keyed by the file's identity (real path, size, modification time), the output format and the
 * loudness target, so N sessions playing one clip decode it once and an edited file is decoded
 * again. Clips still decoding are never evicted; evicting only forgets a clip here (voices
 * playing it keep their reference).
 */
import type { Clip } from "./clip.js";

export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

export interface ClipKey {
  path: string;
  size: number;
  mtimeMs: number;
  format: string;
  targetLufs: number | null;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

const keyText = (key: ClipKey): string =>
  JSON.stringify([key.path, key.size, key.mtimeMs, key.format, key.targetLufs]);

export class ClipCache {
  readonly maxBytes: number;
  readonly stats: CacheStats = { hits: 0, misses: 0, evictions: 0 };
  private readonly clips = new Map<string, { key: ClipKey; clip: Clip }>();

  constructor(maxBytes = DEFAULT_CACHE_BYTES) {
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
    this.maxBytes = maxBytes;
  }

  /** The cached clip for `key`, or a new one made by `create` (which starts decoding). */
  getOrCreate(key: ClipKey, create: () => Clip): Clip {
    const text = keyText(key);
    const entry = this.clips.get(text);
    if (entry !== undefined && entry.clip.error === null) {
      this.clips.delete(text); // re-insert: Map order is our recency order
      this.clips.set(text, entry);
      this.stats.hits += 1;
      return entry.clip;
    }
    this.stats.misses += 1;
    for (const [other, old] of this.clips) {
      if (old.key.path === key.path && (old.key.size !== key.size || old.key.mtimeMs !== key.mtimeMs)) {
        this.clips.delete(other); // the file changed on disk: its old decodes are stale
      }
    }
    const clip = create();
    this.clips.set(text, { key, clip });
    this.evict();
    return clip;
  }

  /** Called when a clip finished decoding: drop it if it failed, else enforce the bound. */
  settle(key: ClipKey, clip: Clip): void {
    const text = keyText(key);
    if (this.clips.get(text)?.clip !== clip) return;
    if (clip.error !== null) this.clips.delete(text);
    else this.evict();
  }

  clear(): void {
    this.clips.clear();
  }

  get size(): number {
    return this.clips.size;
  }

  get byteLength(): number {
    let total = 0;
    for (const { clip } of this.clips.values()) total += clip.byteLength;
    return total;
  }

  private evict(): void {
    let total = this.byteLength;
    for (const [text, { clip }] of this.clips) {
      if (total <= this.maxBytes) return;
      if (clip.complete) {
        total -= clip.byteLength;
        this.clips.delete(text);
        this.stats.evictions += 1;
      }
    }
  }
}

/** The cache players use unless given their own. */
export const defaultCache = new ClipCache();
