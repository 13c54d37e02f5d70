#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx fixloop` works from a fresh `npm ci`
// with no build step and never runs stale compiled output.
import { register } from "tsx/esm/api";

register();
try {
  const { main } = await import("../src/cli/main.ts");
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
