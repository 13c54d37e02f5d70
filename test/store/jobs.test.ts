import { afterEach, beforeEach, expect, it } from "vitest";
import { SWEEP_HANDLERS, SWEEPS, scheduleSweeps } from "../../src/jobs/sweeps.ts";
import { Worker } from "../../src/jobs/worker.ts";
import {
  claimJobs,
  completeJob,
  enqueueJobs,
  failJob,
  getJob,
  listJobs,
  retryDelay,
  wakeJobs,
} from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";

const fixedJitter = { baseMs: 1_000, maxMs: 60_000, random: () => 0.5 };

it("backs off exponentially with jitter, capped", () => {
  const none = { ...fixedJitter, random: () => 0 };
  const full = { ...fixedJitter, random: () => 1 };
  expect([1, 2, 3, 4].map((n) => retryDelay(n, none))).toEqual([500, 1000, 2000, 4000]);
  expect([1, 2, 3, 4].map((n) => retryDelay(n, full))).toEqual([1000, 2000, 4000, 8000]);
  expect(retryDelay(30, full)).toBe(60_000);
});

describeEachEngine("the job queue", (engine) => {
  let where: TestLocation;
  let store: Store;
  const time = manualClock();
  const claim = (workerId: string, limit = 10, kinds = ["remediate"]) =>
    claimJobs(store.db, store.engine, { workerId, kinds, limit, leaseMs: 10_000, now: time.clock() });

  beforeEach(async () => {
    time.set(Date.parse("2026-11-01T09:00:00.000Z"));
    where = await freshLocation(engine);
    store = await where.open(time.clock);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("enqueues idempotently by unique key while the job is queued or running, and again once it is done", async () => {
    const job = { kind: "remediate", payload: { findingId: "f1" }, uniqueKey: "remediate:f1" };
    expect(await enqueueJobs(store.db, [job, job], store.now())).toBe(1);
    const [claimed] = await claim("w1");
    expect(await enqueueJobs(store.db, [job], store.now())).toBe(0);
    await completeJob(store.db, claimed!, store.now());
    expect(await enqueueJobs(store.db, [job], store.now())).toBe(1);
  });

  it("gives a job to one claimant at a time, and to another only after the lease expires", async () => {
    await enqueueJobs(store.db, [{ kind: "remediate", payload: 1 }], store.now());
    const [mine] = await claim("w1");
    expect(mine).toMatchObject({ state: "running", attempts: 1, leaseExpiresAt: time.clock() + 10_000 });
    expect(await claim("w2")).toEqual([]);
    time.advance(10_001);
    const [theirs] = await claim("w2");
    expect(theirs).toMatchObject({ id: mine?.id, attempts: 2 });
    // The first worker's late completion is refused: the job belongs to the second now.
    expect(await completeJob(store.db, mine!, store.now())).toBe(false);
    expect(await completeJob(store.db, theirs!, store.now())).toBe(true);
    expect(await getJob(store.db, mine!.id)).toMatchObject({ state: "done" });
  });

  it("retries a failed job after its backoff and keeps it visible as dead, with the last error, after max attempts", async () => {
    await enqueueJobs(store.db, [{ kind: "remediate", payload: 1, maxAttempts: 2 }], store.now());
    const [first] = await claim("w1");
    const retry = await failJob(store.db, first!, new Error("GitHub 502"), store.now(), fixedJitter);
    expect(retry).toEqual({ state: "queued", runAt: time.clock() + 750, owned: true });
    time.advance(749);
    expect(await claim("w1")).toEqual([]);
    time.advance(1);
    const [second] = await claim("w1");
    expect(second?.attempts).toBe(2);
    expect(
      await failJob(store.db, second!, new Error("GitHub 502 again"), store.now(), fixedJitter),
    ).toMatchObject({
      state: "dead",
    });
    expect(await getJob(store.db, first!.id)).toMatchObject({
      state: "dead",
      attempts: 2,
      lastError: "attempt 2/2: GitHub 502 again",
    });
    time.advance(3_600_000);
    expect(await claim("w1")).toEqual([]);
  });

  it("buries a job whose worker died on its last attempt, saying so", async () => {
    await enqueueJobs(store.db, [{ kind: "remediate", payload: 1, maxAttempts: 1 }], store.now());
    await claim("w1");
    time.advance(10_001);
    expect(await claim("w2")).toEqual([]);
    const [job] = await listJobs(store.db);
    expect(job).toMatchObject({
      state: "dead",
      lastError: "lease expired: the worker stopped during attempt 1 of 1",
    });
  });

  it("claims only the kinds a worker handles, due ones only, oldest first", async () => {
    await enqueueJobs(
      store.db,
      [
        { kind: "remediate", payload: "later", runAt: time.clock() + 60_000 },
        { kind: "verify", payload: "other kind" },
        { kind: "remediate", payload: "first" },
        { kind: "remediate", payload: "second" },
      ],
      store.now(),
    );
    expect((await claim("w1", 10)).map((j) => j.payload)).toEqual(["first", "second"]);
  });

  it("a worker records a handler's failure with backoff, and the re-run sees what the failed attempt saved", async () => {
    await enqueueJobs(store.db, [{ kind: "remediate", payload: { findingId: "f1" } }], store.now());
    const seen: unknown[] = [];
    const worker = new Worker(
      store,
      {
        async remediate(_payload, ctx) {
          seen.push(ctx.progress);
          if (ctx.job.attempts === 1) {
            await ctx.saveProgress({ branch: "fixloop/aws-s3-public-access-block/1a2b3c" });
            throw new Error("secondary rate limit");
          }
          return undefined;
        },
      },
      { id: "w1", backoff: fixedJitter },
    );
    expect(await worker.runDue()).toBe(1);
    expect((await listJobs(store.db))[0]).toMatchObject({
      state: "queued",
      lastError: "attempt 1/8: secondary rate limit",
    });
    time.advance(750);
    expect(await worker.runDue()).toBe(1);
    expect(seen).toEqual([null, { branch: "fixloop/aws-s3-public-access-block/1a2b3c" }]);
    expect((await listJobs(store.db))[0]).toMatchObject({ state: "done", attempts: 2 });
  });

  it("a job that reschedules itself (waiting for a rate limit) keeps its priority and what it saved", async () => {
    await enqueueJobs(
      store.db,
      [{ kind: "remediate", payload: { findingId: "f1" }, uniqueKey: "remediate:f1", priority: 68 }],
      store.now(),
    );
    const seen: unknown[] = [];
    const worker = new Worker(store, {
      async remediate(_payload, ctx) {
        seen.push(ctx.progress);
        if (seen.length === 1) {
          await ctx.saveProgress({ prNumber: 17 });
          return { rescheduleAt: store.now() + 60_000 };
        }
        return undefined;
      },
    });
    await worker.runDue();
    const [next] = await listJobs(store.db, { state: "queued" });
    expect(next).toMatchObject({
      priority: 68,
      runAt: time.clock() + 60_000,
      progress: { prNumber: 17 },
      attempts: 0,
    });
    time.advance(60_000);
    await worker.runDue();
    expect(seen).toEqual([null, { prNumber: 17 }]);
  });

  it("wakes waiting jobs of one kind — all of them, or only the keys named", async () => {
    const later = time.clock() + 60 * 60_000;
    await enqueueJobs(
      store.db,
      [
        { kind: "remediate", payload: 1, uniqueKey: "remediate:a", runAt: later },
        { kind: "verify", payload: 2, uniqueKey: "verify:a", runAt: later },
        { kind: "verify", payload: 3, uniqueKey: "verify:b", runAt: later },
      ],
      store.now(),
    );
    expect(await wakeJobs(store.db, "verify", store.now(), ["verify:b", "verify:zz"])).toBe(1);
    expect(await wakeJobs(store.db, "remediate", store.now())).toBe(1);
    const due = (await listJobs(store.db)).filter((j) => j.runAt === time.clock()).map((j) => j.uniqueKey);
    expect(due.sort()).toEqual(["remediate:a", "verify:b"]);
  });

  it("schedules each sweep once however many replicas start, and a sweep reschedules itself", async () => {
    expect(await scheduleSweeps(store)).toBe(Object.keys(SWEEPS).length);
    expect(await scheduleSweeps(store)).toBe(0);
    const worker = new Worker(store, SWEEP_HANDLERS, { id: "w1", concurrency: 10 });
    expect(await worker.runDue()).toBe(4);
    const queued = await listJobs(store.db, { state: "queued" });
    expect(queued.map((j) => [j.kind, j.runAt - time.clock()]).sort()).toEqual([
      ["sweep:exception-expiry", 3_600_000],
      ["sweep:pending-verifications", 3_600_000],
      ["sweep:sla", 900_000],
      ["sweep:verification-timeout", 900_000],
    ]);
    expect(await worker.runDue()).toBe(0);
    expect(await listJobs(store.db, { state: "done" })).toHaveLength(4);
  });

  it("a job with no handler in this worker stays queued for one that has it", async () => {
    await enqueueJobs(store.db, [{ kind: "remediate", payload: 1 }], store.now());
    const worker = new Worker(store, SWEEP_HANDLERS, { id: "w1" });
    expect(await worker.runDue()).toBe(0);
    expect((await listJobs(store.db))[0]?.state).toBe("queued");
  });
});
