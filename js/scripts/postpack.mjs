// After npm pack / publish: remove the copies prepack made, so the repository keeps one copy.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

rmSync(join(dirname(fileURLToPath(import.meta.url)), "..", "clips"), { recursive: true, force: true });
