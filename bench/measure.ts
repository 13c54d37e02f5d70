// One measurement, in its own process so that peak memory (maxRSS) belongs to that task alone.
// Usage: node --import tsx bench/measure.ts <task> <tree> [<later scan>]; prints {"ms":…, "maxRssMb":…, …}
// as JSON. For the store tasks (store-sqlite, store-postgres, driver-sqlite, driver-postgres) <tree>
// is the first scan's document and <later scan> the same findings seen again (see bench/store.ts).

import { readFileSync } from "node:fs";
import { parseFindings } from "../src/findings/registry.ts";
import { buildIndex, resolveAttribute } from "../src/hcl/index.ts";
import { readTerraformTree } from "../src/hcl/load.ts";
import { triageFinding } from "../src/ingest/triage-finding.ts";
import { locate } from "../src/locate/locate.ts";
import { RULES, resolveRuleId } from "../src/rules/registry.ts";
import { scanIndex } from "../src/rules/scan.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../src/triage/config.ts";

const [task, tree, laterScan] = process.argv.slice(2) as [string, string, string | undefined];
const storeTasks = ["store-sqlite", "store-postgres", "driver-sqlite", "driver-postgres"];
const findingTasks = ["ingest-sarif", "ingest-asff", "jsonparse-sarif", "jsonparse-asff", ...storeTasks];
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
    // Imported here: loading the WASM parsers starts work in the background that must not overlap
    // other tasks' timed sections.
    const { parse } = await import("@cdktf/hcl2json");
    for (const s of tfSources) await parse(s.path, s.text).catch(() => failed++);
    extra = { failed };
    break;
  }
  case "scan": {
    const detections = scanIndex(buildIndex(sources), RULES);
    extra = { findings: detections.length };
    break;
  }
  case "fix":
  case "fix-per-fix": {
    // fix-per-fix: every fix verified on its own (the engine before issue 19), for comparison.
    const { fixDetections } = await import("../src/rules/fix.ts");
    // As the CLI does: the tree's index is not kept once the fix pass has started.
    const start = () => {
      const index = buildIndex(sources);
      const detections = scanIndex(index, RULES);
      const verify = task === "fix" ? "per-file" : "per-fix";
      return { detections, pending: fixDetections(sources, detections, RULES, index, undefined, { verify }) };
    };
    const { detections, pending } = start();
    const run = await pending;
    const count = (s: string) => run.outcomes.filter((o) => o.status === s).length;
    // What a user sees, hashed: every outcome (status, reason, per-fix diffs) and every final text.
    const { createHash } = await import("node:crypto");
    const digest = createHash("sha256");
    for (const o of run.outcomes) digest.update(JSON.stringify([o.status, o.reason, o.changes, o.impact]));
    for (const [path, f] of [...run.files].sort(([a], [b]) => (a < b ? -1 : 1)))
      digest.update(JSON.stringify([path, f.before, f.after]));
    extra = {
      findings: detections.length,
      fixed: count("fixed"),
      skipped: count("skipped"),
      refused: count("refused"),
      filesChanged: run.files.size,
      digest: digest.digest("hex").slice(0, 16),
    } as unknown as Record<string, number>;
    break;
  }
  case "jsonparse-sarif":
  case "jsonparse-asff":
  case "ingest-sarif":
  case "ingest-asff": {
    // `tree` is the document's path here. The baseline is JSON.parse of the same bytes.
    const text = readFileSync(tree, "utf8");
    // First pass: a fresh process (the CLI). Then warm passes: the long-running app ingesting
    // document after document. Both are reported; `ms` is the cold one.
    const once = () => {
      const t0 = performance.now();
      if (task.startsWith("jsonparse")) {
        JSON.parse(text);
        return { ms: performance.now() - t0, findings: 0, rejected: 0, unique: 0 };
      }
      const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
      const result = parseFindings(JSON.parse(text), ctx);
      const now = new Date("2026-11-22T00:00:00Z");
      const keys = new Set(
        result.findings.map((f) => triageFinding(f, DEFAULT_TRIAGE_CONFIG, now).dedupeKey),
      );
      return {
        ms: performance.now() - t0,
        findings: result.findings.length,
        rejected: result.rejected.length,
        unique: keys.size,
      };
    };
    const cold = once();
    const warm = Math.min(...[1, 2, 3, 4, 5].map(() => once().ms));
    extra = {
      findings: cold.findings,
      rejected: cold.rejected,
      unique: cold.unique,
      bytes: text.length,
      warmMs: warm,
    };
    extra.ms = cold.ms;
    break;
  }
  case "store-sqlite":
  case "store-postgres":
  case "driver-sqlite":
  case "driver-postgres": {
    // Imported here: the other tasks' memory figures must not include the database drivers.
    const { measureStore } = await import("./store.ts");
    const [mode, engine] = task.split("-") as ["store" | "driver", "sqlite" | "postgres"];
    if (!laterScan) throw new Error(`${task} needs the later scan's document as a third argument`);
    extra = await measureStore(engine, mode, tree, laterScan);
    break;
  }
  case "locate": {
    const index = buildIndex(sources);
    // Two thirds by Terraform address or absolute path + line (IaC scanners), a third by bucket ARN
    // (CSPMs), matched through resolved names.
    const managed = index.resources.filter((r) => r.mode === "managed");
    const step = Math.floor(managed.length / 667);
    const picked = managed.filter((_, i) => i % step === 0).slice(0, 667);
    const bucketNames = managed
      .filter((r) => r.type === "aws_s3_bucket")
      .map((r) => resolveAttribute(index, r, "bucket"))
      .flatMap((v) => (v?.known && typeof v.value === "string" ? [v.value] : []));
    const names = bucketNames
      .filter((_, i) => i % Math.max(1, Math.floor(bucketNames.length / 333)) === 0)
      .slice(0, 333);
    const base = {
      rule: { nativeId: "x", catalogId: null },
      title: "bench",
      severity: { native: "high", normalized: "high" as const },
      status: "failed" as const,
      context: { dataSensitivity: [] },
      raw: {},
    };
    const findings = [
      ...picked.map((r, i) => ({
        ...base,
        source: { tool: "bench", format: "bench", findingId: `b${i}` },
        resource:
          i % 2 === 0
            ? { terraformAddress: r.address, file: r.file }
            : { file: `/ci/checkout/${r.file}`, line: r.line },
      })),
      ...names.map((name, i) => ({
        ...base,
        source: { tool: "bench", format: "bench", findingId: `a${i}` },
        resource: { arn: `arn:aws:s3:::${name}` },
      })),
    ];
    const t0 = performance.now();
    const kinds: Record<string, number> = {};
    for (const f of findings) {
      const k = locate(f, index, "arn" in f.resource ? { resourceTypes: ["aws_s3_bucket"] } : {}).kind;
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
    const locateMs = performance.now() - t0;
    // Security Hub names a security group by its sg- id; the code by its name, which Security Hub
    // gives in Details.AwsEc2SecurityGroup.GroupName (one finding per distinct static name).
    const groupNames = [
      ...new Set(
        managed
          .filter((r) => r.type === "aws_security_group")
          .map((r) => resolveAttribute(index, r, "name"))
          .flatMap((v) => (v?.known && typeof v.value === "string" ? [v.value] : [])),
      ),
    ].slice(0, 200);
    const sgKinds: Record<string, number> = {};
    groupNames.forEach((name, i) => {
      const f = {
        ...base,
        source: { tool: "bench", format: "bench", findingId: `sg${i}` },
        resource: {
          arn: `arn:aws:ec2:us-east-1:111111111111:security-group/sg-${i.toString(16).padStart(17, "0")}`,
          type: "AwsEc2SecurityGroup",
          identifiers: [
            { kind: "name" as const, value: name, from: "Details.AwsEc2SecurityGroup.GroupName" },
          ],
        },
      };
      const k = locate(f, index, { resourceTypes: ["aws_security_group"] }).kind;
      sgKinds[k] = (sgKinds[k] ?? 0) + 1;
    });
    extra = {
      findings: findings.length,
      located: kinds.located ?? 0,
      ambiguous: kinds.ambiguous ?? 0,
      notFound: kinds["not-found"] ?? 0,
      locateMs,
      groupNameFindings: groupNames.length,
      groupNameLocated: sgKinds.located ?? 0,
      groupNameAmbiguous: sgKinds.ambiguous ?? 0,
      groupNameNotFound: sgKinds["not-found"] ?? 0,
    };
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
