// Evidence for a period: one row per finding that had activity in it (detected, changed state,
// resolved), for an auditor's "what was found, who fixed it, how was it verified, how long did it
// take" over a month or a quarter. Each row is derived from the finding's own evidence record, so
// the period export can never disagree with `fixloop evidence <id>`, and it is read as of the end
// of the period: events, checks and fixes after `until` are left out, which makes a report for a
// past period come out the same whenever it is run again.

import type { FindingState } from "../lifecycle/machine.ts";
import { OPEN_STATES } from "../lifecycle/states.ts";
import { registerJson } from "../report/exceptions.ts";
import { findingIdsActiveBetween } from "../store/audit.ts";
import type { RegisterRow } from "../store/exceptions.ts";
import type { Store } from "../store/store.ts";
import type { VerificationKind, VerificationResult } from "../store/verifications.ts";
import { ruleLabel } from "./labels.ts";
import { buildEvidenceRecord, type EvidenceRecord } from "./record.ts";
import { csvField, type EvidenceFormat, mdText } from "./render.ts";

/** A half-open interval [since, until) in epoch milliseconds. */
export interface Period {
  since: number;
  until: number;
}

export type PeriodActivity = "detected" | "state_changed" | "resolved";

export interface PeriodCheck {
  result: VerificationResult;
  checkedBy: string;
  observedAt: string;
}

export interface PeriodRow {
  id: string;
  title: string;
  rule: string;
  tier: string;
  riskScore: number;
  detectedAt: string;
  sources: Array<{ tool: string; sourceFindingId: string }>;
  team: string | null;
  reviewers: string[];
  /** Who made the last `merged` transition up to the end of the period (an actor label). */
  mergedBy: string | null;
  prUrl: string | null;
  commit: string | null;
  mergeCommit: string | null;
  /** The latest check of each kind observed up to the end of the period. */
  verification: Record<VerificationKind, PeriodCheck | null>;
  resolvedAt: string | null;
  /** Detection to resolution, in hours (two decimals); null while not resolved. */
  timeToRemediateHours: number | null;
  slaDue: string;
  slaBreached: boolean;
  /** The finding's state at the end of the period. */
  state: FindingState;
  /** Why the finding is in the period. */
  activity: PeriodActivity[];
}

export class InvalidPeriodError extends Error {
  readonly code = "INVALID_PERIOD";
}

const DAY = 86_400_000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// A time must carry its zone: "2026-11-01T09:00" would be read in the machine's local time, and
// the same command would mean different periods on different machines.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * One bound of a period. A date alone is a whole UTC day: `since` starts at its midnight and
 * `until` includes it (so `--since 2026-10-01 --until 2026-10-31` is all of October); a time with a
 * zone is taken exactly.
 */
export function parsePeriodBound(text: string, bound: "since" | "until"): number {
  const day = DATE_ONLY.exec(text);
  if (day) {
    const ms = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    // Date.UTC rolls 2026-02-30 over to March 2; a date that does not round-trip does not exist.
    if (new Date(ms).toISOString().slice(0, 10) === text) return bound === "until" ? ms + DAY : ms;
  } else if (DATE_TIME.test(text)) {
    const ms = Date.parse(text);
    // The day read back in the time's own zone must be the day written (no 2026-02-30T…).
    if (!Number.isNaN(ms) && Number(text.slice(8, 10)) === new Date(ms + zoneOffset(text)).getUTCDate())
      return ms;
  }
  throw new InvalidPeriodError(
    `--${bound} must be a date (2026-10-01) or a time with a zone (2026-10-01T09:00:00Z), got "${text}"`,
  );
}

/** The offset of a validated ISO time's zone in milliseconds (Z is 0). */
function zoneOffset(text: string): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(text);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
}

/** The period from its two bounds; `until` defaults to `now`. */
export function parsePeriod(input: { since: string; until?: string | undefined }, now: number): Period {
  const since = parsePeriodBound(input.since, "since");
  const until = input.until === undefined ? now : parsePeriodBound(input.until, "until");
  if (until <= since)
    throw new InvalidPeriodError(
      `the period is empty: --until (${new Date(until).toISOString()}) must be after --since (${new Date(since).toISOString()})`,
    );
  return { since, until };
}

const inPeriod = (iso: string, p: Period) => {
  const t = Date.parse(iso);
  return t >= p.since && t < p.until;
};
const before = (iso: string, p: Period) => Date.parse(iso) < p.until;

/** The row of one finding for a period, from its evidence record; null when it had no activity in
 *  the period or fixloop had not recorded it by the end of it. Pure. */
export function periodRow(record: EvidenceRecord, period: Period): PeriodRow | null {
  const events = record.audit.filter((e) => before(e.at, period));
  const last = events[events.length - 1];
  if (!last) return null;
  const activity: PeriodActivity[] = [];
  if (inPeriod(record.detection.detectedAt, period)) activity.push("detected");
  if (events.some((e) => inPeriod(e.at, period))) activity.push("state_changed");
  if (events.some((e) => e.to === "resolved" && inPeriod(e.at, period))) activity.push("resolved");
  if (activity.length === 0) return null;

  const state = last.to;
  const resolvedAt = state === "resolved" ? last.at : null;
  const fix = record.remediations.filter((r) => before(r.createdAt, period)).at(-1);
  const checks = record.verification.checks.filter((c) => before(c.observedAt, period));
  const latest = (kind: VerificationKind): PeriodCheck | null => {
    const c = checks.findLast((x) => x.kind === kind);
    return c ? { result: c.result, checkedBy: c.checkedBy, observedAt: c.observedAt } : null;
  };
  const due = Date.parse(record.sla.due);
  const recordedBreach = record.sla.breachedAt !== null && before(record.sla.breachedAt, period);
  // As of the end of the period: open past the due date, or resolved after it. Accepted or waived
  // findings count only when the SLA sweep recorded a breach while they were open.
  const derivedBreach = OPEN_STATES.has(state)
    ? due < period.until
    : resolvedAt !== null && Date.parse(resolvedAt) > due;
  const detected = Date.parse(record.detection.detectedAt);
  return {
    id: record.finding.id,
    title: record.finding.title,
    rule: ruleLabel(record.finding.rule),
    tier: record.risk.tier,
    riskScore: record.risk.score,
    detectedAt: record.detection.detectedAt,
    sources: record.detection.sources.map((s) => ({ tool: s.tool, sourceFindingId: s.sourceFindingId })),
    team: record.assignment.team,
    reviewers: record.assignment.reviewers,
    mergedBy: events.findLast((e) => e.to === "merged")?.actorLabel ?? null,
    prUrl: fix ? (fix.prUrl ?? (fix.prNumber !== null ? `#${fix.prNumber}` : null)) : null,
    commit: fix?.commitSha ?? null,
    mergeCommit: fix?.mergeCommitSha ?? null,
    verification: { ci: latest("ci"), code: latest("code"), runtime: latest("runtime") },
    resolvedAt,
    timeToRemediateHours:
      resolvedAt === null ? null : Math.round(((Date.parse(resolvedAt) - detected) / 3_600_000) * 100) / 100,
    slaDue: record.sla.due,
    slaBreached: recordedBreach || derivedBreach,
    state,
    activity,
  };
}

/** The ids of findings detected in the period or with an audit event in it. */
async function candidateIds(store: Store, p: Period): Promise<string[]> {
  return findingIdsActiveBetween(store.db, p.since, p.until);
}

/** One row per finding with activity in the period, oldest detection first. */
export async function periodEvidence(store: Store, period: Period): Promise<PeriodRow[]> {
  const rows: PeriodRow[] = [];
  // One finding at a time: a quarter can hold thousands, and each record is several queries.
  for (const id of await candidateIds(store, period)) {
    const row = periodRow(await buildEvidenceRecord(store.db, id), period);
    if (row) rows.push(row);
  }
  return rows.sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.id.localeCompare(b.id));
}

// ---- Rendering ----------------------------------------------------------------------------------

/** The CSV header: one column per PeriodRow field, verification split per kind. */
export const PERIOD_CSV_COLUMNS: readonly string[] = [
  ..."finding_id title state activity rule risk_tier risk_score detected_at source team reviewers".split(" "),
  ..."merged_by pr commit merge_commit".split(" "),
  ...["ci", "code", "runtime"].flatMap((k) => [`${k}_result`, `${k}_checked_by`, `${k}_observed_at`]),
  ..."resolved_at time_to_remediate_hours sla_due sla_breached".split(" "),
];

const KINDS: readonly VerificationKind[] = ["ci", "code", "runtime"];
const sourceText = (r: PeriodRow) => r.sources.map((s) => `${s.tool} ${s.sourceFindingId}`).join("; ");

function csvCells(r: PeriodRow): Array<string | number | null> {
  return [
    r.id,
    r.title,
    r.state,
    r.activity.join(" "),
    r.rule,
    r.tier,
    r.riskScore,
    r.detectedAt,
    sourceText(r),
    r.team,
    r.reviewers.join(" "),
    r.mergedBy,
    r.prUrl,
    r.commit,
    r.mergeCommit,
    ...KINDS.flatMap((k) => [
      r.verification[k]?.result ?? null,
      r.verification[k]?.checkedBy ?? null,
      r.verification[k]?.observedAt ?? null,
    ]),
    r.resolvedAt,
    r.timeToRemediateHours,
    r.slaDue,
    r.slaBreached ? "yes" : "no",
  ];
}

const NONE = "—";

function checkText(c: PeriodCheck | null): string {
  return c ? `${mdText(c.result)} by ${mdText(c.checkedBy)} at ${mdText(c.observedAt)}` : NONE;
}

function markdown(rows: PeriodRow[], p: Period): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const count = (a: PeriodActivity) => rows.filter((r) => r.activity.includes(a)).length;
  const header = (
    "finding|title|state|rule|tier|detected|source|team|merged by|PR|merge commit|CI|code re-scan|" +
    "runtime re-scan|resolved|hours to remediate|SLA due|SLA breached"
  ).split("|");
  const body = rows.map((r) => [
    mdText(r.id),
    mdText(r.title),
    mdText(r.state),
    mdText(r.rule),
    mdText(r.tier),
    mdText(r.detectedAt),
    mdText(sourceText(r)) || NONE,
    mdText(r.team) || NONE,
    mdText(r.mergedBy) || NONE,
    mdText(r.prUrl) || NONE,
    mdText(r.mergeCommit) || NONE,
    ...KINDS.map((k) => checkText(r.verification[k])),
    mdText(r.resolvedAt) || NONE,
    r.timeToRemediateHours === null ? NONE : String(r.timeToRemediateHours),
    mdText(r.slaDue),
    r.slaBreached ? "yes" : "no",
  ]);
  const table = [header, header.map(() => "---"), ...body].map((c) => `| ${c.join(" | ")} |`).join("\n");
  return [
    `# Evidence from ${iso(p.since)} to ${iso(p.until)}`,
    "",
    `${rows.length} finding${rows.length === 1 ? "" : "s"} with activity in the period: ${count("detected")} detected, ${count("resolved")} resolved, ${rows.filter((r) => r.slaBreached).length} past their SLA. States are as of the end of the period.`,
    "",
    ...(rows.length > 0 ? [table, ""] : []),
  ].join("\n");
}

/** The period's rows as JSON (with the period), CSV (one row per finding) or Markdown. */
export function renderPeriodEvidence(
  rows: PeriodRow[],
  period: Period,
  format: EvidenceFormat,
  accepted: readonly RegisterRow[] = [],
): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(
        {
          since: new Date(period.since).toISOString(),
          until: new Date(period.until).toISOString(),
          findings: rows,
          exceptions: registerJson(acceptedInPeriod(accepted, period)),
        },
        null,
        2,
      )}\n`;
    case "csv":
      return [PERIOD_CSV_COLUMNS, ...rows.map(csvCells)]
        .map((row) => `${row.map(csvField).join(",")}\r\n`)
        .join("");
    case "md":
      return markdown(rows, period) + acceptedMarkdown(acceptedInPeriod(accepted, period));
  }
}

/** The accepted risks in force at some time in the period (granted before its end, not ended before its start). */
export function acceptedInPeriod(accepted: readonly RegisterRow[], period: Period): RegisterRow[] {
  return accepted.filter(
    (r) => r.createdAt < period.until && (r.expiresAt === null || r.expiresAt > period.since),
  );
}

/** The register's rows in force during the period, as a Markdown section (nothing when none). */
function acceptedMarkdown(accepted: readonly RegisterRow[]): string {
  if (accepted.length === 0) return "";
  const cell = (t: string | null) => (t === null ? "-" : mdText(t));
  const lines = accepted.map(
    (r) =>
      `| ${[r.expiresAt === null ? "never" : new Date(r.expiresAt).toISOString().slice(0, 10), r.kind, r.origin, r.findingId, r.rule, r.approvedBy ? `@${r.approvedBy}` : null, r.reference, r.reason].map(cell).join(" | ")} |`,
  );
  return [
    "## Accepted risks",
    "",
    "Exceptions (by command and by `.github/fixloop-exceptions.yml`), snoozes, confirmed false positives and inline suppressions in force during the period.",
    "",
    "| Expires | Kind | Origin | Finding | Rule | Approved by | Where | Reason |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...lines,
    "",
  ].join("\n");
}
