// Throughput of N app replicas on one PostgreSQL database: the workload of test/replicas (findings
// of one organization in groups of one file each, grouping: per-file), each replica a real process
// with its own repository cache, GitHub answered by the kit's double over HTTP. Measured from the
// first POST to the moment no remediate job is left: findings delivered to PRs per second.
//
// Usage: node --import tsx bench/replicas.ts <replicas> [groups] [perGroup]
// Needs FIXLOOP_BENCH_DATABASE_URL (a server's admin URL: a fresh database is created and dropped).
// Prints one JSON line (bench/run.ts reads it).

import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { Store } from "../src/store/store.ts";
import {
  allFindings,
  buildRepository,
  INSTALLATION_ID,
  ORG,
  ORG_CONFIG,
  postAlternating,
  REPO,
  REPO_CONFIG,
  type Replica,
  runsFrom,
  startReplica,
  waitForRemediations,
} from "../test/replicas/cluster.ts";
import { startGitHubDouble } from "../test/replicas/github-double.ts";

/** user+sys seconds of a live process so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const [count = 1, groups = 50, perGroup = 20] = process.argv.slice(2).map(Number);
const admin = process.env.FIXLOOP_BENCH_DATABASE_URL;
if (!admin) throw new Error("FIXLOOP_BENCH_DATABASE_URL is not set");

const name = `fixloop_bench_${randomBytes(5).toString("hex")}`;
const adminClient = async (sqlText: string) => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(sqlText);
  await c.end();
};
await adminClient(`CREATE DATABASE ${name}`);
const url = new URL(admin);
url.pathname = `/${name}`;
const databaseUrl = url.toString();

const root = mkdtempSync(join(tmpdir(), "fixloop-bench-replicas-"));
buildRepository(root, groups, perGroup);
const store = await Store.open({ databaseUrl });
const github = await startGitHubDouble({
  org: ORG,
  installationId: INSTALLATION_ID,
  repositories: [REPO],
  configs: { ".github": ORG_CONFIG, [REPO]: REPO_CONFIG },
});
const runLog = join(root, "runs.jsonl");
const setup = { root, databaseUrl, github, leaseMs: 60_000, runLog };
const replicas: Replica[] = await Promise.all(
  Array.from({ length: count }, (_, i) => startReplica(setup, String.fromCharCode(97 + i))),
);
try {
  const findings = allFindings(groups, perGroup);
  const started = performance.now();
  await postAlternating(replicas, findings, Math.max(1, findings.length / 40));
  const postedMs = performance.now() - started;
  await waitForRemediations(store, 30 * 60_000);
  const ms = performance.now() - started;
  if (github.problems.length > 0) throw new Error(`GitHub double:\n${github.problems.join("\n")}`);
  if (github.pulls.length !== groups) throw new Error(`${github.pulls.length} PRs for ${groups} groups`);
  const runs = runsFrom(runLog).filter((r) => r.kind === "remediate");
  const byReplica = Object.fromEntries(
    replicas.map((r) => [r.name, runs.filter((x) => x.name === r.name).length]),
  );
  console.log(
    JSON.stringify({
      task: "replicas",
      // CPU (user+sys) of the replica processes, their sandbox workers included: wall time moves
      // with the machine's load, this much less.
      replicaCpuS: replicas.reduce((s, r) => s + cpuSeconds(r.child.pid), 0),
      load: loadavg().map((l) => Number(l.toFixed(1))),
      replicas: count,
      findings: findings.length,
      groups,
      ms,
      postedMs,
      perSecond: findings.length / (ms / 1000),
      requests: github.requests.length,
      remediateRuns: byReplica,
    }),
  );
} finally {
  for (const r of replicas) r.child.kill("SIGTERM");
  await Promise.all(replicas.map((r) => r.exited));
  await github.close();
  await store.close();
  await adminClient(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  rmSync(root, { recursive: true, force: true });
}
