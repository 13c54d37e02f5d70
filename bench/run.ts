// `npm run bench`: builds the synthetic monorepo, then measures each task in a fresh process and
// prints the figures as ratios against baselines measured in the same run:
//  - index vs @cdktf/hcl2json parsing the same files (target: index ≥ 10× faster, < 1 GB peak);
//  - scan and fix times on the same tree.

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asffDocument, sarifDocument } from "./findings.ts";
import { buildMonorepo } from "./monorepo.ts";

const repoRoot = join(import.meta.dirname, "..");
const out = join(repoRoot, "bench/.out");
mkdirSync(out, { recursive: true });
const quick = process.argv.includes("--quick");
const repo = buildMonorepo(
  repoRoot,
  join(out, "monorepo"),
  quick ? 500 : 10_000,
  quick ? 1024 * 1024 : 20 * 1024 * 1024,
);
console.log(`synthetic monorepo: ${repo.files} files, ${(repo.bytes / 1024 / 1024).toFixed(1)} MB`);

interface Result {
  task: string;
  ms: number;
  maxRssMb: number;
  [k: string]: number | string;
}
function measure(task: string, target = repo.root): Result {
  const stdout = execFileSync(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "bench/measure.ts"), task, target],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const r = JSON.parse(stdout.trim().split("\n").pop()!) as Result;
  console.log(
    `  ${task.padEnd(9)} ${(r.ms / 1000).toFixed(2).padStart(8)} s   peak ${r.maxRssMb.toFixed(0).padStart(5)} MB   ${JSON.stringify(r)}`,
  );
  return r;
}

// Findings in: 5,000 findings in one SARIF document and in one ASFF batch.
const FINDINGS = 5_000;
const sarifPath = join(out, "findings.sarif");
const asffPath = join(out, "findings.asff.json");
writeFileSync(sarifPath, sarifDocument(repoRoot, FINDINGS));
writeFileSync(asffPath, asffDocument(repoRoot, FINDINGS));
const ingest = {
  sarif: measure("ingest-sarif", sarifPath),
  sarifJson: measure("jsonparse-sarif", sarifPath),
  asff: measure("ingest-asff", asffPath),
  asffJson: measure("jsonparse-asff", asffPath),
};
const locateResult = measure("locate");

const tasks = process.argv.includes("--no-fix")
  ? ["read", "index", "hcl2json", "scan"]
  : ["read", "index", "hcl2json", "scan", "fix"];
const results = Object.fromEntries(tasks.map((t) => [t, measure(t)])) as Record<string, Result>;
const index = results.index!;
const hcl2json = results.hcl2json!;
const speedup = hcl2json.ms / index.ms;
const baseRss = results.read!.maxRssMb;
const lines = [
  "",
  "| measure | value | target |",
  "|---|---|---|",
  `| tree | ${repo.files} files, ${(repo.bytes / 1024 / 1024).toFixed(1)} MB | ≥ 10,000 files, ≥ 20 MB |`,
  `| index (parse + resource index) | ${(index.ms / 1000).toFixed(2)} s | |`,
  `| @cdktf/hcl2json parse of the same files | ${(hcl2json.ms / 1000).toFixed(2)} s | |`,
  `| **index speed-up over hcl2json** | **${speedup.toFixed(1)}×** | ≥ 10× |`,
  `| index peak memory (RSS) | ${index.maxRssMb.toFixed(0)} MB (reading the tree alone: ${baseRss.toFixed(0)} MB) | < 1024 MB |`,
  `| scan (index + all ${"rules"}) | ${(results.scan!.ms / 1000).toFixed(2)} s, ${results.scan!.findings} findings, peak ${results.scan!.maxRssMb.toFixed(0)} MB | |`,
];
const perSecond = (r: Result, ms = r.ms) => Math.round((Number(r.findings) / ms) * 1000);
const rate = (r: Result, base: Result) =>
  `${perSecond(r).toLocaleString("en")}/s cold (${r.ms.toFixed(0)} ms), ${perSecond(r, Number(r.warmMs)).toLocaleString("en")}/s warm (${Number(r.warmMs).toFixed(0)} ms); JSON.parse alone ${base.ms.toFixed(0)} ms cold / ${Number(base.warmMs).toFixed(0)} ms warm`;
lines.push(
  `| ingest SARIF: parse + normalize + score + dedupe ${FINDINGS} findings | ${rate(ingest.sarif, ingest.sarifJson)}; peak ${ingest.sarif.maxRssMb.toFixed(0)} MB (JSON.parse alone ${ingest.sarifJson.maxRssMb.toFixed(0)} MB) | ≥ 20,000/s |`,
  `| ingest ASFF: same, ${FINDINGS} findings | ${rate(ingest.asff, ingest.asffJson)}; peak ${ingest.asff.maxRssMb.toFixed(0)} MB (JSON.parse alone ${ingest.asffJson.maxRssMb.toFixed(0)} MB) | ≥ 20,000/s |`,
  `| locate ${locateResult.findings} findings in the monorepo, after indexing | ${(locateResult.ms / 1000).toFixed(2)} s, ${locateResult.located} located | < 5 s |`,
);
if (results.fix) {
  const f = results.fix;
  lines.push(
    `| fix (scan + patch + verify + re-scan, no writes) | ${(f.ms / 1000).toFixed(2)} s: ${f.fixed} fixed, ${f.skipped} skipped, ${f.refused} refused; peak ${f.maxRssMb.toFixed(0)} MB | |`,
  );
}
console.log(lines.join("\n"));
writeFileSync(join(out, "results.json"), `${JSON.stringify({ repo, results, speedup }, null, 2)}\n`);
const ok = speedup >= 10 && index.maxRssMb < 1024;
console.log(
  `\n${quick ? "quick run (the targets apply to the full ≥10,000-file tree; JIT warm-up dominates here) — " : ""}${ok ? "targets met" : "TARGETS MISSED"}: index ${speedup.toFixed(1)}× hcl2json (≥10×), peak ${index.maxRssMb.toFixed(0)} MB (<1024 MB)`,
);
