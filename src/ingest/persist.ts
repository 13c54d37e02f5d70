// Persisting triaged findings: new ones are admitted (their audit trail and their first job
// written in the same transaction), known ones are refreshed (last seen, source status), and a
// source's pass or fail for a finding fixloop is working on is kept as runtime re-scan evidence.
// One transaction per call: either the whole document is stored or nothing is.

import {
  recheckJob,
  regressionJob,
  remediateJob,
  sourceResolvedJob,
  VERIFY_JOB,
  verifyJobKey,
} from "../jobs/kinds.ts";
import { admissionPath, OPEN_STATES, reingestTransition } from "../lifecycle/admission.ts";
import { changeStateIn } from "../lifecycle/change-state.ts";
import type { AuditEvent, FindingState, Links } from "../lifecycle/machine.ts";
import { appendAuditEvents, auditTrail } from "../store/audit.ts";
import { chunks, insertChunked } from "../store/chunks.ts";
import { enqueueJobs, type NewJob, wakeJobs } from "../store/jobs.ts";
import type { NewFindingRow } from "../store/schema.ts";
import type { Db, Store } from "../store/store.ts";
import { type NewVerification, recordVerifications } from "../store/verifications.ts";
import { type FindingScope, findingScope, newFindingId, scopedFindingId } from "../triage/dedupe.ts";
import { absenceEvidence, type CompleteScan, type ScanCandidate } from "./complete-scan.ts";
import type { TriagedFinding } from "./triage-finding.ts";

export type PersistOutcome =
  /** First time seen: admitted with its audit trail. */
  | "created"
  /** Already known: last seen and source status refreshed. */
  | "updated"
  /** Not stored: a passing check for something never seen failing is not a finding. */
  | "skipped";

export interface PersistResult {
  id: string;
  /** The state after this ingest; null when skipped. */
  state: FindingState | null;
  outcome: PersistOutcome;
  reason?: string;
}

interface KnownFinding {
  state: FindingState;
}

const ms = (iso: string | undefined, fallback: number) => (iso ? Date.parse(iso) : fallback);

/** The findings row of a newly admitted finding (exported for the benchmark's driver baseline). */
export function findingRow(
  t: TriagedFinding,
  state: FindingState,
  version: number,
  now: number,
  id = t.dedupeKey,
): NewFindingRow {
  const f = t.finding;
  return {
    id,
    dedupe_key: t.dedupeKey,
    repository: null,
    state,
    version,
    rule_native_id: f.rule.nativeId,
    rule_catalog_id: f.rule.catalogId,
    title: f.title,
    severity: f.severity.normalized,
    risk_score: t.risk.score,
    risk_tier: t.risk.tier,
    risk: JSON.stringify(t.risk),
    confidence: JSON.stringify(t.confidence),
    gate: JSON.stringify(t.gate),
    actionable: t.actionable ? 1 : 0,
    resource: JSON.stringify(f.resource),
    context: JSON.stringify(f.context),
    owner_team: f.context.ownerTeam ?? null,
    first_seen: ms(f.firstSeen, now),
    last_seen: ms(f.lastSeen, now),
    sla_due: Date.parse(t.slaDue),
    sla_breached_at: null,
    verification_deadline: null,
    verification_overdue_at: null,
    created_at: now,
    updated_at: now,
  };
}

interface Identities {
  /** The stored id of each triaged finding, in order: a known finding's, or a new scoped one. */
  ids: string[];
  known: Map<string, KnownFinding>;
  /** Findings stored before identities were scoped, claimed now by the repository that reported
   *  them: id → repository. */
  claims: Map<string, string>;
}

/**
 * Which stored finding each record is: the one with its dedupe key in its organization and
 * repository (src/triage/dedupe.ts). A repository scan's record that has none there takes the
 * organization's finding with its key stored before migration 0004 (id = dedupe key, no
 * repository), so findings being fixed at the upgrade carry on instead of starting again.
 */
async function resolveIdentities(
  tx: Db,
  triaged: readonly TriagedFinding[],
  scope: PersistScope,
): Promise<Identities> {
  const org = scope.org ?? null;
  const byKey = new Map<
    string,
    { id: string; state: string; dedupe_key: string; repository: string | null }[]
  >();
  for (const part of chunks([...new Set(triaged.map((t) => t.dedupeKey))])) {
    const rows = await tx
      .selectFrom("findings")
      .select(["id", "state", "dedupe_key", "repository"])
      .where("dedupe_key", "in", part)
      .where((eb) => (org === null ? eb("org", "is", null) : eb("org", "=", org)))
      .orderBy("id")
      .execute();
    for (const r of rows) byKey.set(r.dedupe_key, [...(byKey.get(r.dedupe_key) ?? []), r]);
  }
  const known = new Map<string, KnownFinding>();
  const claims = new Map<string, string>();
  const scopes = triaged.map((t) => findingScope(t.finding, org, scope.repository ?? null));
  const ids = triaged.map((t, i) => {
    const s = scopes[i] as FindingScope;
    const candidates = byKey.get(t.dedupeKey) ?? [];
    let row = candidates.find((r) => r.repository === s.repository);
    if (!row && s.repository !== null) {
      row = candidates.find((r) => r.repository === null && r.id === r.dedupe_key);
      if (row) {
        row.repository = s.repository;
        claims.set(row.id, s.repository);
      }
    }
    if (!row) return newFindingId(t.dedupeKey, s);
    known.set(row.id, { state: row.state as FindingState });
    return row.id;
  });
  // A bare dedupe key (the CLI's unscoped store) may already be another scope's id: a finding of
  // an organization stored before scoping, or one a repository has claimed since.
  const bare = [...new Set(ids.filter((id, i) => !known.has(id) && id === triaged[i]?.dedupeKey))];
  const taken = new Set<string>();
  for (const part of chunks(bare))
    for (const r of await tx.selectFrom("findings").select("id").where("id", "in", part).execute())
      taken.add(r.id);
  const resolved = ids.map((id, i) => (taken.has(id) ? scopedFindingId(id, scopes[i] as FindingScope) : id));
  return { ids: resolved, known, claims };
}

/** The source rows to upsert, one per (finding, tool, source id); a later record in the document wins. */
function sourceRows(triaged: readonly TriagedFinding[], ids: readonly string[], now: number) {
  const rows = new Map<string, ReturnType<typeof sourceRow>>();
  for (const [i, t] of triaged.entries()) {
    const row = sourceRow(t, now, ids[i]);
    rows.set(`${row.finding_id}\n${row.tool}\n${row.source_finding_id}`, row);
  }
  return [...rows.values()];
}

/** The finding_sources row of one source record (exported for the benchmark's driver baseline). */
export function sourceRow(t: TriagedFinding, now: number, id = t.dedupeKey) {
  const f = t.finding;
  const lastSeen = ms(f.lastSeen, now);
  return {
    finding_id: id,
    tool: f.source.tool,
    format: f.source.format,
    source_finding_id: f.source.findingId,
    status: f.status,
    first_seen: ms(f.firstSeen, lastSeen),
    last_seen: lastSeen,
    raw: JSON.stringify(f.raw ?? null),
  };
}

/** Runtime re-scan evidence: the source's own view of a resource fixloop is working on. */
function runtimeEvidence(
  t: TriagedFinding,
  id: string,
  state: FindingState,
  now: number,
): NewVerification | undefined {
  const f = t.finding;
  const passed = f.status === "passed" || f.status === "resolved";
  const failedAfterMerge = f.status === "failed" && (state === "merged" || state === "verifying");
  if (!(passed && OPEN_STATES.has(state)) && !failedAfterMerge) return undefined;
  return {
    findingId: id,
    kind: "runtime",
    result: passed ? "passed" : "failed",
    checkedBy: f.source.tool,
    observedAt: ms(f.lastSeen, now),
    detail: `${f.source.tool} reports ${f.rule.nativeId} ${f.status} for ${f.resource.arn ?? f.resource.id ?? f.resource.name ?? f.resource.terraformAddress ?? "the resource"} (${f.source.findingId})`,
    links: {},
  };
}

/** Where the findings came from: the organization they were posted for (the GitHub App), or none (the CLI). */
export interface PersistScope {
  org?: string;
  installationId?: number;
  /** `owner/name` of the repository the document scanned; it scopes the identity of findings from
   *  repository scans (src/triage/dedupe.ts) and is ignored for cloud findings. */
  repository?: string;
  /** The sender says the document is one tool's complete scan (./complete-scan.ts). */
  completeScan?: CompleteScan;
}

export interface PersistedDocument {
  /** One per triaged finding, in order. */
  results: PersistResult[];
  /** Findings being verified that the complete scan covered and did not report: each got a
   *  passing runtime re-scan. */
  absent: string[];
}

export async function persistFindings(
  store: Store,
  triaged: readonly TriagedFinding[],
  scope: PersistScope = {},
): Promise<PersistResult[]> {
  return (await persistDocument(store, triaged, scope)).results;
}

export async function persistDocument(
  store: Store,
  triaged: readonly TriagedFinding[],
  scope: PersistScope = {},
): Promise<PersistedDocument> {
  const now = store.now();
  return store.transaction((tx) => persistIn(tx, triaged, now, scope));
}

async function persistIn(
  tx: Db,
  triaged: readonly TriagedFinding[],
  now: number,
  scope: PersistScope,
): Promise<PersistedDocument> {
  const { ids: idOf, known, claims } = await resolveIdentities(tx, triaged, scope);
  const ids = [...new Set(idOf)];

  const newRows: NewFindingRow[] = [];
  const events: AuditEvent[] = [];
  const jobs: NewJob[] = [];
  const evidence: NewVerification[] = [];
  const stored: TriagedFinding[] = [];
  const storedIds: string[] = [];
  const results: PersistResult[] = [];
  // Several records of one document can share a dedupe key (two sources, or one source twice):
  // the first failing one admits the finding, the others are its sources.
  const admitted = new Map<string, FindingState>();
  const lastSeenByValue = new Map<number, string[]>();

  for (const [i, t] of triaged.entries()) {
    const id = idOf[i] as string;
    const prior =
      known.get(id) ?? (admitted.has(id) ? { state: admitted.get(id) as FindingState } : undefined);
    if (!prior) {
      if (t.finding.status === "passed" || t.finding.status === "resolved") {
        results.push({
          id,
          state: null,
          outcome: "skipped",
          reason: `the source reports it ${t.finding.status} and it was never seen failing`,
        });
        continue;
      }
      const path = admissionPath(t, new Date(now), id);
      const state = path[path.length - 1]?.to as FindingState;
      newRows.push({
        ...findingRow(t, state, path.length, now, id),
        org: scope.org ?? null,
        installation_id: scope.installationId ?? null,
        repository: findingScope(t.finding, scope.org ?? null, scope.repository ?? null).repository,
      });
      events.push(...path);
      // A gated fix gets the same job: it locates and patches, then opens the tracking issue that
      // shows the proposed change and waits for `/fixloop approve` instead of a PR.
      if (state === "fixing" || state === "awaiting_approval") jobs.push(remediateJob(id, t.risk.score));
      admitted.set(id, state);
      stored.push(t);
      storedIds.push(id);
      results.push({ id, state, outcome: "created" });
      continue;
    }
    stored.push(t);
    storedIds.push(id);
    let state = prior.state;
    // The state this record found: a pass that resolves a finding is still its re-scan evidence.
    const found = state;
    if (known.has(id)) {
      let change: (ReturnType<typeof reingestTransition> & { links?: Links }) | undefined =
        reingestTransition(state, t);
      if (change?.to === "reopened" && state === "resolved") {
        // A regression links back to the resolution it undoes (its PR, commit and check run).
        const resolved = (await auditTrail(tx, id)).findLast((e) => e.to === "resolved");
        if (resolved)
          change = {
            ...change,
            links: resolved.links,
            reason: `${change.reason}; resolved on ${resolved.at}`,
          };
      }
      if (change) {
        await changeStateIn(tx, { findingId: id, ...change }, now);
        // The fix's PR is told and the fix computed again (src/verify/regression.ts).
        if (change.to === "reopened" && state === "resolved") jobs.push(regressionJob(id, t.risk.score));
        // Its tracking issue is closed with the source's word (src/remediate/source-resolved.ts).
        if (change.to === "resolved") jobs.push(sourceResolvedJob(id));
        state = change.to;
        known.set(id, { state });
      }
      // Its PR was closed without merge: no new PR unless the fix it would get has changed since
      // (the Terraform moved on, or the finding did). A recheck job compares, later and at most
      // once per window (src/remediate/remediate-job.ts).
      if (state === "closed_unmerged" && t.finding.status === "failed") jobs.push(recheckJob(id, now));
      const seen = ms(t.finding.lastSeen, now);
      // Appended in place: copying the list per finding made a re-ingest quadratic (5,000 known
      // findings: 40 ms; 50,000: 24 s).
      const sameTime = lastSeenByValue.get(seen);
      if (sameTime) sameTime.push(id);
      else lastSeenByValue.set(seen, [id]);
    }
    const proof = runtimeEvidence(t, id, found, now);
    if (proof) evidence.push(proof);
    results.push({ id, state, outcome: known.has(id) ? "updated" : "created" });
  }
  const absent = scope.completeScan
    ? absenceEvidence(
        scope.completeScan,
        await scanCandidates(tx, scope.completeScan, scope.org ?? null),
        new Set(ids),
        now,
      )
    : [];
  evidence.push(...absent);

  await insertChunked(newRows, (rows) => tx.insertInto("findings").values(rows).execute());
  await appendAuditEvents(tx, events);
  for (const [id, repository] of claims)
    await tx
      .updateTable("findings")
      .set({ repository, updated_at: now })
      .where("id", "=", id)
      .where("repository", "is", null)
      .execute();
  await upsertSources(tx, sourceRows(stored, storedIds, now));
  // Findings of one scan share their last-seen time, so this is one UPDATE per scan time.
  for (const [seen, seenIds] of lastSeenByValue)
    for (const part of chunks(seenIds))
      await tx
        .updateTable("findings")
        .set({ last_seen: seen, updated_at: now })
        .where("id", "in", part)
        .where("last_seen", "<", seen)
        .execute();
  await recordVerifications(tx, evidence);
  await enqueueJobs(tx, jobs, now);
  // A re-scan result is what a waiting verification needs: wake it rather than let it sleep.
  if (evidence.length > 0)
    await wakeJobs(
      tx,
      VERIFY_JOB,
      now,
      evidence.map((e) => verifyJobKey(e.findingId)),
    );
  return { results, absent: absent.map((e) => e.findingId) };
}

/** Findings a complete scan of `scan.tool` could have reported and whose verification waits for a
 *  re-scan: merged or verifying, of the same organization (none for the CLI), with a source row of
 *  that tool. Few at any time, so account and rule are matched in ./complete-scan.ts. */
async function scanCandidates(tx: Db, scan: CompleteScan, org: string | null): Promise<ScanCandidate[]> {
  const rows = await tx
    .selectFrom("findings as f")
    .innerJoin("finding_sources as s", "s.finding_id", "f.id")
    .select(["f.id", "f.resource", "f.rule_native_id", "f.rule_catalog_id", "s.source_finding_id"])
    .where("s.tool", "=", scan.tool)
    .where("f.state", "in", ["merged", "verifying"])
    .where((eb) => (org === null ? eb("f.org", "is", null) : eb("f.org", "=", org)))
    .orderBy("f.id")
    .orderBy("s.source_finding_id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    account: (JSON.parse(r.resource) as { account?: string }).account,
    ruleNativeId: r.rule_native_id,
    ruleCatalogId: r.rule_catalog_id,
    sourceFindingId: r.source_finding_id,
  }));
}

async function upsertSources(tx: Db, rows: ReturnType<typeof sourceRow>[]): Promise<void> {
  await insertChunked(rows, (part) =>
    tx
      .insertInto("finding_sources")
      .values(part)
      .onConflict((oc) =>
        oc.columns(["finding_id", "tool", "source_finding_id"]).doUpdateSet((eb) => ({
          status: eb.ref("excluded.status"),
          last_seen: eb.ref("excluded.last_seen"),
          raw: eb.ref("excluded.raw"),
        })),
      )
      .execute(),
  );
}
