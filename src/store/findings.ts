// Reading findings back out of the store. Writes go through src/lifecycle (state changes) and
// src/ingest/persist.ts (admission and re-ingest), never from here.

import type { Finding } from "../findings/model.ts";
import type { FindingState } from "../lifecycle/machine.ts";
import type { Confidence } from "../triage/confidence.ts";
import type { GateDecision } from "../triage/gate.ts";
import type { Risk } from "../triage/risk.ts";
import type { FindingRow, SourceRow } from "./schema.ts";
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

function sourceFromRow(r: SourceRow): FindingSource {
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
}

/** Highest risk first, then the oldest detection. */
export async function listFindings(db: Db, query: FindingQuery = {}): Promise<StoredFinding[]> {
  let q = db.selectFrom("findings").selectAll();
  if (query.state) q = q.where("state", "=", query.state);
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
