// One measurement, in its own process so that peak memory (maxRSS) belongs to that task alone.
// Usage: node --import tsx bench/measure.ts <task> <tree>; prints {"ms":…, "maxRssMb":…, …} as JSON.

import { readFileSync } from "node:fs";
import { parse } from "@cdktf/hcl2json";
import { parseFindings } from "../src/findings/registry.ts";
import { buildIndex } from "../src/hcl/index.ts";
import { readTerraformTree } from "../src/hcl/load.ts";
import { triageFinding } from "../src/ingest/triage-finding.ts";
import { locate } from "../src/locate/locate.ts";
import { fixDetections } from "../src/rules/fix.ts";
import { RULES, resolveRuleId } from "../src/rules/registry.ts";
import { scanIndex } from "../src/rules/scan.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../src/triage/config.ts";

const [task, tree] = process.argv.slice(2) as [string, string];
const findingTasks = ["ingest-sarif", "ingest-asff", "jsonparse-sarif", "jsonparse-asff"];
const sources = findingTasks.includes(task) ? [] : await readTerraformTree(tree);
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
  case "jsonparse-sarif":
  case "jsonparse-asff":
  case "ingest-sarif":
  case "ingest-asff": {
    // `tree` is the document's path here. The baseline is JSON.parse of the same bytes.
    const text = readFileSync(tree, "utf8");
    const t0 = performance.now();
    if (task.startsWith("jsonparse")) {
      JSON.parse(text);
      extra = { bytes: text.length };
    } else {
      const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
      const result = parseFindings(JSON.parse(text), ctx);
      const now = new Date("2026-11-22T00:00:00Z");
      const keys = new Set(
        result.findings.map((f) => triageFinding(f, DEFAULT_TRIAGE_CONFIG, now).dedupeKey),
      );
      extra = { findings: result.findings.length, rejected: result.rejected.length, unique: keys.size };
    }
    extra.ms = performance.now() - t0;
    break;
  }
  case "locate": {
    // 1,000 findings naming resources of the tree by Terraform address, file+line or bucket name.
    const index = buildIndex(sources);
    const picked = index.resources
      .filter((r) => r.mode === "managed")
      .filter((_, i) => i % 37 === 0)
      .slice(0, 1000);
    const findings = picked.map((r, i) => ({
      source: { tool: "bench", format: "bench", findingId: `b${i}` },
      rule: { nativeId: "x", catalogId: null },
      title: "bench",
      severity: { native: "high", normalized: "high" as const },
      resource:
        i % 2 === 0
          ? { terraformAddress: r.address, file: r.file }
          : { file: `/ci/checkout/${r.file}`, line: r.line },
      status: "failed" as const,
      context: { dataSensitivity: [] },
      raw: {},
    }));
    const t0 = performance.now();
    let located = 0;
    for (const f of findings) if (locate(f, index).kind === "located") located++;
    extra = { findings: findings.length, located, locateMs: performance.now() - t0 };
    break;
  }
  default:
    throw new Error(`unknown task ${task}`);
}
const ms =
  task === "read"
    ? 0
    : typeof extra.ms === "number"
      ? extra.ms
      : task === "locate"
        ? extra.locateMs!
        : performance.now() - started;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ task, ms, maxRssMb, files: tfSources.length, ...extra })}\n`);
