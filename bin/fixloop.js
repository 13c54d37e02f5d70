#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs through `prepare`).
// Why compiled and not transpiled at each start: docs/architecture.md ("Build and start-up").
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("fixloop: dist/ is missing; run `npm run build` (npm ci does it) and try again\n");
  process.exit(2);
}
// Stack traces point at src/*.ts (source maps are built next to the JavaScript).
process.setSourceMapsEnabled(true);
try {
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  });
} catch (e) {
  // main() answers every error itself; this is the last line of defence (a module that fails to
  // load, say), still one line and exit 2, never a stack trace unless asked for.
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  process.stderr.write(`fixloop: unexpected error: ${message.replace(/[^\x20-\x7e]/g, "?")}\n`);
  if (process.env.FIXLOOP_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 2;
}
