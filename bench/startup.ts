// The `startup` bench group: how long a CLI call takes before it does anything, against a bare
// `node -e 0` measured in the same run (target: `fixloop rules --format json` within 5×).
// Each command runs RUNS times, interleaved with the baseline so machine load hits both alike;
// the figure is the median wall time, and the peak RSS is the process's own (bench/startup-probe.mjs).

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = 11;

export interface StartupFigure {
  task: string;
  medianMs: number;
  maxRssMb: number;
}

function once(repoRoot: string, args: string[]): { ms: number; rssMb: number } {
  const probe = join(repoRoot, "bench/startup-probe.mjs");
  const start = performance.now();
  const r = spawnSync(process.execPath, ["--import", probe, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    maxBuffer: 16 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  const rss = JSON.parse(String(r.output[3]).trim()) as { maxRssKb: number };
  return { ms, rssMb: rss.maxRssKb / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function measureStartup(repoRoot: string): StartupFigure[] {
  // Always from a fresh build: a stale dist/ would measure yesterday's code.
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
  const fromSource = join(mkdtempSync(join(tmpdir(), "fixloop-startup-")), "from-source.mjs");
  writeFileSync(
    fromSource,
    `const { main } = await import(${JSON.stringify(join(repoRoot, "src/cli/main.ts"))});\n` +
      "process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });\n",
  );
  const tasks: Array<[string, string[]]> = [
    ["node -e 0", ["-e", "0"]],
    ["fixloop rules --format json", ["bin/fixloop.js", "rules", "--format", "json"]],
    ["fixloop --version", ["bin/fixloop.js", "--version"]],
    ["fixloop scan --help", ["bin/fixloop.js", "scan", "--help"]],
    [
      "rules --format json, from source through tsx (before)",
      ["--import", "tsx", fromSource, "rules", "--format", "json"],
    ],
  ];
  const samples = tasks.map(() => ({ ms: [] as number[], rss: 0 }));
  for (let i = 0; i < RUNS; i++)
    tasks.forEach(([, args], t) => {
      const r = once(repoRoot, args);
      samples[t]!.ms.push(r.ms);
      samples[t]!.rss = Math.max(samples[t]!.rss, r.rssMb);
    });
  return tasks.map(([task], t) => ({ task, medianMs: median(samples[t]!.ms), maxRssMb: samples[t]!.rss }));
}

/** Table rows for docs/benchmarks.md, and the verdict line. */
export function startupLines(figures: StartupFigure[]): { rows: string[]; verdict: string } {
  const base = figures[0]!;
  const rows = figures.map((f, i) => {
    const ratio = i === 0 ? "1×" : `${(f.medianMs / base.medianMs).toFixed(1)}×`;
    const target = f.task === "fixloop rules --format json" ? "≤ 5×" : "";
    return `| start-up: ${f.task} | ${f.medianMs.toFixed(0)} ms median of ${RUNS} (${ratio}); peak ${f.maxRssMb.toFixed(0)} MB | ${target} |`;
  });
  const rules = figures[1]!;
  const ratio = rules.medianMs / base.medianMs;
  return {
    rows,
    verdict: `startup: fixloop rules --format json ${ratio.toFixed(1)}× node -e 0 (≤ 5×), peak ${rules.maxRssMb.toFixed(0)} MB: ${ratio <= 5 ? "target met" : "TARGET MISSED"}`,
  };
}
