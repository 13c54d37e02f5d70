#!/usr/bin/env node
// Part of `npm run build`: tsc emits only JavaScript, so every other file under src/ (an SVG, a
// CSS file, SQL a module reads through `new URL("./x", import.meta.url)`) is copied to the same
// place under dist/, where the compiled module looks for it.

import { cpSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const src = join(root, "src");
const dist = join(root, "dist");

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (!/\.(ts|mts|cts)$/.test(entry.name)) cpSync(path, join(dist, relative(src, path)));
  }
}
walk(src);
