#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx fixloop` works from a fresh `npm ci`
// with no build step and never runs stale compiled output.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
