// Persisting triaged findings: new ones are admitted (their audit trail and their first job
// written in the same transaction), known ones are refreshed (last seen, source status), and a
// source's pass or fail for a finding fixloop is working on is kept as runtime re-scan evidence.
// One transaction per call: either the whole document is stored or nothing is.

import { recheckJob, VERIFY_JOB, verifyJobKey } from "../jobs/kinds.ts";
import {
  reingestCommand,
  reingestTransition,
  suppressionOnArrival,
  suppressionRuleId,
} from "../lifecycle/admission.ts";
import { type Admission, admissions, applyAdmissions, applyTransitions } from "../lifecycle/apply.ts";
import type { Command, CommandResult } from "../lifecycle/command.ts";
import type { AuditEvent, FindingState, Links } from "../lifecycle/machine.ts";
import { OPEN_STATES, VERIFYING_STATES } from "../lifecycle/states.ts";
import { auditTrail } from "../store/audit.ts";
import { upsertSources } from "../store/finding-sources.ts";
import {
  claimFindingRepository,
  existingFindingIds,
  findingsByDedupeKey,
  type IdentityRow,
  markLastSeen,
  verifyingFindingsOfTool,
} from "../store/findings.ts";
import { enqueueJobs, type NewJob, wakeJobs } from "../store/jobs.ts";
import type { NewFindingRow } from "../store/schema.ts";
import type { Db, Store } from "../store/store.ts";
import { activeSuppressionScopes, type SuppressionDecision } from "../store/suppression-scopes.ts";
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

export interface KnownFinding {
  state: FindingState;
}

const ms = (iso: string | undefined, fallback: number) => (iso ? Date.parse(iso) : fallback);

/** The findings row of a newly admitted finding (exported for the benchmark's driver baseline). */
export function findingRow(
  t: TriagedFinding,
  state: FindingState,
  version: number,
  now: number,
): NewFindingRow {
  return { ...admittedRow(t, now, t.dedupeKey), state, version };
}

/** A new finding's row without its state: the lifecycle's admission sets that (src/lifecycle/apply.ts). */
function admittedRow(t: TriagedFinding, now: number, id: string): Admission["row"] {
  const f = t.finding;
  return {
    id,
    dedupe_key: t.dedupeKey,
    repository: null,
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

export interface Identities {
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
  const byKey = new Map<string, IdentityRow[]>();
  for (const r of await findingsByDedupeKey(tx, [...new Set(triaged.map((t) => t.dedupeKey))], org))
    byKey.set(r.dedupe_key, [...(byKey.get(r.dedupe_key) ?? []), r]);
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
  const taken = await existingFindingIds(tx, bare);
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
  const failedAfterMerge = f.status === "failed" && VERIFYING_STATES.has(state);
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
  const identities = await resolveIdentities(tx, triaged, scope);
  const resolutions = await lastResolutions(tx, triaged, identities);
  const suppressions = scope.org
    ? await activeSuppressionScopes(
        tx,
        scope.org,
        triaged.map((t) => suppressionRuleId(t.finding.rule)),
      )
    : [];
  const plan = planIngest({ triaged, identities, resolutions, scope, now, suppressions });
  const jobs = await applyPlan(tx, plan, now);
  const absent = scope.completeScan
    ? absenceEvidence(
        scope.completeScan,
        await scanCandidates(tx, scope.completeScan, scope.org ?? null),
        new Set(identities.ids),
        now,
      )
    : [];
  const evidence = [...plan.evidence, ...absent];
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
  return { results: plan.results, absent: absent.map((e) => e.findingId) };
}

/** The resolution a regression would undo, for each known resolved finding reported failing: the
 *  reopening links back to it (its PR, commit and check run). */
async function lastResolutions(
  tx: Db,
  triaged: readonly TriagedFinding[],
  identities: Identities,
): Promise<Map<string, AuditEvent>> {
  const out = new Map<string, AuditEvent>();
  for (const [i, t] of triaged.entries()) {
    const id = identities.ids[i] as string;
    if (t.finding.status !== "failed" || identities.known.get(id)?.state !== "resolved" || out.has(id))
      continue;
    const resolved = (await auditTrail(tx, id)).findLast((e) => e.to === "resolved");
    if (resolved) out.set(id, resolved);
  }
  return out;
}

export interface IngestFacts {
  triaged: readonly TriagedFinding[];
  identities: Identities;
  resolutions: ReadonlyMap<string, AuditEvent>;
  scope: PersistScope;
  now: number;
  /** Confirmed false positives of the document's rules (src/store/suppression-scopes.ts). */
  suppressions?: readonly SuppressionDecision[];
}

/** A job to queue, or the jobs of the re-ingest change at this index (known when it is applied). */
type PlannedJob = NewJob | { change: number };

export interface IngestPlan {
  admitted: Array<{ row: NewFindingRow; result: CommandResult }>;
  /** The lifecycle commands for known findings, in document order. */
  changes: Array<{ id: string; command: Command }>;
  /** Every job, in document order. */
  jobs: PlannedJob[];
  claims: ReadonlyMap<string, string>;
  sources: ReturnType<typeof sourceRows>;
  /** Known findings by their new last-seen time. */
  lastSeen: Map<number, string[]>;
  evidence: NewVerification[];
  results: PersistResult[];
}

/** What storing a document means, decided without I/O: admissions, lifecycle commands, jobs,
 *  source rows, last-seen times and runtime re-scan evidence. */
export function planIngest(facts: IngestFacts): IngestPlan {
  const { triaged, identities, now } = facts;
  const plan: IngestPlan = {
    admitted: [],
    changes: [],
    jobs: [],
    claims: identities.claims,
    sources: [],
    lastSeen: new Map(),
    evidence: [],
    results: [],
  };
  const states = new Map([...identities.known].map(([id, k]) => [id, k.state]));
  const admittedIds = new Set<string>();
  const stored: TriagedFinding[] = [];
  const storedIds: string[] = [];
  for (const [i, t] of triaged.entries()) {
    const id = identities.ids[i] as string;
    const known = identities.known.has(id);
    if (!known && !admittedIds.has(id)) {
      const result = planAdmission(plan, { t, id, facts });
      plan.results.push(result);
      if (result.outcome === "skipped") continue;
      admittedIds.add(id);
    } else {
      // Several records of one document can share a dedupe key (two sources, or one source
      // twice): the first failing one admits the finding, the others are its sources.
      const found = states.get(id) as FindingState;
      const state = known ? planReingest(plan, { t, id, facts }, found) : found;
      states.set(id, state);
      const proof = runtimeEvidence(t, id, found, now);
      if (proof) plan.evidence.push(proof);
      plan.results.push({ id, state, outcome: known ? "updated" : "created" });
    }
    stored.push(t);
    storedIds.push(id);
    if (!known) states.set(id, plan.results.at(-1)?.state as FindingState);
  }
  plan.sources = sourceRows(stored, storedIds, now);
  return plan;
}

interface IngestRecord {
  t: TriagedFinding;
  id: string;
  facts: IngestFacts;
}

/** A record of a finding never stored: admitted, or skipped when it was never seen failing. */
function planAdmission(plan: IngestPlan, { t, id, facts }: IngestRecord): PersistResult {
  if (t.finding.status === "passed" || t.finding.status === "resolved")
    return {
      id,
      state: null,
      outcome: "skipped",
      reason: `the source reports it ${t.finding.status} and it was never seen failing`,
    };
  const { scope, now } = facts;
  // Set on the new row rather than spread into a copy: a copy of a 27-column row per finding was
  // a tenth of the admission plan's time (docs/benchmarks.md).
  const row: Admission["row"] = admittedRow(t, now, id);
  row.org = scope.org ?? null;
  row.installation_id = scope.installationId ?? null;
  row.repository = findingScope(t.finding, scope.org ?? null, scope.repository ?? null).repository;
  const where = { org: scope.org ?? null, repository: scope.repository ?? null };
  const suppression = suppressionOnArrival(t, where, facts.suppressions ?? []);
  const [admitted] = admissions([{ triaged: t, row, ...(suppression ? { suppression } : {}) }], now) as [
    IngestPlan["admitted"][number],
  ];
  plan.admitted.push(admitted);
  // A gated fix gets the same job as one to fix: it locates and patches, then opens the tracking
  // issue that shows the proposed change and waits for `/fixloop approve` instead of a PR.
  plan.jobs.push(...admitted.result.jobs);
  return { id, state: admitted.row.state as FindingState, outcome: "created" };
}

/** A record of a known finding: the lifecycle command its source status calls for, a recheck of a
 *  closed PR's finding reported failing, its last-seen time. Returns its state after. */
function planReingest(plan: IngestPlan, { t, id, facts }: IngestRecord, state: FindingState): FindingState {
  let change: (ReturnType<typeof reingestTransition> & { links?: Links }) | undefined = reingestTransition(
    state,
    t,
  );
  const resolved = facts.resolutions.get(id);
  if (change?.to === "reopened" && resolved)
    // A regression links back to the resolution it undoes (its PR, commit and check run).
    change = { ...change, links: resolved.links, reason: `${change.reason}; resolved on ${resolved.at}` };
  let after = state;
  if (change) {
    plan.jobs.push({ change: plan.changes.length });
    plan.changes.push({ id, command: reingestCommand(change, t.risk.score) });
    after = change.to;
  }
  // Its PR was closed without merge: no new PR unless the fix it would get has changed since
  // (the Terraform moved on, or the finding did). A recheck job compares, later and at most
  // once per window (src/remediate/remediate-job.ts).
  if (after === "closed_unmerged" && t.finding.status === "failed") plan.jobs.push(recheckJob(id, facts.now));
  const seen = ms(t.finding.lastSeen, facts.now);
  // Appended in place: copying the list per finding made a re-ingest quadratic (5,000 known
  // findings: 40 ms; 50,000: 24 s).
  const sameTime = plan.lastSeen.get(seen);
  if (sameTime) sameTime.push(id);
  else plan.lastSeen.set(seen, [id]);
  return after;
}

/** Writes the plan (all but the evidence and the jobs); returns the jobs to queue, in order. */
async function applyPlan(tx: Db, plan: IngestPlan, now: number): Promise<NewJob[]> {
  const changeJobs: NewJob[][] = [];
  for (const { id, command } of plan.changes) changeJobs.push(await applyTransitions(tx, id, command, now));
  await applyAdmissions(tx, plan.admitted);
  for (const [id, repository] of plan.claims) await claimFindingRepository(tx, id, repository, now);
  await upsertSources(tx, plan.sources);
  for (const [seen, ids] of plan.lastSeen) await markLastSeen(tx, ids, seen, now);
  return plan.jobs.flatMap((j) => ("change" in j ? (changeJobs[j.change] ?? []) : [j]));
}

/** Findings a complete scan of `scan.tool` could have reported and whose verification waits for a
 *  re-scan: merged or verifying, of the same organization (none for the CLI), with a source row of
 *  that tool. Few at any time, so account and rule are matched in ./complete-scan.ts. */
async function scanCandidates(tx: Db, scan: CompleteScan, org: string | null): Promise<ScanCandidate[]> {
  const rows = await verifyingFindingsOfTool(tx, scan.tool, org);
  return rows.map((r) => ({
    id: r.id,
    account: (JSON.parse(r.resource) as { account?: string }).account,
    ruleNativeId: r.rule_native_id,
    ruleCatalogId: r.rule_catalog_id,
    sourceFindingId: r.source_finding_id,
  }));
}
