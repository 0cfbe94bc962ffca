/** The decoder thread: answers DecodeRequests, transferring the samples (no copy). */
import { parentPort } from "node:worker_threads";
import { type DecodeRequest, replyTo } from "./decodeJob.js";

const port = parentPort;
if (port === null) throw new Error("decodeWorker must run as a worker thread");
port.on("message", (request: DecodeRequest) => {
  void replyTo(request).then((reply) => {
    port.postMessage(reply, reply.ok ? [reply.samples.buffer as ArrayBuffer] : []);
  });
});
