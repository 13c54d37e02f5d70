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
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
