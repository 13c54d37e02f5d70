// `npm run bench`: measures each task in a fresh process and prints the figures as ratios against
// baselines measured in the same run:
//  - tree:   index vs @cdktf/hcl2json parsing the same files of a synthetic monorepo (target: index
//            ≥ 10× faster, < 1 GB peak); scan and fix times on the same tree; the CLI's scan as a
//            whole process vs a process loading hcl2json and parsing the files (target ≤ 0.1×,
//            bench/scan-process.ts); the fix pass vs the per-fix engine (≤ 0.5×, < 1 GB);
//  - ingest: parse + triage 5,000 findings vs JSON.parse of the same document;
//  - locate: 1,000 findings in the monorepo;
//  - locate-rate: findings in each source's shape (SARIF, Checkov, Security Hub, the seed payload)
//            on TerraGoat + the corpus, located / ambiguous / not found (bench/locate-rate.ts);
//  - store:  parse + triage + persist 5,000 findings into SQLite and PostgreSQL vs the engine's own
//            driver writing the same rows (targets: SQLite ≥ 10,000/s, PostgreSQL ≥ 3,000/s);
//  - github: the GitHub App end to end with GitHub answered in-process: REST requests per new PR
//            (target ≤ 6 once warm), per finding already handled (target 0), per verified finding
//            (target ≤ 5), and finding-to-PR latency vs planFix alone (bench/github.ts);
//  - api:    server memory under 150 concurrent unsigned 10 MB POSTs: the API handler (unsigned, and
//            with forged signature headers) vs reading every body before checking it (bench/api-load.ts).
//  - s3:     the S3 rules on one module of 8,000 buckets vs indexing it (target: linear, rules ≤ 2×
//            index), and on a bucket name of 12 unknown interpolations vs a literal name (bench/s3.ts).
//  - adversarial: worst-case inputs for the matchers that read untrusted text, old code vs new,
//            and indexing in the app's worker thread vs on the main thread (bench/adversarial.ts).
//  - startup: `fixloop rules --format json` (compiled, dist/) vs `node -e 0`, median wall time and
//            peak memory (target: within 5×; bench/startup.ts).
//  - replicas: findings to PRs per second with 1 and 2 app replicas (real processes) on one
//            PostgreSQL database, GitHub answered by the test kit's double (bench/replicas.ts).
//  - org:    an organization of 500 repositories served over git: the first finding (cold, four
//            repositories read at once, against 20 more read one after another), five findings without the resource → repository map (the baseline), the next 1,000 (warm)
//            and a push then a finding: time, REST requests, git fetches, repositories read, cache
//            disk and peak memory (targets: 0 fetches warm, 1 after a push, < 200 ms per finding,
//            < 1 GB; bench/org.ts).
//  - modules: the catalog on the real corpus with registry-module calls judged vs without, and on
//            8,000 module calls vs indexing them (bench/module-calls.ts).
//  - dashboard: each dashboard page rendered from 100,000 findings and 1,000,000 audit events on
//            SQLite and PostgreSQL, with migration 0014's indexes vs without (target: < 300 ms per
//            page; bench/dashboard.ts).
//
// Usage: npm run bench [-- [--quick] [--no-fix] [--only <group>[,<group>…]]]
//   --quick   a 500-file monorepo (smoke run; the tree targets apply to the full one)
//   --files N a monorepo of at least N files (e.g. 2000, to iterate on the tree targets)
//   --no-fix  skip the fix pass (the longest task)
//   --only    run only these groups: tree, ingest, locate, locate-rate, store, github, api, s3, pr-review,
//             adversarial, startup, modules, replicas, org, dashboard (default: all)
// PostgreSQL: set FIXLOOP_BENCH_DATABASE_URL to a server's admin URL (each task creates a fresh
// database there and drops it); without it the PostgreSQL figures are skipped, visibly.

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asffDocument, genericDocument, sarifDocument } from "./findings.ts";
import { buildMonorepo, type Monorepo } from "./monorepo.ts";
import { measureScanProcesses, type ProcessFigure } from "./scan-process.ts";
import { measureStartup, startupLines } from "./startup.ts";

const GROUPS = [
  "tree",
  "ingest",
  "locate",
  "locate-rate",
  "store",
  "github",
  "api",
  "s3",
  "adversarial",
  "startup",
  "modules",
  "pr-review",
  "replicas",
  "org",
  "dashboard",
] as const;
type Group = (typeof GROUPS)[number];

const repoRoot = join(import.meta.dirname, "..");
const out = join(repoRoot, "bench/.out");
mkdirSync(out, { recursive: true });
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const filesAt = argv.indexOf("--files");
const filesArg = filesAt >= 0 ? Number(argv[filesAt + 1]) : undefined;
if (filesArg !== undefined && !(filesArg > 0)) {
  console.error(`--files needs a number of files, got "${argv[filesAt + 1]}"`);
  process.exit(2);
}
const only = argv.find((a, i) => a.startsWith("--only=") || argv[i - 1] === "--only");
const selected = new Set<Group>(
  only
    ? only
        .replace(/^--only=/, "")
        .split(",")
        .map((g) => {
          if (!GROUPS.includes(g as Group)) {
            console.error(`unknown group "${g}" in --only (groups: ${GROUPS.join(", ")})`);
            process.exit(2);
          }
          return g as Group;
        })
    : GROUPS,
);

let repo: Monorepo | undefined;
if (selected.has("tree") || selected.has("locate")) {
  repo = buildMonorepo(
    repoRoot,
    join(out, "monorepo"),
    filesArg ?? (quick ? 500 : 10_000),
    filesArg ? 0 : quick ? 1024 * 1024 : 20 * 1024 * 1024,
  );
  console.log(`synthetic monorepo: ${repo.files} files, ${(repo.bytes / 1024 / 1024).toFixed(1)} MB`);
}

interface Result {
  task: string;
  ms: number;
  maxRssMb: number;
  [k: string]: number | string;
}
function measure(task: string, target = repo?.root ?? "", ...more: string[]): Result {
  const stdout = execFileSync(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "bench/measure.ts"), task, target, ...more],
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

const lines: string[] = [];
const storeLines: string[] = [];
const verdicts: string[] = [];
const perSecond = (r: Result, ms = r.ms) => Math.round((Number(r.findings) / ms) * 1000);
const thousands = (n: number) => n.toLocaleString("en");

// Findings in: 5,000 findings in one SARIF document and in one ASFF batch.
const FINDINGS = 5_000;
const asffPath = join(out, "findings.asff.json");
if (selected.has("ingest") || selected.has("store"))
  writeFileSync(asffPath, asffDocument(repoRoot, FINDINGS));

// Measured in this order (ingest, locate, then the tree tasks), reported tree first.
const results: Record<string, Result> = {};
const ingestLines: string[] = [];
if (selected.has("ingest")) {
  const sarifPath = join(out, "findings.sarif");
  writeFileSync(sarifPath, sarifDocument(repoRoot, FINDINGS));
  const ingest = {
    sarif: measure("ingest-sarif", sarifPath),
    sarifJson: measure("jsonparse-sarif", sarifPath),
    asff: measure("ingest-asff", asffPath),
    asffJson: measure("jsonparse-asff", asffPath),
  };
  const rate = (r: Result, base: Result) =>
    `${thousands(perSecond(r))}/s cold (${r.ms.toFixed(0)} ms), ${thousands(perSecond(r, Number(r.warmMs)))}/s warm (${Number(r.warmMs).toFixed(0)} ms); JSON.parse alone ${base.ms.toFixed(0)} ms cold / ${Number(base.warmMs).toFixed(0)} ms warm`;
  ingestLines.push(
    `| ingest SARIF: parse + normalize + score + dedupe ${FINDINGS} findings | ${rate(ingest.sarif, ingest.sarifJson)}; peak ${ingest.sarif.maxRssMb.toFixed(0)} MB (JSON.parse alone ${ingest.sarifJson.maxRssMb.toFixed(0)} MB) | ≥ 20,000/s |`,
    `| ingest ASFF: same, ${FINDINGS} findings | ${rate(ingest.asff, ingest.asffJson)}; peak ${ingest.asff.maxRssMb.toFixed(0)} MB (JSON.parse alone ${ingest.asffJson.maxRssMb.toFixed(0)} MB) | ≥ 20,000/s |`,
  );
  Object.assign(results, ingest);
}
if (selected.has("locate")) results.locate = measure("locate");

let speedup: number | undefined;
let scanRatio: number | undefined;
if (selected.has("tree")) {
  // fix-per-fix: the fix engine verifying every fix on its own (before issue 19), the fix's baseline.
  const tasks = argv.includes("--no-fix")
    ? ["read", "index", "hcl2json", "scan"]
    : ["read", "index", "hcl2json", "scan", "fix", "fix-per-fix"];
  for (const t of tasks) results[t] = measure(t);
  const index = results.index!;
  const hcl2json = results.hcl2json!;
  speedup = hcl2json.ms / index.ms;
  const baseRss = results.read!.maxRssMb;
  lines.push(
    `| tree | ${repo!.files} files, ${(repo!.bytes / 1024 / 1024).toFixed(1)} MB | ≥ 10,000 files, ≥ 20 MB |`,
    `| index (parse + resource index) | ${(index.ms / 1000).toFixed(2)} s | |`,
    `| @cdktf/hcl2json parse of the same files | ${(hcl2json.ms / 1000).toFixed(2)} s | |`,
    `| **index speed-up over hcl2json** | **${speedup.toFixed(1)}×** | ≥ 10× |`,
    `| index peak memory (RSS) | ${index.maxRssMb.toFixed(0)} MB (reading the tree alone: ${baseRss.toFixed(0)} MB) | < 1024 MB |`,
    `| scan (index + all ${"rules"}) | ${(results.scan!.ms / 1000).toFixed(2)} s, ${results.scan!.findings} findings, peak ${results.scan!.maxRssMb.toFixed(0)} MB | |`,
  );
  // Start-up included: the CLI process end to end vs a process that loads hcl2json and parses.
  const procs = measureScanProcesses(repoRoot, repo!.root, quick || filesArg ? 3 : 1);
  const [h2j, cli, before] = procs as [ProcessFigure, ProcessFigure, ProcessFigure | undefined];
  for (const p of procs) console.log(`  process   ${JSON.stringify(p)}`);
  scanRatio = cli.ms / h2j.ms;
  lines.push(
    `| **scan, start-up included** (\`node bin/fixloop.js scan <tree> --format json\`, whole process) vs a process loading hcl2json and parsing the same files | ${(cli.ms / 1000).toFixed(2)} s (CPU ${(cli.cpuMs / 1000).toFixed(2)} s), peak ${cli.maxRssMb.toFixed(0)} MB; hcl2json process ${(h2j.ms / 1000).toFixed(2)} s (CPU ${(h2j.cpuMs / 1000).toFixed(2)} s): **${scanRatio.toFixed(3)}×** wall, ${(cli.cpuMs / h2j.cpuMs).toFixed(3)}× CPU | ≤ 0.1× (then 0.05×) |`,
  );
  if (before)
    lines.push(
      `| the same scan by ${before.task.replace(/^fixloop scan /, "")} | ${(before.ms / 1000).toFixed(2)} s (CPU ${(before.cpuMs / 1000).toFixed(2)} s), peak ${before.maxRssMb.toFixed(0)} MB: ${(before.ms / h2j.ms).toFixed(3)}× wall, ${(before.cpuMs / h2j.cpuMs).toFixed(3)}× CPU; JSON output ${before.sameOutput ? "byte-identical" : "DIFFERENT"} | |`,
    );
  verdicts.push(
    `scan with start-up: ${scanRatio.toFixed(3)}× the hcl2json process (≤ 0.1×): ${scanRatio <= 0.1 ? "target met" : "TARGET MISSED"}${before && !before.sameOutput ? "; OUTPUT DIFFERS from the baseline checkout" : ""}`,
  );
  const ok = speedup >= 10 && index.maxRssMb < 1024;
  verdicts.push(
    `${quick || filesArg ? "quick run (the targets apply to the full ≥10,000-file tree; JIT warm-up dominates here) — " : ""}${ok ? "targets met" : "TARGETS MISSED"}: index ${speedup.toFixed(1)}× hcl2json (≥10×), peak ${index.maxRssMb.toFixed(0)} MB (<1024 MB)`,
  );
}
lines.push(...ingestLines);
if (results.locate) {
  const r = results.locate;
  lines.push(
    `| locate ${r.findings} findings in the monorepo, after indexing | ${(r.ms / 1000).toFixed(2)} s, ${r.located} located | < 5 s |`,
    `| locate ${r.groupNameFindings} Security Hub security-group findings by GroupName (sg- id in the ARN) | ${r.groupNameLocated} located, ${r.groupNameAmbiguous} ambiguous, ${r.groupNameNotFound} not found | |`,
  );
}
if (results.fix) {
  const f = results.fix;
  const b = results["fix-per-fix"]!;
  lines.push(
    `| fix (scan + patch + verify each file once + re-scan, no writes) | ${(f.ms / 1000).toFixed(2)} s: ${f.fixed} fixed, ${f.skipped} skipped, ${f.refused} refused, ${f.filesChanged} files; peak ${f.maxRssMb.toFixed(0)} MB | ≤ 0.5× per fix, < 1024 MB |`,
    `| fix, every fix verified on its own (\`verify: "per-fix"\`, the way the engine verified before issue 19) | ${(b.ms / 1000).toFixed(2)} s, peak ${b.maxRssMb.toFixed(0)} MB; per file ÷ per fix: **${(f.ms / b.ms).toFixed(2)}×** time; outcomes and texts ${f.digest === b.digest ? "identical" : "DIFFERENT"} | |`,
  );
  verdicts.push(
    `fix: ${(f.ms / b.ms).toFixed(2)}× the per-fix engine (≤ 0.5×), peak ${f.maxRssMb.toFixed(0)} MB (< 1024 MB), output ${f.digest === b.digest ? "identical" : "DIFFERENT"}: ${f.ms / b.ms <= 0.5 && f.maxRssMb < 1024 && f.digest === b.digest ? "targets met" : "TARGET MISSED"}`,
  );
}

if (selected.has("store")) {
  // Two batches of 5,000: Security Hub findings (ASFF, ~2.9 KB per record, every one admitted to
  // "fixing" with a job) and the generic CSPM payload (~0.4 KB; half fixing, half awaiting approval).
  // The re-ingest is the same findings seen again by a later scan (all known: "updated"): the ASFF
  // one a day later, the generic one (which carries no last-seen time) at ingest time.
  const laterPath = join(out, "findings-later.asff.json");
  writeFileSync(laterPath, asffDocument(repoRoot, FINDINGS, "2022-02-22T09:49:14.792Z"));
  const genericPath = join(out, "findings.generic.json");
  writeFileSync(genericPath, genericDocument(repoRoot, FINDINGS));
  const datasets = [
    { id: "asff", title: "Security Hub findings (ASFF, 14.7 MB)", first: asffPath, later: laterPath },
    { id: "generic", title: "generic CSPM findings (1.9 MB)", first: genericPath, later: genericPath },
  ];
  const engines: Array<{ engine: "sqlite" | "postgres"; label: string; target: number }> = [
    { engine: "sqlite", label: "SQLite", target: 10_000 },
  ];
  if (process.env.FIXLOOP_BENCH_DATABASE_URL)
    engines.push({ engine: "postgres", label: "PostgreSQL", target: 3_000 });
  else
    console.log(
      "PostgreSQL: skipped (set FIXLOOP_BENCH_DATABASE_URL, e.g. via scripts/postgres-test-server.sh)",
    );
  // Five runs of each, driver and store alternating, each in its own process: these figures move
  // more with the machine's I/O and load than the pure-CPU tasks, so each one is a median.
  const RUNS = 5;
  const median = (rs: Result[], k: string) => {
    const v = rs.map((r) => Number(r[k])).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)]!;
  };
  const rate = (ms: number) => `${thousands(Math.round((FINDINGS / ms) * 1000))}/s (${ms.toFixed(0)} ms)`;
  for (const d of datasets) {
    const cols: Array<{
      label: string;
      target: number;
      store: (k: string) => number;
      driver: (k: string) => number;
      range: (k: string) => [number, number];
    }> = [];
    for (const e of engines) {
      const store: Result[] = [];
      const driver: Result[] = [];
      for (let i = 0; i < RUNS; i++) {
        driver.push(measure(`driver-${e.engine}`, d.first, d.later));
        store.push(measure(`store-${e.engine}`, d.first, d.later));
      }
      for (const r of [...store, ...driver]) {
        if (
          r.created !== FINDINGS ||
          r.updated !== FINDINGS ||
          r.sameUpdated !== FINDINGS ||
          r.rowsSeenAgain !== FINDINGS
        )
          throw new Error(`${r.task}: expected ${FINDINGS} created then updated, got ${JSON.stringify(r)}`);
      }
      store.forEach((r, i) => {
        results[`store-${e.engine}-${d.id}-${i + 1}`] = r;
      });
      driver.forEach((r, i) => {
        results[`driver-${e.engine}-${d.id}-${i + 1}`] = r;
      });
      cols.push({
        ...e,
        store: (k) => median(store, k),
        driver: (k) => median(driver, k),
        range: (k) => [
          Math.min(...store.map((r) => Number(r[k]))),
          Math.max(...store.map((r) => Number(r[k]))),
        ],
      });
    }
    const row = (label: string, cell: (c: (typeof cols)[number]) => string, target = "") =>
      `| ${label} | ${cols.map(cell).join(" | ")} | ${target} |`;
    storeLines.push(
      "",
      `| store: ${FINDINGS} ${d.title}, median of ${RUNS} | ${cols.map((c) => c.label).join(" | ")} | target |`,
      `|---|${cols.map(() => "---|").join("")}---|`,
      row(
        "**first ingest, end to end** (parse + triage + persist; all created)",
        (c) => `**${rate(c.store("ms"))}**`,
        cols.map((c) => `${c.label} ≥ ${thousands(c.target)}/s`).join(", "),
      ),
      row("first ingest end to end: fastest – slowest run", (c) => {
        const [fast, slow] = c.range("ms");
        return `${thousands(Math.round((FINDINGS / fast) * 1000))}/s – ${thousands(Math.round((FINDINGS / slow) * 1000))}/s`;
      }),
      row("parse + triage alone", (c) => rate(c.store("parseMs"))),
      row("persist alone (`persistFindings`, one transaction)", (c) => rate(c.store("persistMs"))),
      row("baseline: the driver writing the same rows (persist alone)", (c) => rate(c.driver("persistMs"))),
      row(
        "store ÷ driver (persist time)",
        (c) => `${(c.store("persistMs") / c.driver("persistMs")).toFixed(2)}×`,
      ),
      row("re-ingest, end to end (all updated)", (c) => rate(c.store("reMs"))),
      row(
        "re-ingest persist alone (driver baseline)",
        (c) => `${rate(c.store("rePersistMs"))} (${rate(c.driver("rePersistMs"))})`,
      ),
      row("re-ingest of the same document unchanged, end to end", (c) => rate(c.store("sameMs"))),
      row(
        "re-ingest unchanged, persist alone (driver baseline, rewriting every source row)",
        (c) => `${rate(c.store("samePersistMs"))} (${rate(c.driver("samePersistMs"))})`,
      ),
      row(
        "peak memory: RSS of the process, whole task (after the first ingest); driver",
        (c) =>
          `${c.store("maxRssMb").toFixed(0)} MB (${c.store("peakAfterCreateMb").toFixed(0)} MB); driver ${c.driver("maxRssMb").toFixed(0)} MB (${c.driver("peakAfterCreateMb").toFixed(0)} MB)`,
      ),
    );
    for (const c of cols) {
      const endToEnd = Math.round((FINDINGS / c.store("ms")) * 1000);
      const persist = Math.round((FINDINGS / c.store("persistMs")) * 1000);
      verdicts.push(
        `store ${c.label}, ${d.id}: ${thousands(endToEnd)}/s end to end, ${thousands(persist)}/s persist alone (target ≥ ${thousands(c.target)}/s): ${endToEnd >= c.target ? "target met" : persist >= c.target ? "TARGET MISSED end to end (met by the persist alone)" : "TARGET MISSED"}`,
      );
    }
  }
}

if (selected.has("adversarial")) {
  const stdout = execFileSync(process.execPath, ["--import", "tsx", join(repoRoot, "bench/adversarial.ts")], {
    encoding: "utf8",
  });
  for (const raw of stdout.trim().split("\n")) {
    const r = JSON.parse(raw) as Record<string, number | string>;
    console.log(`  adversarial ${raw}`);
    if ("beforeMs" in r)
      lines.push(
        `| ${r.measure}: ${r.input} | ${Number(r.afterMs).toFixed(1)} ms (the code it replaced: ${Number(r.beforeMs).toFixed(0)} ms) | < 200 ms |`,
      );
    else
      lines.push(
        `| ${r.measure} (${r.input}) in the app's worker thread | ${Number(r.workerMs).toFixed(0)} ms warm, ${Number(r.workerColdMs).toFixed(0)} ms with the worker's start; on the main thread ${Number(r.inThreadMs).toFixed(0)} ms | |`,
      );
  }
}
if (selected.has("locate-rate")) {
  // Findings in each source's shape, through `fixloop fix --findings` (bench/locate-rate.ts); with
  // FIXLOOP_BENCH_BASELINE=<checkout of an earlier fixloop>, that version is measured too.
  const rate = (root: string) =>
    execFileSync(process.execPath, ["--import", "tsx", join(repoRoot, "bench/locate-rate.ts"), root], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    }).trim();
  const baseline = process.env.FIXLOOP_BENCH_BASELINE;
  const table = rate(repoRoot);
  console.log(`  locate-rate (this checkout)\n${table}`);
  if (baseline) console.log(`  locate-rate (${baseline})\n${rate(baseline)}`);
}
if (selected.has("github")) {
  // Three runs, each in a fresh process; the request counts are deterministic, the latency is not.
  const runs = [0, 1, 2].map(() => {
    const stdout = execFileSync(process.execPath, ["--import", "tsx", join(repoRoot, "bench/github.ts")], {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    });
    const r = JSON.parse(stdout.trim().split("\n").pop()!) as Result;
    console.log(`  github    ${JSON.stringify(r)}`);
    return r;
  });
  runs.forEach((r, i) => {
    results[`github-${i + 1}`] = r;
  });
  const [first] = runs as [Result];
  const lat = runs.map((r) => Number(r.latencyMs)).sort((a, b) => a - b);
  const plan = runs.map((r) => Number(r.planMs)).sort((a, b) => a - b);
  const perPr = Number(first.requestsPerPr);
  const perVerified = Number(first.requestsPerVerified);
  lines.push(
    `| GitHub REST requests per new PR, repository warm (${first.prs} PRs) | ${perPr} (cold, first PR: ${first.coldRequests}) | ≤ 6 |`,
    `| GitHub REST requests for a finding already handled (same document again) | ${first.repeatRequests} | 0 |`,
    `| GitHub REST requests per verified finding, merge → resolved | ${perVerified} | ≤ 5 |`,
    `| finding → PR latency, GitHub answered in-process (POST, triage, store, locate, patch, 6 requests), median of 3 | ${lat[1]!.toFixed(0)} ms per PR (${lat[0]!.toFixed(0)}–${lat[2]!.toFixed(0)}); planFix alone ${plan[1]!.toFixed(1)} ms: ${(lat[1]! / plan[1]!).toFixed(1)}× | |`,
  );
  verdicts.push(
    `github: ${perPr} requests per new PR (≤ 6), ${first.repeatRequests} for a handled finding (0), ${perVerified} per verified finding (≤ 5): ${perPr <= 6 && Number(first.repeatRequests) === 0 && perVerified <= 5 ? "targets met" : "TARGET MISSED"}`,
  );
}

if (selected.has("api")) {
  // Each mode in a fresh process: the RSS growth measured is that server's alone.
  const load = (mode: string) => {
    const stdout = execFileSync(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "bench/api-load.ts"), mode, "150", "10"],
      { encoding: "utf8" },
    );
    const r = JSON.parse(stdout.trim().split("\n").pop()!) as Result & {
      peakGrowthMb: number;
      statuses: object;
    };
    console.log(`  api       ${JSON.stringify(r)}`);
    results[`api-${mode}`] = r as unknown as Result;
    return r;
  };
  const baseline = load("buffer-first");
  const unsigned = load("unsigned");
  const forged = load("forged");
  const statuses = (r: { statuses: object }) =>
    Object.entries(r.statuses)
      .map(([status, n]) => `${n}× ${status}`)
      .join(", ");
  const ratio = (r: { peakGrowthMb: number }) => (r.peakGrowthMb / baseline.peakGrowthMb).toFixed(2);
  lines.push(
    `| 150 concurrent 10 MB POSTs, body read before the signature (the order before issue 11): server RSS growth | +${baseline.peakGrowthMb} MB (${statuses(baseline)}) | |`,
    `| the same, unsigned, API handler | +${unsigned.peakGrowthMb} MB, ${ratio(unsigned)}× the baseline (${statuses(unsigned)}) | < 64 MB |`,
    `| the same, forged v2 headers, API handler (16 read at once) | +${forged.peakGrowthMb} MB, ${ratio(forged)}× the baseline (${statuses(forged)}) | < 384 MB |`,
  );
  verdicts.push(
    `api: unsigned +${unsigned.peakGrowthMb} MB (< 64), forged +${forged.peakGrowthMb} MB (< 384), baseline +${baseline.peakGrowthMb} MB: ${unsigned.peakGrowthMb < 64 && forged.peakGrowthMb < 384 ? "targets met" : "TARGET MISSED"}`,
  );
}

if (selected.has("s3")) {
  // Two sizes in fresh processes: linear rules keep their time per bucket as the module grows.
  const runS3 = (n: number) => {
    const stdout = execFileSync(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "bench/s3.ts"), String(n)],
      {
        encoding: "utf8",
      },
    );
    const r = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number>;
    console.log(`  s3        ${JSON.stringify(r)}`);
    return r;
  };
  const small = runS3(2_000);
  const big = runS3(8_000);
  results["s3-2000"] = { task: "s3", ms: small.rulesMs!, maxRssMb: 0, ...small };
  results["s3-8000"] = { task: "s3", ms: big.rulesMs!, maxRssMb: 0, ...big };
  const ratio = big.rulesMs! / big.indexMs!;
  const growth = big.rulesMs! / small.rulesMs!;
  lines.push(
    `| S3 rules (3) on one module of 8,000 buckets + 24,000 split resources | ${(big.rulesMs! / 1000).toFixed(2)} s; indexing it ${(big.indexMs! / 1000).toFixed(2)} s: ${ratio.toFixed(2)}×; 4× the buckets of 2,000: ${growth.toFixed(1)}× the time | ≤ 2× index, ≈ 4× |`,
    `| S3 rules on a bucket name of 12 unknown interpolations vs a literal name | ${big.templateMs!.toFixed(2)} ms vs ${big.literalMs!.toFixed(2)} ms | < 100 ms |`,
  );
  verdicts.push(
    `s3: rules ${ratio.toFixed(2)}× index (≤ 2×), ${growth.toFixed(1)}× time for 4× buckets, template ${big.templateMs!.toFixed(1)} ms: ${ratio <= 2 && big.templateMs! < 100 ? "targets met" : "TARGET MISSED"}`,
  );
}

if (selected.has("modules")) {
  // Module-input detection (issue 13): the catalog on the real corpus with and without module calls.
  const stdout = execFileSync(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "bench/module-calls.ts"), "21", "8000"],
    { encoding: "utf8" },
  );
  const r = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number>;
  results.modules = { task: "modules", ms: r.scanWithMs!, maxRssMb: 0, ...r };
  lines.push(
    `| scan of the corpus (${r.files} files) with module calls judged vs without | ${r.scanWithMs!.toFixed(1)} ms vs ${r.scanWithoutMs!.toFixed(1)} ms: ${r.ratio!.toFixed(2)}× | |`,
    `| scan of ${r.calls} module calls vs indexing them | ${r.callsScanMs!.toFixed(0)} ms vs ${r.callsIndexMs!.toFixed(0)} ms | |`,
  );
}

if (selected.has("pr-review")) {
  // People's pull requests (issue 16): GitHub requests per PR event, with the scan check run off
  // (the associated-findings path alone) and on, and time to the check run on a 500-file repository
  // against scanning that whole repository in-process (bench/pr-review.ts).
  const run = (mode: "off" | "on") => {
    const stdout = execFileSync(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "bench/pr-review.ts"), mode],
      {
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return JSON.parse(stdout.trim().split("\n").pop()!) as Result;
  };
  const off = run("off");
  const on = run("on");
  results["pr-review-noscan"] = off;
  results["pr-review-scan"] = on;
  const n = (r: Result, k: string) => Number(r[k]);
  const ratio = n(on, "checkRunMs") / n(on, "fullScanMs");
  lines.push(
    `| GitHub requests per PR event, nothing matches (check run off / on) | ${n(off, "nothingRequests")} / ${n(on, "nothingRequests")} | ≤ 3 |`,
    `| GitHub requests per PR event, labels + review + comment (check run off / on) | ${n(off, "labelRequests")} / ${n(on, "labelRequests")} | ≤ 6 |`,
    `| time to the fixloop/scan check run, ${on.files}-file repository, one file changed | ${n(on, "checkRunMs").toFixed(0)} ms (${n(on, "checkRunTouchingMs").toFixed(0)} ms when it also labels); whole-repository scan in-process ${n(on, "fullScanMs").toFixed(0)} ms: ${ratio.toFixed(2)}× | |`,
  );
  const met = [off, on].every((r) => n(r, "nothingRequests") <= 3 && n(r, "labelRequests") <= 6);
  verdicts.push(
    `pr-review: ${n(off, "nothingRequests")}/${n(off, "labelRequests")} requests without the check run, ${n(on, "nothingRequests")}/${n(on, "labelRequests")} with it (≤ 3/≤ 6: ${met ? "targets met" : "TARGET MISSED"})`,
  );
}

if (selected.has("replicas")) {
  // Issue 19: one replica is the baseline, two the measure, on the same workload in the same run
  // (bench/replicas.ts: 50 groups of 20 findings of one organization, grouping per file).
  if (!process.env.FIXLOOP_BENCH_DATABASE_URL)
    console.log("replicas: skipped (set FIXLOOP_BENCH_DATABASE_URL: replicas share a PostgreSQL database)");
  else {
    const run = (n: number) => {
      const stdout = execFileSync(
        process.execPath,
        ["--import", "tsx", join(repoRoot, "bench/replicas.ts"), String(n), "50", "20"],
        { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      );
      const r = JSON.parse(stdout.trim().split("\n").pop()!) as Result;
      console.log(`  replicas  ${JSON.stringify(r)}`);
      results[`replicas-${n}`] = r;
      return Number(r.perSecond);
    };
    const one = run(1);
    const two = run(2);
    lines.push(
      `| findings → PRs per second, 1,000 findings of 50 groups (one organization), 1 replica | ${one.toFixed(2)}/s | |`,
      `| the same, 2 replicas on one PostgreSQL | ${two.toFixed(2)}/s: ${(two / one).toFixed(2)}× one replica | |`,
    );
  }
}

if (selected.has("dashboard")) {
  // The dashboard pages on a large store (issue 17), each engine in its own process: the median of 5
  // warm renders with migration 0014's indexes, against one render without them (bench/dashboard.ts).
  const pgUrl = process.env.FIXLOOP_BENCH_DATABASE_URL || process.env.FIXLOOP_TEST_DATABASE_URL;
  const engines = pgUrl ? ["sqlite", "postgres"] : ["sqlite"];
  if (!pgUrl) console.log("dashboard PostgreSQL: skipped (set FIXLOOP_BENCH_DATABASE_URL)");
  for (const engine of engines) {
    const stdout = execFileSync(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "bench/dashboard.ts"), engine],
      {
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, ...(pgUrl ? { FIXLOOP_BENCH_DATABASE_URL: pgUrl } : {}) },
      },
    );
    const label = engine === "sqlite" ? "SQLite" : "PostgreSQL";
    let slowest = 0;
    for (const raw of stdout.trim().split("\n")) {
      console.log(`  dashboard ${raw}`);
      const r = JSON.parse(raw) as Record<string, number | string>;
      if (r.kind === "load")
        lines.push(
          `| dashboard store, ${label}: ${Object.entries(r.rows as unknown as Record<string, number>)
            .map(([t, n]) => `${thousands(n)} ${t}`)
            .join(
              ", ",
            )} | generated in ${(Number(r.generateMs) / 1000).toFixed(1)} s, loaded in ${(Number(r.loadMs) / 1000).toFixed(1)} s | |`,
        );
      if (r.kind !== "page") continue;
      const ms = Number(r.ms);
      slowest = Math.max(slowest, ms);
      results[`dashboard-${engine}-${r.page}`] = { task: `dashboard ${r.page}`, ms, maxRssMb: 0 };
      lines.push(
        `| dashboard ${r.page}, ${label} | ${ms.toFixed(1)} ms (${thousands(Number(r.bytes))} bytes); without the 0014 indexes ${Number(r.withoutMs).toFixed(0)} ms: ${(ms / Number(r.withoutMs)).toFixed(2)}× | < 300 ms |`,
      );
    }
    verdicts.push(
      `dashboard ${label}: slowest page ${slowest.toFixed(0)} ms (< 300 ms): ${slowest < 300 ? "target met" : "TARGET MISSED"}`,
    );
  }
}

// Start-up: the compiled CLI against `node -e 0` in the same run (bench/startup.ts).
if (selected.has("startup")) {
  const figures = measureStartup(repoRoot);
  const { rows, verdict } = startupLines(figures);
  lines.push(...rows);
  verdicts.push(verdict);
  figures.forEach((f, i) => {
    results[`startup-${i}`] = { task: f.task, ms: f.medianMs, maxRssMb: f.maxRssMb };
  });
}

if (lines.length) lines.unshift("", "| measure | value | target |", "|---|---|---|");
if (selected.has("org")) orgLines();
lines.push(...storeLines);
console.log(lines.join("\n"));
writeFileSync(
  join(out, "results.json"),
  `${JSON.stringify({ repo, results, speedup, scanRatio }, null, 2)}\n`,
);
if (verdicts.length) console.log(`\n${verdicts.join("\n")}`);

/** Issue 19: the organization of 500 repositories (bench/org.ts), with its baseline in the same run. */
function orgLines(): void {
  const stdout = execFileSync(process.execPath, ["--import", "tsx", join(repoRoot, "bench/org.ts")], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  type Phase = Record<string, number>;
  const r = JSON.parse(stdout.trim().split("\n").pop()!) as Result & Record<string, Phase>;
  results.org = r;
  const { cold, coldBaseline, baseline, warm, afterPush, afterReplicaPush } = r as unknown as Record<
    string,
    Phase
  >;
  const per = (p: Phase, k: string) => p[k]! / p.findings!;
  const row = (label: string, p: Phase) =>
    `| org: ${label} | ${per(p, "ms").toFixed(0)} ms/finding (max ${p.maxMs!.toFixed(0)}, CPU ${per(p, "cpuMs").toFixed(0)} ms), ${p.requests} REST, ${p.fetches} fetches, ${p.lsRemotes} ls-remote, ${per(p, "reads").toFixed(2)} repositories read/finding (max ${p.maxReads}), ${p.located}/${p.findings} located, cache ${p.cacheMb!.toFixed(1)} MB, peak ${p.rssMb!.toFixed(0)} MB | |`;
  lines.push(
    row(`(a) first finding, ${r.repositories} repositories (cold)`, cold!),
    `| org: cold, per repository: four at once vs ${coldBaseline!.repositories} one after another | ${(cold!.ms! / cold!.reads!).toFixed(0)} ms (${(cold!.cpuMs! / cold!.reads!).toFixed(0)} ms CPU) vs ${(coldBaseline!.ms! / coldBaseline!.repositories!).toFixed(0)} ms (${(coldBaseline!.cpuMs! / coldBaseline!.repositories!).toFixed(0)} ms CPU): ${(cold!.ms! / cold!.reads! / (coldBaseline!.ms! / coldBaseline!.repositories!)).toFixed(2)}× | |`,
    row("baseline: without the resource → repository map", baseline!),
    row(`(b) next ${warm!.findings} findings (warm)`, warm!),
    row("(c) push to one repository, then a finding in it", afterPush!),
    row("(d) push received by another replica, then a finding in it", afterReplicaPush!),
    `| org: warm, reading other replicas' pushes (one query per finding) | ${per(warm!, "catchUpMs").toFixed(2)} ms/finding, ${((100 * warm!.catchUpMs!) / warm!.ms!).toFixed(1)}% of the warm time | |`,
    `| org: warm vs baseline, per finding | ${(per(warm!, "ms") / per(baseline!, "ms")).toFixed(3)}× | < 200 ms |`,
  );
  const met =
    warm!.fetches === 0 &&
    afterPush!.fetches! <= 1 &&
    afterReplicaPush!.fetches! <= 1 &&
    afterReplicaPush!.located === 1 &&
    per(warm!, "ms") < 200 &&
    Number(r.maxRssMb) < 1024 &&
    warm!.located === warm!.findings;
  verdicts.push(
    `org: ${warm!.fetches} fetches warm (0), ${afterPush!.fetches} after a push (≤ 1), ${per(warm!, "ms").toFixed(0)} ms per finding (< 200), peak ${Number(r.maxRssMb).toFixed(0)} MB (< 1024): ${met ? "targets met" : "TARGET MISSED"}`,
  );
}
