/**
 * Render one conformance scenario with the Node engine and write raw float32 samples
 * (interleaved, little-endian): `tsx conformance/render.ts scenario.json files.json out.f32`,
 * where files.json maps the scenario's generated sound names to WAV files.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { renderScenario, type Scenario } from "./scenario.js";

const [scenarioPath, filesPath, outPath] = process.argv.slice(2);
if (scenarioPath === undefined || filesPath === undefined || outPath === undefined) {
  console.error("usage: tsx conformance/render.ts scenario.json files.json out.f32");
  process.exit(2);
}
const scenario = JSON.parse(readFileSync(scenarioPath, "utf8")) as Scenario;
const files = JSON.parse(readFileSync(filesPath, "utf8")) as Record<string, string>;
const audio = await renderScenario(scenario, files);
writeFileSync(outPath, new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength));
