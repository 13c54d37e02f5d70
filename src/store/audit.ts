// The audit trail. Only two operations exist on purpose: append and read. The table is also
// append-only in the database (triggers refuse UPDATE and DELETE), so history cannot be rewritten
// by a code path added later or by hand.

import type { Actor, AuditEvent, FindingState, Links } from "../lifecycle/machine.ts";
import { chunks, insertRows } from "./chunks.ts";
import type { AuditEventRow } from "./schema.ts";
import type { Db } from "./store.ts";

export interface StoredAuditEvent extends AuditEvent {
  id: number;
}

/**
 * Appends events, each with its finding's organization (the dashboard counts by it without a
 * join). `orgs` holds it for the findings the caller has at hand (admitted rows, a snapshot just
 * read); any other is read here, in one query.
 */
export async function appendAuditEvents(
  tx: Db,
  events: readonly AuditEvent[],
  orgs: ReadonlyMap<string, string | null> = new Map(),
): Promise<void> {
  const orgOf = await withMissingOrgs(tx, events, orgs);
  const text = jsonTexts();
  await insertRows(
    tx,
    "audit_events",
    events.map((e) => ({
      finding_id: e.findingId,
      from_state: e.from,
      to_state: e.to,
      at: epochMs(e.at),
      actor_kind: e.actor.kind,
      actor: text(e.actor),
      reason: e.reason,
      links: text(e.links),
      org: orgOf.get(e.findingId) ?? null,
    })),
  );
}

// An ingest appends three events per admitted finding, and they share their time, their actors
// (the app's is one object) and their empty links: each text is made once per distinct value
// (the same text JSON.stringify gives), not 15,000 times for 5,000 findings.
let lastAt = "";
let lastMs = Number.NaN;
function epochMs(at: string): number {
  if (at !== lastAt) {
    lastMs = Date.parse(at);
    lastAt = at;
  }
  return lastMs;
}

function isEmptyPlainObject(value: object): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const _ in value) return false;
  return true;
}

/** JSON.stringify, remembered per object for one batch. */
function jsonTexts(): (value: object) => string {
  const seen = new Map<object, string>();
  return (value) => {
    if (isEmptyPlainObject(value)) return "{}";
    let out = seen.get(value);
    if (out === undefined) {
      out = JSON.stringify(value);
      seen.set(value, out);
    }
    return out;
  };
}

async function withMissingOrgs(
  tx: Db,
  events: readonly AuditEvent[],
  known: ReadonlyMap<string, string | null>,
): Promise<ReadonlyMap<string, string | null>> {
  const missing = [...new Set(events.map((e) => e.findingId))].filter((id) => !known.has(id));
  if (missing.length === 0) return known;
  const orgs = new Map(known);
  for (const ids of chunks(missing))
    for (const r of await tx.selectFrom("findings").select(["id", "org"]).where("id", "in", ids).execute())
      orgs.set(r.id, r.org);
  return orgs;
}

export function auditEventFromRow(r: AuditEventRow): StoredAuditEvent {
  return {
    id: r.id,
    findingId: r.finding_id,
    from: r.from_state as FindingState | null,
    to: r.to_state as FindingState,
    at: new Date(r.at).toISOString(),
    actor: JSON.parse(r.actor) as Actor,
    reason: r.reason,
    links: JSON.parse(r.links) as Links,
  };
}

/** A finding's events, oldest first. */
export async function auditTrail(db: Db, findingId: string): Promise<StoredAuditEvent[]> {
  const rows = await db
    .selectFrom("audit_events")
    .selectAll()
    .where("finding_id", "=", findingId)
    .orderBy("id")
    .execute();
  return rows.map(auditEventFromRow);
}

// ---- Reads for metrics and evidence (grouped, so a scrape stays cheap as history grows). ----

/** How many findings entered `new`, `resolved` and `reopened`, per rule. */
export async function transitionCountsByRule(db: Db) {
  return db
    .selectFrom("audit_events as a")
    .innerJoin("findings as f", "f.id", "a.finding_id")
    .select(["f.rule_catalog_id", "f.rule_native_id", "a.to_state", db.fn.countAll<number>().as("n")])
    .where("a.to_state", "in", ["new", "resolved", "reopened"])
    .groupBy(["f.rule_catalog_id", "f.rule_native_id", "a.to_state"])
    .execute();
}

/** The events that suppressed each suppressed finding, oldest first (the last one counts). */
export async function suppressionEvents(db: Db) {
  return db
    .selectFrom("audit_events as a")
    .innerJoin("findings as f", "f.id", "a.finding_id")
    .select(["f.id", "f.rule_catalog_id", "f.rule_native_id", "a.from_state"])
    .where("f.state", "=", "suppressed")
    .where("a.to_state", "=", "suppressed")
    .orderBy("a.id")
    .execute();
}

/** Every resolution and reopening with its finding's first detection, tier and team, oldest first. */
export async function resolutionEpisodes(db: Db) {
  return db
    .selectFrom("audit_events as a")
    .innerJoin("findings as f", "f.id", "a.finding_id")
    .select([
      "a.finding_id",
      "a.from_state",
      "a.to_state",
      "a.at",
      "f.first_seen",
      "f.risk_tier",
      "f.owner_team",
    ])
    .where("a.to_state", "in", ["resolved", "reopened"])
    .orderBy("a.id")
    .execute();
}

/** The ids of findings detected in [since, until) or with an audit event in it. */
export async function findingIdsActiveBetween(db: Db, since: number, until: number): Promise<string[]> {
  const rows = await db
    .selectFrom("audit_events")
    .select("finding_id as id")
    .where("at", ">=", since)
    .where("at", "<", until)
    .union(
      db.selectFrom("findings").select("id").where("first_seen", ">=", since).where("first_seen", "<", until),
    )
    .execute();
  return rows.map((r) => r.id);
}
