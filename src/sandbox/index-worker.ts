// The worker thread side of the sandbox: parses and indexes one repository's Terraform at a time,
// telling the main thread which file it starts on so a file that takes too long can be named, and
// plans fixes on the indexes it keeps (the last few snapshots), so the fix engine's re-parsing and
// verification of untrusted files never runs on the app's event loop either.

import { parentPort } from "node:worker_threads";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import { planGroupFix } from "../remediate/plan-fix.ts";
import { planJoin } from "../remediate/plan-join.ts";
import type { WorkerReply, WorkerRequest } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("index-worker.ts runs only as a worker thread");

/** Indexes by snapshot key, least recently used first; a few, as each holds a parsed tree. */
const indexes = new Map<string, TerraformIndex>();
const KEEP = 4;

function indexOf(key: string, files: SourceFile[], onFile: (path: string) => void): TerraformIndex {
  let index = indexes.get(key);
  if (index) indexes.delete(key);
  else index = buildIndex(files, { beforeFile: onFile });
  indexes.set(key, index);
  while (indexes.size > KEEP) indexes.delete(indexes.keys().next().value as string);
  return index;
}

port.on("message", async (request: WorkerRequest) => {
  const reply = (message: WorkerReply) => port.postMessage(message);
  const onFile = (path: string) => reply({ id: request.id, kind: "file", path });
  try {
    const index = indexOf(request.key, request.files, onFile);
    if (request.kind === "plan") {
      const { files, group, ruleOptions, on } = request;
      const plan = on
        ? await planJoin(files, index, group, { basis: on, ruleOptions })
        : await planGroupFix(files, index, group, ruleOptions);
      reply({ id: request.id, kind: "planned", plan });
      return;
    }
    // Structured clone keeps Maps and shared blocks, not error classes: errors go as plain fields.
    const errors = index.errors.map((e) => ({
      file: e.file,
      line: e.line,
      column: e.column,
      reason: e.reason,
    }));
    reply({ id: request.id, kind: "indexed", index: { ...index, errors: [] }, errors });
  } catch (e) {
    reply({ id: request.id, kind: "failed", message: e instanceof Error ? e.message : String(e) });
  }
});
