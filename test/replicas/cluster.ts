// The replicas workload, shared by test/replicas/replicas.test.ts and bench/replicas.ts: one
// repository of GROUPS files with BUCKETS_PER_GROUP public S3 buckets each (grouping: per-file, so
// one PR per file), its findings, N replica processes (./replica.ts) on one PostgreSQL database
// against the GitHub double (./github-double.ts), and what the run left behind.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signRequest } from "../../src/http/signature.ts";
import { listJobs } from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import type { GitHubDouble } from "./github-double.ts";

export const ORG = "acme";
export const REPO = "infra";
export const INSTALLATION_ID = 4242;
export const API_SECRET = "replicas-api-secret-0123456789";
const CHILD = new URL("./replica.ts", import.meta.url).pathname;

export const ORG_CONFIG = "slaHours:\n  critical: 2160\n  high: 2160\n  medium: 2160\n";
export const REPO_CONFIG =
  "grouping: per-file\nowners:\n  teams:\n    data-platform: acme/data-platform\nlimits:\n  openPrsPerRepository: 200\n  openPrsPerTeam: 200\n";

export const groupFile = (g: number) => `envs/g${String(g).padStart(2, "0")}/buckets.tf`;
export const bucketName = (g: number, b: number) =>
  `replica-g${String(g).padStart(2, "0")}-b${String(b).padStart(2, "0")}`;

/** acme/infra as a git repository under `root/remote`, the way GitHub's git endpoint would serve it. */
export function buildRepository(root: string, groups: number, perGroup: number): void {
  const dir = join(root, "remote", ORG, REPO);
  mkdirSync(dir, { recursive: true });
  const git = (...a: string[]) =>
    execFileSync("git", a, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
      },
    });
  git("init", "--quiet", "--initial-branch=main");
  git("config", "uploadpack.allowFilter", "true");
  for (let g = 0; g < groups; g++) {
    mkdirSync(join(dir, `envs/g${String(g).padStart(2, "0")}`), { recursive: true });
    const text = Array.from(
      { length: perGroup },
      (_, b) =>
        `resource "aws_s3_bucket" "b${String(b).padStart(2, "0")}" {\n  bucket = "${bucketName(g, b)}"\n\n  tags = {\n    Team = "data-platform"\n  }\n}\n`,
    ).join("\n");
    writeFileSync(join(dir, groupFile(g)), text);
  }
  git("add", "-A");
  git("commit", "--quiet", "-m", "buckets");
}

/** The seed's routing payload for one bucket: a HIGH, internet-reachable S3.8 finding. */
export function finding(g: number, b: number) {
  return {
    finding_id: `f-${bucketName(g, b)}`,
    resource_arn: `arn:aws:s3:::${bucketName(g, b)}`,
    severity: "HIGH",
    rule_id: "S3.8",
    context: { is_internet_reachable: true, owner_team: "data-platform" },
    metadata: { account_id: "123456789012", region: "us-east-1", first_seen: "2026-11-02T08:15:00Z" },
  };
}

/**
 * Every finding, group after group: a group's findings are queued next to each other, so both
 * replicas claim findings of the same group at the same moment — the race the group lock
 * is for (any replica claims any job, whichever replica the document was posted to).
 */
export function allFindings(groups: number, perGroup: number) {
  const out: Array<ReturnType<typeof finding>> = [];
  for (let g = 0; g < groups; g++) for (let b = 0; b < perGroup; b++) out.push(finding(g, b));
  return out;
}

export interface Replica {
  name: string;
  child: ChildProcess;
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stderr: () => string;
}

export interface ReplicaSetup {
  root: string;
  databaseUrl: string;
  github: GitHubDouble;
  leaseMs: number;
  runLog: string;
}

export function startReplica(setup: ReplicaSetup, name: string): Promise<Replica> {
  const args = {
    databaseUrl: setup.databaseUrl,
    apiUrl: setup.github.apiUrl,
    remoteRoot: join(setup.root, "remote"),
    cacheDir: join(setup.root, `cache-${name}`),
    apiSecret: API_SECRET,
    leaseMs: setup.leaseMs,
    runLog: setup.runLog,
    name,
  };
  mkdirSync(args.cacheDir, { recursive: true });
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  // REPLICAS_DEBUG=1 shows the replicas' logs (REPLICA_LOG_LEVEL, default warn) as they come.
  if (process.env.REPLICAS_DEBUG) child.stderr?.pipe(process.stderr);
  child.stderr?.on("data", (d) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      const port = /listening (\d+)/.exec(out)?.[1];
      if (port) resolve({ name, child, url: `http://127.0.0.1:${port}`, exited, stderr: () => err });
    });
    void exited.then((code) =>
      reject(new Error(`replica ${name} exited (${code}) before listening:\n${err}`)),
    );
  });
}

let signed = 0;
/** POSTs one findings document to a replica, signed as a CSPM would; throws unless 202. */
export async function postFindings(replica: Replica, document: unknown[]): Promise<void> {
  const body = JSON.stringify(document);
  const target = `/api/orgs/${ORG}/findings`;
  const res = await fetch(`${replica.url}${target}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      // One timestamp per request: a signature is accepted once.
      ...signRequest(API_SECRET, {
        timestamp: Math.floor(Date.now() / 1000) - (signed++ % 200),
        method: "POST",
        target,
        body,
      }),
    },
    body,
  });
  if (res.status !== 202) throw new Error(`${replica.name} answered ${res.status}: ${await res.text()}`);
}

/** Posts the findings in documents of `perDocument`, alternating between the replicas; each replica
 *  gets its documents one after the other (as a CSPM sends them), the replicas at the same time. */
export async function postAlternating(
  replicas: readonly Replica[],
  findings: readonly unknown[],
  perDocument: number,
): Promise<Map<string, number>> {
  const queues = replicas.map(() => [] as unknown[][]);
  for (let i = 0, d = 0; i < findings.length; i += perDocument, d++)
    queues[d % replicas.length]?.push(findings.slice(i, i + perDocument));
  await Promise.all(
    replicas.map(async (replica, r) => {
      for (const doc of queues[r] ?? []) await postFindings(replica, doc);
    }),
  );
  return new Map(replicas.map((replica, r) => [replica.name, (queues[r] ?? []).flat().length]));
}

/** Waits until no remediate job is queued or running; throws after `timeoutMs`. */
export async function waitForRemediations(store: Store, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = [
      ...(await listJobs(store.db, { kind: "remediate", state: "queued" })),
      ...(await listJobs(store.db, { kind: "remediate", state: "running" })),
    ];
    if (open.length === 0) return;
    if (Date.now() > until) {
      const why = open.map(
        (j) => `job ${j.id} ${j.state} after ${j.attempts} attempt(s): ${j.lastError ?? "no error"}`,
      );
      throw new Error(`${open.length} remediate jobs still open after ${timeoutMs} ms:\n${why.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Run {
  name: string;
  id: number;
  kind: string;
  start: number;
  end: number | null;
}

/** The job runs recorded by the replicas: each start paired with its end (null: the process died). */
export function runsFrom(runLog: string): Run[] {
  const open = new Map<string, Run>();
  const runs: Run[] = [];
  for (const line of readFileSync(runLog, "utf8").split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      name: string;
      phase: string;
      id: number;
      kind: string;
      at: number;
      attempts: number;
    };
    const key = `${e.name}/${e.id}/${e.attempts}`;
    if (e.phase === "start") {
      const run = { name: e.name, id: e.id, kind: e.kind, start: e.at, end: null };
      open.set(key, run);
      runs.push(run);
    } else {
      const run = open.get(key);
      if (run) run.end = e.at;
    }
  }
  return runs;
}

/** Jobs run by two holders at once: a run starting before the previous run of the same job ended. */
export function overlappingRuns(runs: readonly Run[], deaths: ReadonlyMap<string, number>): string[] {
  const byJob = new Map<number, Run[]>();
  for (const r of runs) byJob.set(r.id, [...(byJob.get(r.id) ?? []), r]);
  const overlaps: string[] = [];
  for (const [id, list] of byJob) {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as Run;
      const prevEnd = prev.end ?? deaths.get(prev.name) ?? Number.POSITIVE_INFINITY;
      const cur = sorted[i] as Run;
      if (cur.start < prevEnd)
        overlaps.push(`job ${id} (${cur.kind}): ${cur.name} started while ${prev.name} still ran it`);
    }
  }
  return overlaps;
}
