// The worker thread side of the sandbox: parses and indexes one repository's Terraform at a time,
// telling the main thread which file it starts on so a file that takes too long can be named.

import { parentPort } from "node:worker_threads";
import { buildIndex, type SourceFile } from "../hcl/index.ts";
import type { WorkerReply, WorkerRequest } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("index-worker.ts runs only as a worker thread");

port.on("message", (request: WorkerRequest) => {
  const reply = (message: WorkerReply) => port.postMessage(message);
  try {
    const index = buildIndex(request.files as SourceFile[], {
      beforeFile: (path) => reply({ id: request.id, kind: "file", path }),
    });
    // Structured clone keeps Maps and shared blocks, not error classes: errors go as plain fields.
    const errors = index.errors.map((e) => ({
      file: e.file,
      line: e.line,
      column: e.column,
      reason: e.reason,
    }));
    reply({ id: request.id, kind: "done", index: { ...index, errors: [] }, errors });
  } catch (e) {
    reply({ id: request.id, kind: "failed", message: e instanceof Error ? e.message : String(e) });
  }
});
