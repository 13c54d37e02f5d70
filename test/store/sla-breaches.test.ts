// SLA breaches on both engines: the sweep records a breach once per due date, with its time, the
// state the finding was in and its notification, in one transaction; the record is append-only
// in the database like the audit trail (migration 0011).

import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { sweepSlaBreaches } from "../../src/jobs/sweeps.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { slaBreachesOf } from "../../src/store/sla-breaches.ts";
import { claimSlaNotice, releaseSlaNotice } from "../../src/store/sla-notices.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";
import { asffS38, triage } from "./helpers.ts";

describeEachEngine("SLA breaches", (engine) => {
  let where: TestLocation;
  let store: Store;
  let id: string;
  const time = manualClock();

  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open(time.clock);
    id = (await persistFindings(store, triage(asffS38("FAILED"))))[0]?.id as string;
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("records each breach once, with its time and state, and queues its notification with it", async () => {
    const finding = await getFinding(store.db, id);
    expect(await sweepSlaBreaches(store)).toBe(1);
    expect(await sweepSlaBreaches(store)).toBe(0);
    const now = new Date(time.clock()).toISOString();
    expect(await slaBreachesOf(store.db, id)).toEqual([
      { findingId: id, due: finding!.slaDue, breachedAt: now, state: finding!.state, riskTier: "medium" },
    ]);
    expect((await getFinding(store.db, id))?.slaBreachedAt).toBe(now);
    const jobs = await listJobs(store.db, { kind: "notify" });
    expect(jobs.map((j) => j.payload)).toEqual([
      {
        event: "sla-breached",
        findingId: id,
        at: now,
        summary: `SLA breached: a medium-tier finding was due ${finding!.slaDue.slice(0, 10)} ${finding!.slaDue.slice(11, 16)} UTC and is still ${finding!.state.replace(/_/g, " ")}.`,
      },
    ]);
  });

  it("refuses UPDATE and DELETE of a breach, even as raw SQL", async () => {
    await sweepSlaBreaches(store);
    await expect(sql`UPDATE sla_breaches SET breached_at = 0`.execute(store.db)).rejects.toThrow(
      "sla_breaches is append-only",
    );
    await expect(store.db.deleteFrom("sla_breaches").execute()).rejects.toThrow(
      "sla_breaches is append-only",
    );
    expect(await slaBreachesOf(store.db, id)).toHaveLength(1);
  });

  it("claims a notice once per channel, and again after a release", async () => {
    const notice = { findingId: id, due: 1, notice: { kind: "escalation" as const, step: 0 } };
    expect(await claimSlaNotice(store.db, "comment", notice, 5)).toBe(true);
    expect(await claimSlaNotice(store.db, "comment", notice, 6)).toBe(false);
    expect(await claimSlaNotice(store.db, "event", notice, 6)).toBe(true);
    await releaseSlaNotice(store.db, "comment", notice);
    expect(await claimSlaNotice(store.db, "comment", notice, 7)).toBe(true);
  });
});
