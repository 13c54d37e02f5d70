#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs through `prepare`).
// Why compiled and not transpiled at each start: docs/architecture.md ("Build and start-up").
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("fixloop: dist/ is missing; run `npm run build` (npm ci does it) and try again\n");
  process.exit(2);
}
// Stack traces point at src/*.ts (source maps are built next to the JavaScript).
process.setSourceMapsEnabled(true);

/**
 * From this many .tf files on, `fixloop scan` runs in a worker whose heap starts with room for the
 * whole tree. Nearly all a scan allocates (every file's syntax tree) lives to the end, so a heap
 * that grows step by step pays a full collection at each step: three on a 10,000-file tree, ~9 %
 * of its CPU. V8 reads the initial heap size only when it creates an isolate, so the flag is set
 * here, then the worker's isolate is created with it; a worker starts in ~35 ms of CPU, which
 * only a tree of a few thousand files wins back (docs/benchmarks.md, issue 19).
 * FIXLOOP_SCAN_WORKER_FILES changes the threshold (tests run small trees both ways).
 */
const WORKER_FILES = Number(process.env.FIXLOOP_SCAN_WORKER_FILES) || 2000;
const INITIAL_OLD_SPACE_MB = 1024;
/** Directories the tree loader leaves out too (src/hcl/load.ts). */
const SKIP_DIRS = new Set([".git", ".terraform", "node_modules", ".terragrunt-cache"]);

/** Whether `args` scan at least `WORKER_FILES` .tf files; stops counting there. */
function largeScan(args) {
  if (args[0] !== "scan") return false;
  let files = 0;
  const count = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // not a directory (an option's value), or unreadable: the CLI says so itself
    }
    for (const e of entries) {
      if (files >= WORKER_FILES) return;
      if (e.isDirectory() && !SKIP_DIRS.has(e.name)) count(join(dir, e.name));
      else if (e.isFile() && e.name.endsWith(".tf")) files++;
    }
  };
  for (const a of args.slice(1)) if (!a.startsWith("-") && files < WORKER_FILES) count(a);
  return files >= WORKER_FILES;
}

/** main() answers every error itself; this is the last line of defence (a module that fails to
 *  load, say), still one line and exit 2, never a stack trace unless asked for. */
function unexpected(e) {
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  process.stderr.write(`fixloop: unexpected error: ${message.replace(/[^\x20-\x7e]/g, "?")}\n`);
  if (process.env.FIXLOOP_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 2;
}

async function run(args) {
  try {
    const { main } = await import(entry.href);
    return await main(args, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
  } catch (e) {
    return unexpected(e);
  }
}

if (!isMainThread) {
  // The worker's stdout and stderr are piped to the process's, and flushed before it exits.
  parentPort.postMessage(await run(workerData.args));
} else if (largeScan(process.argv.slice(2))) {
  setFlagsFromString(`--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`);
  const worker = new Worker(new URL(import.meta.url), { workerData: { args: process.argv.slice(2) } });
  process.exitCode = 2; // unless the worker answers
  worker.on("message", (code) => {
    process.exitCode = code;
  });
  worker.on("error", (e) => {
    process.exitCode = unexpected(e);
  });
} else {
  process.exitCode = await run(process.argv.slice(2));
}
