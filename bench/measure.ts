// One measurement, in its own process so that peak memory (maxRSS) belongs to that task alone.
// Usage: node --import tsx bench/measure.ts <task> <tree>; prints {"ms":…, "maxRssMb":…, …} as JSON.

import { parse } from "@cdktf/hcl2json";
import { buildIndex } from "../src/hcl/index.ts";
import { readTerraformTree } from "../src/hcl/load.ts";
import { fixDetections } from "../src/rules/fix.ts";
import { RULES } from "../src/rules/registry.ts";
import { scanIndex } from "../src/rules/scan.ts";

const [task, tree] = process.argv.slice(2) as [string, string];
const sources = await readTerraformTree(tree);
const tfSources = sources.filter((s) => s.path.endsWith(".tf"));
const started = performance.now();
let extra: Record<string, number> = {};

switch (task) {
  case "read":
    break;
  case "index": {
    const index = buildIndex(sources);
    extra = { resources: index.resources.length, errors: index.errors.length };
    break;
  }
  case "hcl2json": {
    let failed = 0;
    for (const s of tfSources) await parse(s.path, s.text).catch(() => failed++);
    extra = { failed };
    break;
  }
  case "scan": {
    const detections = scanIndex(buildIndex(sources), RULES);
    extra = { findings: detections.length };
    break;
  }
  case "fix": {
    const index = buildIndex(sources);
    const detections = scanIndex(index, RULES);
    const run = await fixDetections(sources, detections, RULES, index);
    const count = (s: string) => run.outcomes.filter((o) => o.status === s).length;
    extra = {
      findings: detections.length,
      fixed: count("fixed"),
      skipped: count("skipped"),
      refused: count("refused"),
    };
    break;
  }
  default:
    throw new Error(`unknown task ${task}`);
}
const ms = task === "read" ? 0 : performance.now() - started;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ task, ms, maxRssMb, files: tfSources.length, ...extra })}\n`);
