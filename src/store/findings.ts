// The findings table. Reads for everyone; the writes that set a state (`writeFindingState`,
// `insertFindings`) are called from src/lifecycle only (test/architecture/lifecycle-seam.test.ts),
// the other writes (last seen, SLA and verification marks) from the code that owns those facts.

import type { Finding } from "../findings/model.ts";
import type { FindingState } from "../lifecycle/machine.ts";
import { STATE_GROUPS, type StateGroup } from "../lifecycle/states.ts";
import type { Confidence } from "../triage/confidence.ts";
import type { GateDecision } from "../triage/gate.ts";
import type { Risk } from "../triage/risk.ts";
import { chunks, insertRows } from "./chunks.ts";
import type { FindingRow, NewFindingRow, SourceRow } from "./schema.ts";
import type { Db } from "./store.ts";

export interface StoredFinding {
  /** One finding per resource and control in its organization (and repository, for a repository
   *  scan), whichever sources reported it (src/triage/dedupe.ts). */
  id: string;
  state: FindingState;
  version: number;
  rule: { nativeId: string; catalogId: string | null };
  title: string;
  severity: string;
  risk: Risk;
  confidence: Confidence;
  gate: GateDecision;
  actionable: boolean;
  resource: Finding["resource"];
  context: Finding["context"];
  ownerTeam: string | null;
  firstSeen: string;
  lastSeen: string;
  slaDue: string;
  slaBreachedAt: string | null;
  verificationDeadline: string | null;
  verificationOverdueAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** The GitHub organization it was posted for (the app), or null (the CLI). */
  org: string | null;
  installationId: number | null;
  /** `owner/name` of the repository whose scan reported it (repository scans only), else null. */
  repository: string | null;
}

export interface FindingSource {
  tool: string;
  format: string;
  sourceFindingId: string;
  status: string;
  firstSeen: string;
  lastSeen: string;
  raw: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function findingFromRow(r: FindingRow): StoredFinding {
  return {
    id: r.id,
    state: r.state as FindingState,
    version: r.version,
    rule: { nativeId: r.rule_native_id, catalogId: r.rule_catalog_id },
    title: r.title,
    severity: r.severity,
    risk: JSON.parse(r.risk) as Risk,
    confidence: JSON.parse(r.confidence) as Confidence,
    gate: JSON.parse(r.gate) as GateDecision,
    actionable: r.actionable === 1,
    resource: JSON.parse(r.resource) as Finding["resource"],
    context: JSON.parse(r.context) as Finding["context"],
    ownerTeam: r.owner_team,
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    slaDue: iso(r.sla_due),
    slaBreachedAt: isoOrNull(r.sla_breached_at),
    verificationDeadline: isoOrNull(r.verification_deadline),
    verificationOverdueAt: isoOrNull(r.verification_overdue_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    org: r.org,
    installationId: r.installation_id,
    repository: r.repository,
  };
}

export function sourceFromRow(r: SourceRow): FindingSource {
  return {
    tool: r.tool,
    format: r.format,
    sourceFindingId: r.source_finding_id,
    status: r.status,
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    raw: JSON.parse(r.raw),
  };
}

export async function getFinding(db: Db, id: string): Promise<StoredFinding | undefined> {
  const row = await db.selectFrom("findings").selectAll().where("id", "=", id).executeTakeFirst();
  return row && findingFromRow(row);
}

export class FindingNotFoundError extends Error {
  readonly code = "FINDING_NOT_FOUND";
  constructor(
    readonly query: string,
    readonly candidates: string[] = [],
  ) {
    super(
      candidates.length > 1
        ? `finding id "${query}" is ambiguous: it starts ${candidates.length} findings (${candidates.slice(0, 5).join(", ")}${candidates.length > 5 ? ", …" : ""}); give more characters`
        : `no finding with id "${query}"`,
    );
    this.name = "FindingNotFoundError";
  }
}

/** The full id for an id or a unique prefix of one (as git does for commits). */
export async function resolveFindingId(db: Db, query: string): Promise<string> {
  if (!/^[0-9a-f]{4,}$/i.test(query)) throw new FindingNotFoundError(query);
  const q = query.toLowerCase();
  const rows = await db
    .selectFrom("findings")
    .select("id")
    // q is hex only (checked above), so it carries no LIKE wildcard; LIKE, unlike a range on
    // text, means the same under every PostgreSQL collation.
    .where("id", "like", `${q}%`)
    .orderBy("id")
    .limit(6)
    .execute();
  const ids = rows.map((r) => r.id);
  if (ids.length !== 1) throw new FindingNotFoundError(query, ids);
  return ids[0] as string;
}

export interface FindingQuery {
  state?: FindingState | undefined;
  limit?: number | undefined;
  /** Only open findings past their SLA: the breach recorded by the sweep, or the due date before
   *  this time (epoch ms; the CLI's store has no sweep). */
  breachedAt?: number | undefined;
}

/** Highest risk first, then the oldest detection. */
export async function listFindings(db: Db, query: FindingQuery = {}): Promise<StoredFinding[]> {
  let q = db.selectFrom("findings").selectAll();
  if (query.state) q = q.where("state", "=", query.state);
  const now = query.breachedAt;
  if (now !== undefined)
    q = q
      .where("state", "in", STATE_GROUPS.slaRunning)
      .where((eb) => eb.or([eb("sla_breached_at", "is not", null), eb("sla_due", "<", now)]));
  q = q.orderBy("risk_score", "desc").orderBy("first_seen").orderBy("id");
  if (query.limit) q = q.limit(query.limit);
  return (await q.execute()).map(findingFromRow);
}

export async function findingSources(db: Db, id: string): Promise<FindingSource[]> {
  const rows = await db
    .selectFrom("finding_sources")
    .selectAll()
    .where("finding_id", "=", id)
    .orderBy("first_seen")
    .orderBy("tool")
    .execute();
  return rows.map(sourceFromRow);
}

/** How many findings are in each state (for summaries and metrics). */
export async function countByState(db: Db): Promise<Map<FindingState, number>> {
  const rows = await db
    .selectFrom("findings")
    .select(["state", db.fn.countAll<number>().as("n")])
    .groupBy("state")
    .execute();
  return new Map(rows.map((r) => [r.state as FindingState, Number(r.n)]));
}

// ---- State: written only by src/lifecycle (test/architecture/lifecycle-seam.test.ts). ----

/** What a lifecycle command reads about a finding before it decides. */
export async function findingSnapshot(
  db: Db,
  id: string,
): Promise<
  | {
      id: string;
      state: FindingState;
      version: number;
      riskScore: number;
      gate: GateDecision;
      org: string | null;
    }
  | undefined
> {
  const row = await db
    .selectFrom("findings")
    .select(["state", "version", "risk_score", "gate", "org"])
    .where("id", "=", id)
    .executeTakeFirst();
  return (
    row && {
      id,
      state: row.state as FindingState,
      version: row.version,
      riskScore: row.risk_score,
      gate: JSON.parse(row.gate) as GateDecision,
      org: row.org,
    }
  );
}

export async function findingState(db: Db, id: string): Promise<FindingState | undefined> {
  const row = await db.selectFrom("findings").select("state").where("id", "=", id).executeTakeFirst();
  return row?.state as FindingState | undefined;
}

export interface StateWrite {
  id: string;
  /** The version read: the write is refused if the finding moved since. */
  version: number;
  to: FindingState;
  /** How many transitions the write records (the version moves by as many). */
  steps: number;
}

/** Moves a finding's state if nobody moved it first; false when it lost the race. Lifecycle only. */
export async function writeFindingState(tx: Db, w: StateWrite, now: number): Promise<boolean> {
  const moved = await tx
    .updateTable("findings")
    .set({ state: w.to, version: w.version + w.steps, updated_at: now })
    .where("id", "=", w.id)
    .where("version", "=", w.version)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1;
}

/** Inserts newly admitted findings (their state included). Lifecycle only. */
export async function insertFindings(tx: Db, rows: readonly NewFindingRow[]): Promise<void> {
  await insertRows(tx, "findings", rows);
}

// ---- Ingest: identities, last seen. ----

export interface IdentityRow {
  id: string;
  state: string;
  dedupe_key: string;
  repository: string | null;
}

/** The stored findings with these dedupe keys in an organization (null: the CLI's), by id. */
export async function findingsByDedupeKey(
  db: Db,
  keys: readonly string[],
  org: string | null,
): Promise<IdentityRow[]> {
  const out: IdentityRow[] = [];
  for (const part of chunks([...keys]))
    out.push(
      ...(await db
        .selectFrom("findings")
        .select(["id", "state", "dedupe_key", "repository"])
        .where("dedupe_key", "in", part)
        .where((eb) => (org === null ? eb("org", "is", null) : eb("org", "=", org)))
        .orderBy("id")
        .execute()),
    );
  return out;
}

/** Which of these ids are taken. */
export async function existingFindingIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (const part of chunks([...ids]))
    for (const r of await db.selectFrom("findings").select("id").where("id", "in", part).execute())
      taken.add(r.id);
  return taken;
}

/** A repository claims a finding stored before identities were scoped (it had none). */
export async function claimFindingRepository(
  tx: Db,
  id: string,
  repository: string,
  now: number,
): Promise<void> {
  await tx
    .updateTable("findings")
    .set({ repository, updated_at: now })
    .where("id", "=", id)
    .where("repository", "is", null)
    .execute();
}

/** Findings of one scan share their last-seen time, so this is one UPDATE per scan time. */
export async function markLastSeen(tx: Db, ids: readonly string[], seen: number, now: number): Promise<void> {
  for (const part of chunks([...ids]))
    await tx
      .updateTable("findings")
      .set({ last_seen: seen, updated_at: now })
      .where("id", "in", part)
      .where("last_seen", "<", seen)
      .execute();
}

/** Findings being verified that a complete scan of `tool` could have reported (with a source row of
 *  that tool), in an organization (null: the CLI's). */
export async function verifyingFindingsOfTool(db: Db, tool: string, org: string | null) {
  return db
    .selectFrom("findings as f")
    .innerJoin("finding_sources as s", "s.finding_id", "f.id")
    .select(["f.id", "f.resource", "f.rule_native_id", "f.rule_catalog_id", "s.source_finding_id"])
    .where("s.tool", "=", tool)
    .where("f.state", "in", STATE_GROUPS.verifying)
    .where((eb) => (org === null ? eb("f.org", "is", null) : eb("f.org", "=", org)))
    .orderBy("f.id")
    .orderBy("s.source_finding_id")
    .execute();
}

// ---- Sweeps and verification windows. ----

/** Marks findings being verified past their verification deadline (once per window). */
export async function markVerificationsOverdue(db: Db, now: number): Promise<number> {
  const r = await db
    .updateTable("findings")
    .set({ verification_overdue_at: now, updated_at: now })
    .where("state", "in", STATE_GROUPS.verifying)
    .where("verification_deadline", "<", now)
    .where("verification_overdue_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The ids of the findings in a state group. */
export async function findingIdsIn(db: Db, group: StateGroup): Promise<string[]> {
  const rows = await db
    .selectFrom("findings")
    .select("id")
    .where("state", "in", STATE_GROUPS[group])
    .execute();
  return rows.map((r) => r.id);
}

/** Findings being verified and flagged overdue, the longest overdue first. */
export async function overdueVerifications(db: Db): Promise<FindingRow[]> {
  return db
    .selectFrom("findings")
    .selectAll()
    .where("state", "in", STATE_GROUPS.verifying)
    .where("verification_overdue_at", "is not", null)
    .orderBy("verification_overdue_at")
    .execute();
}

/** A new verification window per merge: a reopened finding merged again starts over. */
export async function startVerificationWindow(tx: Db, id: string, deadline: number): Promise<void> {
  await tx
    .updateTable("findings")
    .set({ verification_deadline: deadline, verification_overdue_at: null })
    .where("id", "=", id)
    .execute();
}

// ---- The HTTP API's list. ----

export interface FindingPageQuery {
  state?: FindingState | undefined;
  org?: string | undefined;
  /** After this (risk score, first seen, id), in the list's order. */
  after?: [riskScore: number, firstSeen: number, id: string] | undefined;
  limit: number;
  /** As in FindingQuery: only open findings past their SLA at this time. */
  breachedAt?: number | undefined;
}

/** Highest risk first, then the oldest detection, then the id: the CLI's order, and a total one. */
export async function findingRowsPage(db: Db, query: FindingPageQuery): Promise<FindingRow[]> {
  let q = db.selectFrom("findings").selectAll();
  if (query.state) q = q.where("state", "=", query.state);
  if (query.org) q = q.where("org", "=", query.org);
  const now = query.breachedAt;
  if (now !== undefined)
    q = q
      .where("state", "in", STATE_GROUPS.slaRunning)
      .where((eb) => eb.or([eb("sla_breached_at", "is not", null), eb("sla_due", "<", now)]));
  if (query.after) {
    const [score, firstSeen, id] = query.after;
    q = q.where((eb) =>
      eb.or([
        eb("risk_score", "<", score),
        eb.and([eb("risk_score", "=", score), eb("first_seen", ">", firstSeen)]),
        eb.and([eb("risk_score", "=", score), eb("first_seen", "=", firstSeen), eb("id", ">", id)]),
      ]),
    );
  }
  return q.orderBy("risk_score", "desc").orderBy("first_seen").orderBy("id").limit(query.limit).execute();
}

export async function findingRow(db: Db, id: string): Promise<FindingRow | undefined> {
  return db.selectFrom("findings").selectAll().where("id", "=", id).executeTakeFirst();
}

// ---- Metrics and evidence. ----

/** Findings per rule in the closed states that count as closed work (resolved, excepted). */
export async function closedCountsByRule(db: Db) {
  return db
    .selectFrom("findings")
    .select(["rule_catalog_id", "rule_native_id", "state", db.fn.countAll<number>().as("n")])
    .where("state", "in", ["resolved", "excepted"])
    .groupBy(["rule_catalog_id", "rule_native_id", "state"])
    .execute();
}

/** Open findings past their SLA due date, per risk tier. */
export async function slaOverdueByTier(db: Db, now: number) {
  return db
    .selectFrom("findings")
    .select(["risk_tier", db.fn.countAll<number>().as("n")])
    .where("state", "in", STATE_GROUPS.slaRunning)
    .where("sla_due", "<", now)
    .groupBy("risk_tier")
    .execute();
}

/** Findings whose SLA breach was recorded, per risk tier. */
export async function slaBreachesByTier(db: Db) {
  return db
    .selectFrom("findings")
    .select(["risk_tier", db.fn.countAll<number>().as("n")])
    .where("sla_breached_at", "is not", null)
    .groupBy("risk_tier")
    .execute();
}

/** A person re-routed the finding (`/fixloop assign`): its owner, and the owner of its remediations. */
export async function routeFinding(tx: Db, id: string, team: string, now: number): Promise<void> {
  await tx.updateTable("findings").set({ owner_team: team, updated_at: now }).where("id", "=", id).execute();
  await tx.updateTable("remediations").set({ owner_team: team }).where("finding_id", "=", id).execute();
}

/** An exception ended at `from`: the finding's SLA starts again there, as long as its tier's
 *  (the span it was triaged with, first seen → due) — a new due date, no breach yet. */
export async function restartSla(tx: Db, findingId: string, from: number): Promise<void> {
  await tx
    .updateTable("findings")
    .set((eb) => ({
      sla_due: eb(eb.val(from), "+", eb("sla_due", "-", eb.ref("first_seen"))),
      sla_breached_at: null,
    }))
    .where("id", "=", findingId)
    .execute();
}
