// The auditor pack of one organization for a period: every finding active in it with the four data
// points auditors ask for — detection date, assignment, remediation action, verification evidence —
// as one printable page, and as the CSV and JSON of `fixloop evidence --since` (?format=csv|json).
// Rows come from each finding's evidence record (src/evidence/period.ts), read as of the period's end.
// Which findings are rows, and the page's counts, come from a few facts per finding read in SQL
// (periodFactsOf); whole records are read only for the rows shown (the downloads: for all rows).

import { htmlText, type Markup, table } from "../../evidence/html.ts";
import {
  acceptedInPeriod,
  type Period,
  type PeriodCheck,
  type PeriodRow,
  periodRow,
  renderPeriodEvidence,
} from "../../evidence/period.ts";
import { assembleEvidenceRecord } from "../../evidence/record.ts";
import { OPEN_STATES } from "../../lifecycle/states.ts";
import {
  findingPartsOf,
  orgFindingIdsActiveBetween,
  type PeriodFacts,
  periodFactsOf,
} from "../../store/dashboard.ts";
import { exceptionRegister } from "../../store/exceptions.ts";
import type { Store } from "../../store/store.ts";
import type { PageRequest, PageResult, PageSpec } from "../contract.ts";
import {
  answering,
  BadQueryError,
  choiceParam,
  dateParam,
  externalLink,
  findingPath,
  githubLabel,
  isoDay,
  isoMinute,
  orgNav,
  orgPath,
  pageLink,
  words,
} from "./common.ts";

const DAY = 86_400_000;
const FORMATS = ["html", "csv", "json"] as const;
/** A printable page stays printable: beyond this many rows, the downloads carry the rest. */
const PAGE_ROWS = 1_000;

/** A finding's place in the period: whether it is a row, what it counts as, where it sorts. */
export interface PeriodLine {
  id: string;
  detectedAt: string;
  detected: boolean;
  resolved: boolean;
  slaBreached: boolean;
}

/**
 * The decisions `periodRow` (src/evidence/period.ts) makes from a whole evidence record, made from
 * the facts: a row when detected or changed in the period; past its SLA as of the end when the
 * record's breach (recorded by the sweep, or a late resolution) happened before it, or when it was
 * open past its due date then, or resolved after it. Null when it is no row.
 */
function periodLine(f: PeriodFacts, period: Period): PeriodLine | null {
  const detected = f.firstSeen >= period.since && f.firstSeen < period.until;
  if (!detected && !f.changed) return null;
  const lateResolution = f.state === "resolved" && f.lastResolvedAt !== null && f.lastResolvedAt > f.slaDue;
  const breachedAt = f.slaBreachedAt ?? (lateResolution ? f.slaDue : null);
  const derived = OPEN_STATES.has(f.endState as never)
    ? f.slaDue < period.until
    : f.endState === "resolved" && f.endAt > f.slaDue;
  return {
    id: f.id,
    detectedAt: new Date(f.firstSeen).toISOString(),
    detected,
    resolved: f.resolved,
    slaBreached: (breachedAt !== null && breachedAt < period.until) || derived,
  };
}

/** The organization's findings with activity in the period, oldest detection first. */
export async function orgPeriodLines(store: Store, org: string, period: Period): Promise<PeriodLine[]> {
  const lines: PeriodLine[] = [];
  for (const f of await periodFactsOf(store.db, org, period.since, period.until)) {
    const line = periodLine(f, period);
    if (line) lines.push(line);
  }
  return lines.sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.id.localeCompare(b.id));
}

/** The rows of these findings (those with activity), from their evidence records, oldest detection first. */
async function rowsOf(store: Store, ids: readonly string[], period: Period): Promise<PeriodRow[]> {
  const rows: PeriodRow[] = [];
  for (const parts of await findingPartsOf(store.db, ids)) {
    const row = periodRow(assembleEvidenceRecord(parts), period);
    if (row) rows.push(row);
  }
  return rows.sort((a, b) => a.detectedAt.localeCompare(b.detectedAt) || a.id.localeCompare(b.id));
}

function check(label: string, c: PeriodCheck | null): string {
  if (!c) return `${label}: <span class="muted">none</span>`;
  return `${label}: <strong>${htmlText(c.result)}</strong> <span class="muted">${htmlText(c.checkedBy)}, ${htmlText(isoDay(Date.parse(c.observedAt)))}</span>`;
}

function verificationCell(r: PeriodRow): Markup {
  const v = r.verification;
  return { html: [check("CI", v.ci), check("Code", v.code), check("Runtime", v.runtime)].join("<br>") };
}

function remediationCell(r: PeriodRow): Markup {
  const parts = [
    r.prUrl ? `PR ${externalLink(r.prUrl, githubLabel(r.prUrl)).html}` : "No PR",
    r.mergedBy ? `merged by ${htmlText(r.mergedBy)}` : "",
    r.mergeCommit ? `merge commit <code>${htmlText(r.mergeCommit.slice(0, 12))}</code>` : "",
  ];
  return { html: parts.filter(Boolean).join("<br>") };
}

function periodOf(request: PageRequest): Period {
  const now = request.now().getTime();
  const until = dateParam(request.url, "until", "until") ?? now;
  const since = dateParam(request.url, "since", "since") ?? until - 30 * DAY;
  if (since >= until) throw new BadQueryError("since", `must be before until (${isoDay(until - 1)})`);
  return { since, until };
}

async function render(request: PageRequest): Promise<PageResult> {
  const org = request.params[0] as string;
  const format = choiceParam(request.url, "format", FORMATS);
  const period = periodOf(request);
  const register = await exceptionRegister(request.store.db, { includeEnded: true, org });
  const name = `fixloop-${org}-${isoDay(period.since)}-${isoDay(period.until - 1)}`;
  if (format !== "html") {
    // Every row's record is read anyway: which are rows, the records say.
    const ids = await orgFindingIdsActiveBetween(request.store.db, org, period.since, period.until);
    return {
      kind: "file",
      contentType: format === "csv" ? "text/csv; charset=utf-8" : "application/json",
      filename: `${name}.${format}`,
      body: renderPeriodEvidence(await rowsOf(request.store, ids, period), period, format, register),
    };
  }
  const lines = await orgPeriodLines(request.store, org, period);
  const accepted = acceptedInPeriod(register, period);
  const query = `since=${isoDay(period.since)}&until=${isoDay(period.until - 1)}`;
  // A share link's holder sees this one period and nothing else: its downloads stay on the link's
  // own URL, and it gets no links to pages it cannot open (organization pages, findings, periods).
  const shared = request.viewer.kind === "share";
  const base = shared ? request.url.pathname : `${orgPath(org)}/auditor-pack`;
  const shown = await rowsOf(
    request.store,
    lines.slice(0, PAGE_ROWS).map((l) => l.id),
    period,
  );
  const findings = table(
    ["Finding", "Detected", "Assignment", "Remediation", "Verification", "Resolved", "SLA", "State at end"],
    shown.map((r) => [
      {
        html: `${shared ? htmlText(r.id.slice(0, 12)) : pageLink(findingPath(r.id), r.id.slice(0, 12)).html}<br>${htmlText(r.title)}<br><span class="muted">${htmlText(r.rule)}, ${htmlText(r.tier)} ${r.riskScore}</span>`,
      },
      isoMinute(Date.parse(r.detectedAt)),
      {
        html: `${htmlText(r.team ?? "no team")}${r.reviewers.length ? `<br>reviewers ${htmlText(r.reviewers.join(", "))}` : ""}`,
      },
      remediationCell(r),
      verificationCell(r),
      r.resolvedAt ? `${isoMinute(Date.parse(r.resolvedAt))} (${r.timeToRemediateHours} h)` : null,
      `${r.slaBreached ? "breached" : "held"}, due ${isoDay(Date.parse(r.slaDue))}`,
      words(r.state),
    ]),
  );
  const acceptedTable = table(
    ["Expires", "Kind", "Origin", "Finding", "Rule", "Approved by", "Reason"],
    accepted.map((a) => [
      a.expiresAt === null ? "never" : isoDay(a.expiresAt - 1),
      a.kind,
      a.origin,
      a.findingId ? a.findingId.slice(0, 12) : null,
      a.rule,
      a.approvedBy ? `@${a.approvedBy}` : null,
      a.reason || null,
    ]),
  );
  const count = (test: (l: PeriodLine) => boolean) => lines.filter(test).length;
  const body = [
    shared ? "" : orgNav(org, "auditor-pack"),
    `<h1>${htmlText(org)}: evidence from ${isoDay(period.since)} to ${isoDay(period.until - 1)}</h1>`,
    shared
      ? ""
      : `<form class="period" method="get"><label>Since <input type="date" name="since" value="${isoDay(period.since)}"></label><label>Until <input type="date" name="until" value="${isoDay(period.until - 1)}"></label><button type="submit">Show</button></form>`,
    `<p class="downloads">Download: ${pageLink(`${base}?${query}&format=csv`, "CSV").html} · ${pageLink(`${base}?${query}&format=json`, "JSON").html} · or print this page to PDF.</p>`,
    `<p>${lines.length} findings with activity in the period: ${count((l) => l.detected)} detected, ${count((l) => l.resolved)} resolved, ${count((l) => l.slaBreached)} past their SLA. States are as of the end of the period.</p>`,
    `<section aria-labelledby="findings"><h2 id="findings">Findings</h2>${lines.length > shown.length ? `<p>The first ${shown.length.toLocaleString("en")} of ${lines.length.toLocaleString("en")} findings (oldest detection first); the CSV and JSON hold all of them${shared ? "" : ", or choose a shorter period"}.</p>` : ""}${findings}</section>`,
    `<section aria-labelledby="accepted"><h2 id="accepted">Accepted risks in force during the period</h2>${acceptedTable}</section>`,
  ];
  return { kind: "html", title: `${org}: auditor pack`, body: body.join("\n") };
}

export const auditorPackPage: PageSpec = {
  name: "auditor-pack",
  pattern: /^\/orgs\/([^/]+)\/auditor-pack$/,
  access: "org",
  render: (request) => answering(() => render(request)),
};
