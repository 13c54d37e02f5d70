// The reads behind rule tuning (src/report/tuning.ts): what people decided about each finding in a
// period — fixed, confirmed a false positive, accepted, snoozed, closed unmerged — from the
// append-only audit trail and the exceptions table, with each finding's rule and sources. Grouping
// and counting is done by the pure aggregation; these only select the rows, bounded by the period
// (and the organization, when one is named).

import { sql } from "kysely";
import { chunks } from "./chunks.ts";
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
  // The event's own organization (migration 0020): read from the index (org, to_state, at).
  if (scope.org !== undefined) q = q.where("a.org", "=", scope.org);
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

/** The findings seen in the period with a source of one format and tool, per rule. */
export interface SeenGroupRow {
  ruleCatalogId: string | null;
  ruleNativeId: string;
  format: string;
  tool: string;
  /** Findings of the rule this source reported (each once, however many of its records). */
  findings: number;
  /** Those of them for which this is the first source (by format, then tool): summed over a
   *  rule's sources, each finding counts once. */
  firsts: number;
}

/** Activity in the period: any audit event, exception or source sighting (by the source's own
 *  times) of the finding. */
function activeFindings(db: Db, scope: TuningScope) {
  return (
    db
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
      )
  );
}

/**
 * The findings seen in the period — reported by a source in it, or with anything in the audit
 * trail or the exceptions in it (recorded, re-triaged, decided) — counted per rule and source in
 * SQL: one row per (rule, format, tool) instead of every source record.
 */
export async function seenGroups(db: Db, scope: TuningScope): Promise<SeenGroupRow[]> {
  const rows = await db
    .selectFrom("finding_sources as s")
    .innerJoin("findings as f", "f.id", "s.finding_id")
    .select((eb) => [
      "f.rule_catalog_id",
      "f.rule_native_id",
      "s.format",
      "s.tool",
      eb.fn.count<number>("s.finding_id").distinct().as("n"),
      sql<number>`count(distinct case when not exists (
        select 1 from finding_sources p where p.finding_id = s.finding_id
          and (p.format < s.format or (p.format = s.format and p.tool < s.tool))
      ) then s.finding_id end)`.as("firsts"),
    ])
    // All of time (the /metrics counters): every finding, without scanning the trail for ids.
    .$if(!allTime(scope), (qb) => qb.where("s.finding_id", "in", activeFindings(db, scope)))
    .$if(scope.org !== undefined, (qb) => qb.where("f.org", "=", scope.org as string))
    .groupBy(["f.rule_catalog_id", "f.rule_native_id", "s.format", "s.tool"])
    .execute();
  return rows.map((r) => ({
    ruleCatalogId: r.rule_catalog_id,
    ruleNativeId: r.rule_native_id,
    format: r.format,
    tool: r.tool,
    findings: Number(r.n),
    firsts: Number(r.firsts),
  }));
}

/** The sources (format and tool, each once) of the given findings, in finding order. */
export async function sourcesOfFindings(
  db: Db,
  ids: readonly string[],
): Promise<Array<{ findingId: string; format: string; tool: string }>> {
  const out: Array<{ findingId: string; format: string; tool: string }> = [];
  for (const chunk of chunks(ids)) {
    const rows = await db
      .selectFrom("finding_sources")
      .select(["finding_id", "format", "tool"])
      .distinct()
      .where("finding_id", "in", chunk)
      .execute();
    for (const r of rows) out.push({ findingId: r.finding_id, format: r.format, tool: r.tool });
  }
  return out;
}
