// The baseline of the start-up-included scan comparison (bench/scan-process.ts): one process that
// loads @cdktf/hcl2json (its WASM start included) and parses every .tf file under <tree>, read
// synchronously in the order of a sorted depth-first walk. Prints the files parsed and failed.
// Usage: node bench/hcl2json-process.mjs <tree>
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const { parse } = await import("@cdktf/hcl2json");

function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else if (e.isFile() && e.name.endsWith(".tf")) out.push(full);
  }
  return out;
}

let parsed = 0;
let failed = 0;
for (const path of walk(process.argv[2], [])) {
  await parse(path, readFileSync(path, "utf8")).then(
    () => parsed++,
    () => failed++,
  );
}
process.stdout.write(`${JSON.stringify({ parsed, failed })}\n`);
