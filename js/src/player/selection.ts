/** Picking one sound from a list by probability, as LiveKit's player and the Python one do. */
import type { ResolvedConfig } from "../config.js";
import type { PythonRandom } from "./random.js";

/** One entry by probability; below a total of 1 the rest is silence, above it scales. */
export function choose(spec: ResolvedConfig[] | ResolvedConfig, rng: PythonRandom): ResolvedConfig | null {
  if (!Array.isArray(spec)) return spec;
  const total = spec.reduce((sum, c) => sum + c.probability, 0);
  if (total <= 0) return null;
  const r = rng.random();
  if (total < 1 && r >= total) return null;
  const threshold = total >= 1 ? r * Math.max(total, 1) : r;
  let cumulative = 0;
  for (const config of spec) {
    cumulative += config.probability;
    if (threshold < cumulative) return config;
  }
  return spec[spec.length - 1] ?? null;
}
