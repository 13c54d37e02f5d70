// Scan with start-up included (issue 19): `node bin/fixloop.js scan <tree> --format json`, the
// whole CLI process end to end (compiled dist/, module loading, reading the tree, index, every
// rule, JSON written), against a process that loads @cdktf/hcl2json and parses the same .tf files
// (bench/hcl2json-process.mjs), in the same run. Target: the scan at most 0.1× the baseline.
// With FIXLOOP_BENCH_BASELINE=<checkout of an earlier fixloop, built>, its CLI is measured too and
// its JSON output compared byte for byte with this one's.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ProcessFigure {
  task: string;
  ms: number;
  /** CPU time of the process (user + system, every thread) in the run with the best wall time:
   *  less moved by other work on a shared machine than the wall time. */
  cpuMs: number;
  maxRssMb: number;
  /** For the CLIs: the JSON output was the same bytes as this checkout's (undefined for itself). */
  sameOutput?: boolean;
}

/** One process, its wall time and peak RSS (bench/startup-probe.mjs); stdout goes to `out`. */
function run(repoRoot: string, args: string[], out: string): { ms: number; cpuMs: number; rssMb: number } {
  const start = performance.now();
  const r = spawnSync(
    "sh",
    [
      "-c",
      'exec "$0" "$@" > "$OUT"',
      process.execPath,
      "--import",
      join(repoRoot, "bench/startup-probe.mjs"),
      ...args,
    ],
    { cwd: repoRoot, env: { ...process.env, OUT: out }, stdio: ["ignore", "ignore", "pipe", "pipe"] },
  );
  const ms = performance.now() - start;
  // scan exits 1 when it finds something, which it does here.
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  const usage = JSON.parse(String(r.output[3]).trim()) as { maxRssKb: number; cpuUs: number };
  return { ms, cpuMs: usage.cpuUs / 1000, rssMb: usage.maxRssKb / 1024 };
}

export function measureScanProcesses(repoRoot: string, tree: string, runs: number): ProcessFigure[] {
  // Always from a fresh build: a stale dist/ would measure yesterday's code.
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "fixloop-scan-"));
  const baseline = process.env.FIXLOOP_BENCH_BASELINE;
  const tasks: Array<{ task: string; args: string[]; out: string }> = [
    { task: "hcl2json process", args: [join(repoRoot, "bench/hcl2json-process.mjs"), tree], out: "h.json" },
    {
      task: "fixloop scan",
      args: [join(repoRoot, "bin/fixloop.js"), "scan", tree, "--format", "json"],
      out: "s.json",
    },
  ];
  if (baseline)
    tasks.push({
      task: `fixloop scan (${baseline})`,
      args: [join(baseline, "bin/fixloop.js"), "scan", tree, "--format", "json"],
      out: "b.json",
    });
  const samples = tasks.map(() => ({ ms: [] as number[], cpuMs: [] as number[], rss: 0 }));
  // Interleaved, so that load on the shared machine hits every task alike; the best run counts.
  for (let i = 0; i < runs; i++)
    tasks.forEach((t, k) => {
      const r = run(repoRoot, t.args, join(dir, t.out));
      samples[k]!.ms.push(r.ms);
      samples[k]!.cpuMs.push(r.cpuMs);
      samples[k]!.rss = Math.max(samples[k]!.rss, r.rssMb);
    });
  const mine = readFileSync(join(dir, "s.json"));
  const figures = tasks.map((t, k) => ({
    task: t.task,
    ms: Math.min(...samples[k]!.ms),
    cpuMs: samples[k]!.cpuMs[samples[k]!.ms.indexOf(Math.min(...samples[k]!.ms))]!,
    maxRssMb: samples[k]!.rss,
    sameOutput: t.out === "b.json" ? readFileSync(join(dir, t.out)).equals(mine) : undefined,
  }));
  rmSync(dir, { recursive: true, force: true });
  return figures;
}
