// The reads behind rule tuning (src/report/tuning.ts): what people decided about each finding in a
// period — fixed, confirmed a false positive, accepted, snoozed, closed unmerged — from the
// append-only audit trail and the exceptions table, with each finding's rule and sources. Grouping
// and counting is done by the pure aggregation; these only select the rows, bounded by the period
// (and the organization, when one is named).

import type { Db } from "./store.ts";

/** A half-open interval [since, until) in epoch milliseconds, and optionally one organization. */
export interface TuningScope {
  since: number;
  until: number;
  org?: string;
}

const allTime = (scope: TuningScope) => scope.since <= 0 && scope.until >= Number.MAX_SAFE_INTEGER;

/** The transitions that are decisions (or carry the reasons people gave for one). */
export const DECISION_STATES = [
  "resolved",
  "false_positive_pending",
  "suppressed",
  "closed_unmerged",
] as const;

export interface DecisionEventRow {
  findingId: string;
  ruleCatalogId: string | null;
  ruleNativeId: string;
  from: string | null;
  to: string;
  at: number;
  reason: string;
}

/** Audit events into the decision states in the period, oldest first. */
export async function decisionEvents(db: Db, scope: TuningScope): Promise<DecisionEventRow[]> {
  let q = db
    .selectFrom("audit_events as a")
    .innerJoin("findings as f", "f.id", "a.finding_id")
    .select([
      "a.finding_id",
      "f.rule_catalog_id",
      "f.rule_native_id",
      "a.from_state",
      "a.to_state",
      "a.at",
      "a.reason",
    ])
    .where("a.to_state", "in", [...DECISION_STATES])
    .where("a.at", ">=", scope.since)
    .where("a.at", "<", scope.until);
  if (scope.org !== undefined) q = q.where("f.org", "=", scope.org);
  const rows = await q.orderBy("a.id").execute();
  return rows.map((r) => ({
    findingId: r.finding_id,
    ruleCatalogId: r.rule_catalog_id,
    ruleNativeId: r.rule_native_id,
    from: r.from_state,
    to: r.to_state,
    at: Number(r.at),
    reason: r.reason,
  }));
}

export interface GrantRow {
  findingId: string;
  ruleCatalogId: string | null;
  ruleNativeId: string;
  /** exception | snooze */
  kind: string;
  reason: string;
}

/** Accepted risks and snoozes granted in the period (by command or by file), oldest first. */
export async function grantsBetween(db: Db, scope: TuningScope): Promise<GrantRow[]> {
  let q = db
    .selectFrom("exceptions as e")
    .innerJoin("findings as f", "f.id", "e.finding_id")
    .select(["e.finding_id", "f.rule_catalog_id", "f.rule_native_id", "e.kind", "e.reason"])
    .where("e.kind", "in", ["exception", "snooze"])
    .where("e.created_at", ">=", scope.since)
    .where("e.created_at", "<", scope.until);
  if (scope.org !== undefined) q = q.where("f.org", "=", scope.org);
  const rows = await q.orderBy("e.id").execute();
  return rows.map((r) => ({
    findingId: r.finding_id,
    ruleCatalogId: r.rule_catalog_id,
    ruleNativeId: r.rule_native_id,
    kind: r.kind,
    reason: r.reason,
  }));
}

export interface SourceSightingRow {
  findingId: string;
  ruleCatalogId: string | null;
  ruleNativeId: string;
  format: string;
  tool: string;
}

/** Every source record of the findings seen in the period: reported by a source in it (by the
 *  source's own times), or with anything in the audit trail or the exceptions in it (recorded,
 *  re-triaged, decided). */
export async function sourcesInScope(db: Db, scope: TuningScope): Promise<SourceSightingRow[]> {
  const active = db
    .selectFrom("audit_events")
    .select("finding_id")
    .where("at", ">=", scope.since)
    .where("at", "<", scope.until)
    // UNION ALL: `in` removes the duplicates, and each branch reads its own index (a UNION makes
    // SQLite merge sorted lists, scanning every event of all time in finding order).
    .unionAll(
      db
        .selectFrom("exceptions")
        .select("finding_id")
        .where("created_at", ">=", scope.since)
        .where("created_at", "<", scope.until),
    )
    .unionAll(
      db
        .selectFrom("finding_sources")
        .select("finding_id")
        .where("first_seen", "<", scope.until)
        .where("last_seen", ">=", scope.since),
    );
  let q = db
    .selectFrom("finding_sources as s")
    .innerJoin("findings as f", "f.id", "s.finding_id")
    .select(["s.finding_id", "f.rule_catalog_id", "f.rule_native_id", "s.format", "s.tool"])
    // All of time (the /metrics counters): every finding, without scanning the trail for ids.
    .$if(!allTime(scope), (qb) => qb.where("s.finding_id", "in", active));
  if (scope.org !== undefined) q = q.where("f.org", "=", scope.org);
  const rows = await q.orderBy("s.finding_id").orderBy("s.format").orderBy("s.tool").execute();
  return rows.map((r) => ({
    findingId: r.finding_id,
    ruleCatalogId: r.rule_catalog_id,
    ruleNativeId: r.rule_native_id,
    format: r.format,
    tool: r.tool,
  }));
}
