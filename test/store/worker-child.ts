// A job worker in a process of its own, for the concurrency and crash tests. Argument: JSON
// {location, workerId, mode, leaseMs}. Modes:
//   drain — run "count" jobs until none is left; each run is recorded in test_runs.
//   hang  — run one "branch" job: create the branch (recorded in test_branches), save that as
//           progress, say so on stdout, then hang until killed.

import { sql } from "kysely";
import { Worker } from "../../src/jobs/worker.ts";
import { Store } from "../../src/store/store.ts";

const { location, workerId, mode, leaseMs } = JSON.parse(process.argv[2] as string);
const store = await Store.open(location);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (mode === "drain") {
  const worker = new Worker(
    store,
    {
      async count(_payload, { job }) {
        const started = Date.now();
        await sleep(Math.random() * 3);
        await sql`INSERT INTO test_runs (job_id, worker, started_at, finished_at) VALUES (${job.id}, ${workerId}, ${started}, ${Date.now()})`.execute(
          store.db,
        );
        return undefined;
      },
    },
    { id: workerId, leaseMs, concurrency: 4 },
  );
  for (;;) {
    const ran = await worker.runDue();
    if (ran > 0) continue;
    const left = await store.db
      .selectFrom("jobs")
      .select(store.db.fn.countAll<number>().as("n"))
      .where("state", "in", ["queued", "running"])
      .executeTakeFirstOrThrow();
    if (Number(left.n) === 0) break;
    await sleep(5);
  }
} else if (mode === "hang") {
  const worker = new Worker(
    store,
    {
      async branch(_payload, ctx) {
        await sql`INSERT INTO test_branches (job_id, name, created_by) VALUES (${ctx.job.id}, ${"fixloop/s3/abc123"}, ${workerId})`.execute(
          store.db,
        );
        await ctx.saveProgress({ branch: "fixloop/s3/abc123" });
        process.stdout.write("branch-created\n");
        await new Promise(() => {}); // killed here, mid-job
        return undefined;
      },
    },
    { id: workerId, leaseMs },
  );
  await worker.runDue();
}
await store.close();
