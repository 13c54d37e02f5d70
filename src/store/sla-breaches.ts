// SLA breaches: the sweep marks a finding past its due date (findings.sla_breached_at, set once per
// due date) and appends its breach here in the same transaction. A breach is not a state change,
// so it is not an audit event — every reader of the trail takes an event as "entered `to`" (the
// merge time, the last resolution, a reopening), and an event from = to would be misread there.
// This table is append-only in the database like audit_events (migration 0011), so a breach, once
// recorded, stays in the record even when an exception later restarts the clock.

import { STATE_GROUPS } from "../lifecycle/states.ts";
import type { Db } from "./store.ts";

export interface SlaBreach {
  findingId: string;
  /** The due date that was missed (ISO 8601). */
  due: string;
  /** When the SLA sweep found the finding past it. */
  breachedAt: string;
  /** The state the finding was in. */
  state: string;
  riskTier: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Marks the findings whose SLA clock runs and whose due date has passed (once per due date) and
 * appends their breaches; returns them. Run it inside a transaction, with what reports them.
 */
export async function recordSlaBreaches(tx: Db, now: number): Promise<SlaBreach[]> {
  const rows = await tx
    .updateTable("findings")
    .set({ sla_breached_at: now, updated_at: now })
    .where("sla_due", "<", now)
    .where("sla_breached_at", "is", null)
    .where("state", "in", STATE_GROUPS.slaRunning)
    .returning(["id", "sla_due", "state", "risk_tier"])
    .execute();
  if (rows.length === 0) return [];
  const breaches = rows.map((r) => ({
    finding_id: r.id,
    due: Number(r.sla_due),
    breached_at: now,
    state: r.state,
    risk_tier: r.risk_tier,
  }));
  await tx
    .insertInto("sla_breaches")
    .values(breaches)
    .onConflict((oc) => oc.columns(["finding_id", "due"]).doNothing())
    .execute();
  return breaches.map((b) => ({
    findingId: b.finding_id,
    due: iso(b.due),
    breachedAt: iso(b.breached_at),
    state: b.state,
    riskTier: b.risk_tier,
  }));
}

/** A finding's recorded breaches, oldest first. */
export async function slaBreachesOf(db: Db, findingId: string): Promise<SlaBreach[]> {
  const rows = await db
    .selectFrom("sla_breaches")
    .selectAll()
    .where("finding_id", "=", findingId)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    findingId: r.finding_id,
    due: iso(Number(r.due)),
    breachedAt: iso(Number(r.breached_at)),
    state: r.state,
    riskTier: r.risk_tier,
  }));
}

/** The findings whose SLA clock runs, for the app's notices (fixloop's own, with an installation). */
export function slaClockFindings(db: Db) {
  return db
    .selectFrom("findings")
    .selectAll()
    .where("state", "in", STATE_GROUPS.slaRunning)
    .where("installation_id", "is not", null)
    .orderBy("sla_due")
    .orderBy("id")
    .execute();
}
