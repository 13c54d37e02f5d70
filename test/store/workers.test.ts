// Durable jobs under real concurrency: separate worker processes on one database, and a worker
// killed (SIGKILL) in the middle of a job.

import { type ChildProcess, spawn } from "node:child_process";
import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { Worker } from "../../src/jobs/worker.ts";
import { enqueueJobs, getJob, listJobs } from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";

const CHILD = new URL("./worker-child.ts", import.meta.url).pathname;

function startWorker(
  where: TestLocation,
  workerId: string,
  mode: "drain" | "hang",
  leaseMs: number,
): ChildProcess {
  const args = JSON.stringify({ location: where.location, workerId, mode, leaseMs });
  return spawn(process.execPath, ["--import", "tsx", CHILD, args], { stdio: ["ignore", "pipe", "pipe"] });
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
}

function printed(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      if (out.includes(line)) resolve();
    });
    child.on("exit", (code) => reject(new Error(`worker exited (${code}) before printing ${line}`)));
  });
}

describeEachEngine("durable jobs with several worker processes", (engine) => {
  let where: TestLocation;
  let store: Store;

  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open();
    const bigint = engine === "postgres" ? "bigint" : "integer";
    await sql
      .raw(
        `CREATE TABLE test_runs (job_id ${bigint} NOT NULL, worker text NOT NULL, started_at ${bigint} NOT NULL, finished_at ${bigint} NOT NULL)`,
      )
      .execute(store.db);
    await sql
      .raw(
        `CREATE TABLE test_branches (job_id ${bigint} NOT NULL, name text NOT NULL, created_by text NOT NULL)`,
      )
      .execute(store.db);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("two workers process 1,000 queued jobs: every job runs exactly once, none is lost", async () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => ({ kind: "count", payload: { n: i } }));
    expect(await store.transaction((tx) => enqueueJobs(tx, jobs, store.now()))).toBe(1000);

    const workers = [startWorker(where, "w1", "drain", 30_000), startWorker(where, "w2", "drain", 30_000)];
    const results = await Promise.all(workers.map(exited));
    expect(results).toEqual([
      { code: 0, stderr: "" },
      { code: 0, stderr: "" },
    ]);

    const runs = await sql<{ job_id: number; worker: string }>`SELECT job_id, worker FROM test_runs`.execute(
      store.db,
    );
    const perJob = new Map<number, number>();
    for (const r of runs.rows) perJob.set(Number(r.job_id), (perJob.get(Number(r.job_id)) ?? 0) + 1);
    expect(runs.rows).toHaveLength(1000);
    expect(perJob.size).toBe(1000);
    expect([...perJob.values()].every((n) => n === 1)).toBe(true);
    // Both workers took part (otherwise this proves nothing about concurrency).
    const byWorker = new Set(runs.rows.map((r) => r.worker));
    expect(byWorker).toEqual(new Set(["w1", "w2"]));

    const done = await listJobs(store.db, { state: "done" });
    expect(done).toHaveLength(1000);
    expect(done.every((j) => j.attempts === 1 && j.leaseToken === null)).toBe(true);
  }, 120_000);

  it("a worker killed mid-job leaves it to be taken over when the lease expires; the re-run adopts its branch", async () => {
    const leaseMs = 1500;
    await store.transaction((tx) =>
      enqueueJobs(tx, [{ kind: "branch", payload: { findingId: "f1" } }], store.now()),
    );
    const doomed = startWorker(where, "doomed", "hang", leaseMs);
    await printed(doomed, "branch-created");
    doomed.kill("SIGKILL");
    await exited(doomed);

    const [held] = await listJobs(store.db);
    expect(held).toMatchObject({ state: "running", attempts: 1, progress: { branch: "fixloop/s3/abc123" } });
    expect(held?.leaseToken).toMatch(/^doomed\//);

    const adopted: unknown[] = [];
    const rescuer = new Worker(
      store,
      {
        async branch(_payload, ctx) {
          const saved = ctx.progress as { branch?: string } | null;
          if (saved?.branch) adopted.push(saved.branch);
          else
            await sql`INSERT INTO test_branches (job_id, name, created_by) VALUES (${ctx.job.id}, 'x', 'rescuer')`.execute(
              store.db,
            );
          return undefined;
        },
      },
      { id: "rescuer", leaseMs },
    );
    // While the dead worker's lease runs, nobody may take the job.
    expect(await rescuer.runDue()).toBe(0);
    await new Promise((r) => setTimeout(r, (held?.leaseExpiresAt ?? 0) - Date.now() + 50));
    expect(await rescuer.runDue()).toBe(1);

    expect(adopted).toEqual(["fixloop/s3/abc123"]);
    const branches = await sql<{ created_by: string }>`SELECT created_by FROM test_branches`.execute(
      store.db,
    );
    expect(branches.rows).toEqual([{ created_by: "doomed" }]);
    expect(await getJob(store.db, held?.id as number)).toMatchObject({
      state: "done",
      attempts: 2,
      leaseToken: null,
    });
  }, 60_000);
});
