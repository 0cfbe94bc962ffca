/**
 * Decoding off the event loop: one worker thread per process (started on first use, and
 * `unref`ed so it never keeps a process alive), answering jobs in order.
 *
 * WebAssembly decoders take about 30 ms of CPU per second of Ogg Opus here: on the event
 * loop that would stall every session's pacing, so the loop only posts a request and gets
 * the finished samples back, transferred, not copied. A decoder's WebAssembly memory never
 * shrinks (a minute of stereo grows it by tens of MB), so the thread is ended once it has
 * been idle for a second; the next decode starts a fresh one in a few tens of ms.
 */
import { Worker } from "node:worker_threads";
import type { DecodeReply, DecodeRequest } from "./decodeJob.js";

export interface Decoded {
  samples: Float32Array;
  peak: number;
}

type Pending = { resolve: (decoded: Decoded) => void; reject: (message: string) => void };

const IDLE_MS = 1000;

let worker: Worker | null = null;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

/** From the built JavaScript (the npm package), or from TypeScript sources under tsx (tests). */
const FROM_SOURCES = import.meta.url.endsWith(".ts");

/** Node 20 does not pass tsx's loader to workers: load the TypeScript worker through tsx's API. */
function sourceWorker(): Worker {
  const url = new URL("./decodeWorker.ts", import.meta.url).href;
  const code = `import("tsx/esm/api").then((tsx) => tsx.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}));`;
  return new Worker(code, { eval: true });
}

function failAll(message: string): void {
  for (const job of pending.values()) job.reject(message);
  pending.clear();
}

function ensureWorker(): Worker {
  if (worker !== null) return worker;
  const started = FROM_SOURCES ? sourceWorker() : new Worker(new URL("./decodeWorker.js", import.meta.url));
  started.unref();
  started.on("message", (reply: DecodeReply) => {
    const job = pending.get(reply.id);
    if (job === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) {
      started.unref();
      idleTimer = setTimeout(() => {
        if (worker === started && pending.size === 0) {
          worker = null;
          void started.terminate();
        }
      }, IDLE_MS);
      idleTimer.unref();
    }
    if (reply.ok) job.resolve({ samples: reply.samples, peak: reply.peak });
    else job.reject(reply.message);
  });
  started.on("error", (error) => {
    worker = null;
    failAll(`decoder thread failed: ${error.message}`);
  });
  started.on("exit", () => {
    if (worker === started) {
      worker = null;
      failAll("decoder thread exited");
    }
  });
  worker = started;
  return started;
}

/** Decode on the worker; rejects with the message a DecodeError should carry. */
export function decodeInWorker(request: Omit<DecodeRequest, "id">): Promise<Decoded> {
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = null;
  const thread = ensureWorker();
  const id = nextId++;
  return new Promise<Decoded>((resolve, reject) => {
    pending.set(id, { resolve, reject: (message) => reject(new Error(message)) });
    thread.ref(); // a pending decode keeps the process alive until it is answered
    thread.postMessage({ ...request, id });
  });
}

/** Stop the decoder thread (tests; a later decode starts a new one). */
export async function stopDecoder(): Promise<void> {
  const current = worker;
  worker = null;
  if (current !== null) await current.terminate();
}
