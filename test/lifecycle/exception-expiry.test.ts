// An expired exception puts the finding back into the loop: triaged again, then where its triage
// gate sends it, with the job that state needs. (It used to stop in `triaged` with no job, where
// nothing ever picked it up again.)

import { afterEach, beforeEach, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { REMEDIATE_JOB } from "../../src/jobs/kinds.ts";
import { sweepExpiredExceptions } from "../../src/jobs/sweeps.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { grantException } from "../../src/lifecycle/exceptions.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { claimJobs, completeJob, listJobs } from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { asffS38, readFixture, triage } from "../store/helpers.ts";

describeEachEngine("an expired exception", (engine) => {
  let where: TestLocation;
  let store: Store;
  const time = manualClock();
  const octocat = { kind: "github-user" as const, login: "octocat", id: 583231 };

  beforeEach(async () => {
    time.set(Date.parse("2026-11-01T09:00:00.000Z"));
    where = await freshLocation(engine);
    store = await where.open(time.clock);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  /** Admits the findings and runs their first jobs to completion (as a worker would). */
  async function admitAndDrain(document: unknown): Promise<string[]> {
    const ids = (await persistFindings(store, triage(document))).map((r) => r.id);
    const opts = { workerId: "test", kinds: [REMEDIATE_JOB], limit: 10, leaseMs: 60_000, now: store.now() };
    for (const job of await claimJobs(store.db, engine, opts)) await completeJob(store.db, job, store.now());
    return ids;
  }

  it("sends a fixable finding back to `fixing` with a remediate job", async () => {
    const [id] = (await admitAndDrain(asffS38("FAILED"))) as [string];
    await changeState(store, {
      findingId: id,
      to: "unfixable",
      actor: { kind: "app" },
      reason: "managed elsewhere",
    });
    await grantException(store, {
      findingId: id,
      reason: "legacy bucket",
      approvedBy: octocat,
      expiresAt: new Date("2026-12-01T00:00:00Z"),
    });
    expect(await listJobs(store.db, { state: "queued" })).toEqual([]);

    time.set(Date.parse("2026-12-01T00:00:01Z"));
    expect(await sweepExpiredExceptions(store)).toBe(1);

    expect((await getFinding(store.db, id))?.state).toBe("fixing");
    expect((await auditTrail(store.db, id)).slice(-2).map((e) => `${e.from} → ${e.to}: ${e.reason}`)).toEqual(
      [
        "excepted → triaged: exception #1 approved by @octocat (GitHub user 583231) on 2026-11-01 ended on 2026-12-01T00:00:00.000Z (expired): the SLA restarts from then",
        "triaged → fixing: risk 45 (medium) with confidence 0.77",
      ],
    );
    const queued = await listJobs(store.db, { state: "queued" });
    expect(queued.map((j) => [j.kind, j.payload, j.uniqueKey, j.runAt])).toEqual([
      [REMEDIATE_JOB, { findingId: id }, `remediate:${id}`, Date.parse("2026-12-01T00:00:01Z")],
    ]);
    // Its next sweep finds nothing more to do.
    expect(await sweepExpiredExceptions(store)).toBe(0);
  });

  it("sends a gated finding back to `awaiting_approval` (its job opens the approval issue)", async () => {
    const ids = await admitAndDrain(readFixture("generic/cspm-batch.json"));
    const gated = ids[0] as string; // admitted to awaiting_approval (confidence 0.45)
    await grantException(store, {
      findingId: gated,
      reason: "accepted until December",
      approvedBy: octocat,
      expiresAt: new Date("2026-12-01T00:00:00Z"),
    });
    time.set(Date.parse("2026-12-01T00:00:01Z"));
    expect(await sweepExpiredExceptions(store)).toBe(1);
    expect((await getFinding(store.db, gated))?.state).toBe("awaiting_approval");
    expect((await auditTrail(store.db, gated)).at(-1)?.reason).toBe(
      "confidence 0.45 is below 0.6: a human approves before the PR opens",
    );
    expect((await listJobs(store.db, { state: "queued" })).map((j) => j.uniqueKey)).toEqual([
      `remediate:${gated}`,
    ]);
  });
});
