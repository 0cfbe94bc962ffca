// npm pack / publish: put the built-in sounds inside the package. The repository keeps one
// copy of each (src/roomtone/clips/data/, shared with the Python package); the tarball gets
// them under clips/, where BuiltinAudioClip looks first. Nothing here runs at install time.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "..", "src", "roomtone", "clips", "data");
const to = join(root, "clips");
mkdirSync(to, { recursive: true });
const clips = readdirSync(from).filter((name) => name.endsWith(".ogg"));
for (const name of clips) copyFileSync(join(from, name), join(to, name));
console.log(`prepack: ${clips.length} built-in sounds copied into clips/`);
