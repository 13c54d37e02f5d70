// The dashboard's reads (src/web/pages): every figure a page shows is counted, summed or ranked here,
// in SQL, so a page costs a handful of grouped queries however large the store grows. One
// organization at a time (a page never mixes organizations), optionally one owning team.

import { sql } from "kysely";
import { STATES } from "../lifecycle/machine.ts";
import { STATE_GROUPS } from "../lifecycle/states.ts";
import { auditEventFromRow, type StoredAuditEvent } from "./audit.ts";
import type { Engine } from "./connect.ts";
import { type FindingSource, findingFromRow, type StoredFinding, sourceFromRow } from "./findings.ts";
import { type Remediation, remediationFromRow } from "./remediations.ts";
import type { Db } from "./store.ts";
import { type Verification, verificationFromRow } from "./verifications.ts";

const OPEN = [...STATE_GROUPS.open];
const DAY = 86_400_000;
export const WEEK = 7 * DAY;

/** States in which a finding waits for a person's decision, and whose. */
export const WAITING_STATES = {
  awaiting_approval: "security team approval of the fix",
  false_positive_pending: "security team review of a reported false positive",
  awaiting_exception: "security team approval of an exception request",
} as const;
export type WaitingState = keyof typeof WAITING_STATES;

/** The organizations that have findings, in name order. */
export async function storeOrgs(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom("findings")
    .select("org")
    .distinct()
    .where("org", "is not", null)
    .orderBy("org")
    .execute();
  return rows.map((r) => r.org as string);
}

/** Open findings counted by (state, tier, team), with how many are past their SLA or due within 7 days. */
export interface OpenGroup {
  state: string;
  tier: string;
  team: string | null;
  count: number;
  breached: number;
  dueSoon: number;
}

export async function openGroups(db: Db, org: string, now: number): Promise<OpenGroup[]> {
  const rows = await db
    .selectFrom("findings")
    .select((eb) => [
      "state",
      "risk_tier",
      "owner_team",
      eb.fn.countAll<number>().as("n"),
      sql<number>`sum(case when sla_due < ${sql.lit(now)} then 1 else 0 end)`.as("breached"),
      sql<number>`sum(case when sla_due >= ${sql.lit(now)} and sla_due < ${sql.lit(now + 7 * DAY)} then 1 else 0 end)`.as(
        "due_soon",
      ),
    ])
    .where("org", "=", org)
    .where("state", "in", OPEN)
    .groupBy(["state", "risk_tier", "owner_team"])
    .execute();
  return rows.map((r) => ({
    state: r.state,
    tier: r.risk_tier,
    team: r.owner_team,
    count: Number(r.n),
    breached: Number(r.breached),
    dueSoon: Number(r.due_soon),
  }));
}

export interface FindingLine {
  id: string;
  title: string;
  state: string;
  tier: string;
  riskScore: number;
  team: string | null;
  firstSeen: number;
  slaDue: number;
}

const lineColumns = [
  "f.id",
  "f.title",
  "f.state",
  "f.risk_tier",
  "f.risk_score",
  "f.owner_team",
  "f.first_seen",
  "f.sla_due",
] as const;

function toLine(r: {
  id: string;
  title: string;
  state: string;
  risk_tier: string;
  risk_score: number;
  owner_team: string | null;
  first_seen: number;
  sla_due: number;
}): FindingLine {
  return {
    id: r.id,
    title: r.title,
    state: r.state,
    tier: r.risk_tier,
    riskScore: Number(r.risk_score),
    team: r.owner_team,
    firstSeen: Number(r.first_seen),
    slaDue: Number(r.sla_due),
  };
}

/** The `limit` open findings detected longest ago. */
export async function oldestOpen(db: Db, org: string, limit: number, team?: string): Promise<FindingLine[]> {
  const rows = await db
    .selectFrom("findings as f")
    .select(lineColumns)
    .where("f.org", "=", org)
    .where("f.state", "in", OPEN)
    .$if(team !== undefined, (q) => q.where("f.owner_team", "=", team as string))
    .orderBy("f.first_seen")
    .orderBy("f.id")
    .limit(limit)
    .execute();
  return rows.map(toLine);
}

export interface WaitingLine extends FindingLine {
  /** When it entered the state it waits in. */
  since: number;
}

/** The findings waiting on a person, longest wait first. */
export async function waitingOnPeople(db: Db, org: string, limit: number): Promise<WaitingLine[]> {
  const since = sql<number>`(select max(a.at) from audit_events a where a.finding_id = f.id and a.to_state = f.state)`;
  const rows = await db
    .selectFrom("findings as f")
    .select([...lineColumns, since.as("since")])
    .where("f.org", "=", org)
    .where("f.state", "in", Object.keys(WAITING_STATES))
    .orderBy("since")
    .orderBy("f.id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...toLine(r), since: Number(r.since ?? r.first_seen) }));
}

/** Which findings a trend counts: one organization, optionally one owning team. */
export interface TrendScope {
  org: string;
  team?: string | undefined;
  /** [from, to) in epoch ms; weeks are counted from `weekOrigin` (a Monday 00:00 UTC). */
  from: number;
  to: number;
  weekOrigin: number;
}

/** Per week and transition: how many findings entered `to_state`, and the sum of their risk scores. */
export interface WeekTransitions {
  week: number;
  toState: string;
  count: number;
  riskSum: number;
}

const TREND_STATES = ["new", "resolved", "reopened", "pr_open", "merged", "closed_unmerged"];

const weekOf = (column: string, origin: number) =>
  sql<number>`(${sql.ref(column)} - ${sql.lit(origin)}) / ${sql.lit(WEEK)}`;

/**
 * Counted from the events alone where the organization is the scope: each event carries it
 * (migration 0020), so the finding is joined only for the risk of the resolutions (the one sum a
 * page shows; `riskSum` is 0 for the other states) — and for a team, which events do not carry (a
 * finding's team can change). PostgreSQL groups a year's few hundred thousand events in a hash;
 * SQLite would sort them all by their computed week, so there each (week, state) is counted in
 * place as one range of the index `(org, to_state, at, finding_id)`.
 */
export async function weeklyTransitions(db: Db, engine: Engine, s: TrendScope): Promise<WeekTransitions[]> {
  if (s.to <= s.weekOrigin) return [];
  const rows =
    s.team !== undefined
      ? await teamTransitions(db, s, s.team)
      : engine === "sqlite"
        ? await orgTransitionsByRange(db, s)
        : await orgTransitionsGrouped(db, s);
  return rows
    .filter((r) => Number(r.n) > 0)
    .map((r) => ({
      week: Number(r.week),
      toState: r.state,
      count: Number(r.n),
      riskSum: r.state === "resolved" ? Number(r.risk ?? 0) : 0,
    }));
}

interface TransitionRow {
  week: number;
  state: string;
  n: number;
  risk: number | null;
}

const weekOfEvent = (s: TrendScope) => sql<number>`(a.at - ${sql.lit(s.weekOrigin)}) / ${sql.lit(WEEK)}`;
const STATES_IN = sql`a.to_state in (${sql.join(TREND_STATES)})`;

async function teamTransitions(db: Db, s: TrendScope, team: string): Promise<TransitionRow[]> {
  const week = weekOfEvent(s);
  const result = await sql<TransitionRow>`
    select ${week} as week, a.to_state as state, count(*) as n,
      sum(case when a.to_state = 'resolved' then f.risk_score end) as risk
    from audit_events a join findings f on f.id = a.finding_id
    where a.org = ${s.org} and f.owner_team = ${team} and ${STATES_IN}
      and a.at >= ${s.from} and a.at < ${s.to}
    group by ${week}, a.to_state`.execute(db);
  return result.rows;
}

async function orgTransitionsGrouped(db: Db, s: TrendScope): Promise<TransitionRow[]> {
  const week = weekOfEvent(s);
  const period = sql`a.org = ${s.org} and a.at >= ${s.from} and a.at < ${s.to}`;
  const [counts, risks] = await Promise.all([
    sql<TransitionRow>`
      select ${week} as week, a.to_state as state, count(*) as n from audit_events a
      where ${period} and ${STATES_IN} group by ${week}, a.to_state`.execute(db),
    sql<{ week: number; risk: number }>`
      select ${week} as week, sum(f.risk_score) as risk
      from audit_events a join findings f on f.id = a.finding_id
      where ${period} and a.to_state = 'resolved' group by ${week}`.execute(db),
  ]);
  const riskOf = new Map(risks.rows.map((r) => [Number(r.week), r.risk]));
  return counts.rows.map((r) => ({ ...r, risk: riskOf.get(Number(r.week)) ?? null }));
}

async function orgTransitionsByRange(db: Db, s: TrendScope): Promise<TransitionRow[]> {
  const inWeek = sql`a.org = ${s.org} and a.to_state = s.state and a.at >= w.lo and a.at < w.hi`;
  const result = await sql<TransitionRow>`
    with w(week, lo, hi) as (${weekRanges(s)}),
      s(state) as (values ${sql.join(TREND_STATES.map((state) => sql`(${state})`))})
    select w.week, s.state,
      (select count(*) from audit_events a where ${inWeek}) as n,
      case when s.state = 'resolved' then
        (select sum(f.risk_score) from audit_events a join findings f on f.id = a.finding_id where ${inWeek})
      end as risk
    from w, s`.execute(db);
  return result.rows;
}

/** The scope's weeks as rows (week, lo, hi): week `i` is [origin + i weeks, + 1 week) within [from, to). */
function weekRanges(s: TrendScope) {
  const weeks = Math.max(0, Math.ceil((s.to - s.weekOrigin) / WEEK));
  const rows = Array.from({ length: weeks }, (_, i) => {
    const lo = Math.max(s.from, s.weekOrigin + i * WEEK);
    const hi = Math.min(s.to, s.weekOrigin + (i + 1) * WEEK);
    return sql`(${sql.lit(i)}, ${sql.lit(lo)}, ${sql.lit(hi)})`;
  });
  return sql`values ${sql.join(rows)}`;
}

/** Per week: failed verification checks (CI, code or runtime re-scan). */
export async function weeklyVerificationFailures(
  db: Db,
  s: TrendScope,
): Promise<Array<{ week: number; count: number }>> {
  const week = weekOf("v.observed_at", s.weekOrigin);
  const rows = await db
    .selectFrom("verifications as v")
    .innerJoin("findings as f", "f.id", "v.finding_id")
    .select((eb) => [week.as("week"), eb.fn.countAll<number>().as("n")])
    .where("v.result", "=", "failed")
    .where("v.observed_at", ">=", s.from)
    .where("v.observed_at", "<", s.to)
    .where("f.org", "=", s.org)
    .$if(s.team !== undefined, (q) => q.where("f.owner_team", "=", s.team as string))
    .groupBy(week)
    .execute();
  return rows.map((r) => ({ week: Number(r.week), count: Number(r.n) }));
}

/** Time to remediate (detection to resolution) of the resolutions in the period, per tier. */
export interface RemediationTimes {
  tier: string;
  resolved: number;
  medianMs: number;
  p90Ms: number;
}

/**
 * Nearest-rank percentiles with window functions (both engines have them): the median is the
 * ⌈n/2⌉-th time, the 90th percentile the ⌈9n/10⌉-th, written in integer arithmetic.
 */
export async function remediationTimes(db: Db, s: TrendScope): Promise<RemediationTimes[]> {
  const team = s.team === undefined ? sql`` : sql`and f.owner_team = ${s.team}`;
  const result = await sql<{ tier: string; n: number; median: number; p90: number }>`
    with r as (
      select f.risk_tier as tier, a.at - f.first_seen as ttr
      from audit_events a join findings f on f.id = a.finding_id
      where a.org = ${s.org} and a.to_state = 'resolved' and a.at >= ${s.from} and a.at < ${s.to} ${team}
    ), ranked as (
      select tier, ttr,
        row_number() over (partition by tier order by ttr) as rn,
        count(*) over (partition by tier) as n
      from r
    )
    select tier, n,
      max(case when rn = (n + 1) / 2 then ttr end) as median,
      max(case when rn = (9 * n + 9) / 10 then ttr end) as p90
    from ranked group by tier, n`.execute(db);
  return result.rows.map((r) => ({
    tier: r.tier,
    resolved: Number(r.n),
    medianMs: Number(r.median),
    p90Ms: Number(r.p90),
  }));
}

/** The owning teams of an organization's findings, with how many are open. */
export async function teamsOf(db: Db, org: string): Promise<Array<{ team: string; open: number }>> {
  const rows = await db
    .selectFrom("findings")
    .select((eb) => [
      "owner_team",
      sql<number>`sum(case when state in (${sql.join(OPEN)}) then 1 else 0 end)`.as("open"),
      eb.fn.countAll<number>().as("n"),
    ])
    .where("org", "=", org)
    .where("owner_team", "is not", null)
    .groupBy("owner_team")
    .orderBy("owner_team")
    .execute();
  return rows.map((r) => ({ team: r.owner_team as string, open: Number(r.open) }));
}

export interface OpenPr {
  findingId: string;
  title: string;
  repository: string | null;
  number: number | null;
  url: string | null;
  openedAt: number;
}

/** A team's open fix PRs, oldest first. */
export async function openPrsOfTeam(db: Db, org: string, team: string, limit: number): Promise<OpenPr[]> {
  const rows = await db
    .selectFrom("remediations as r")
    .innerJoin("findings as f", "f.id", "r.finding_id")
    .select(["r.finding_id", "f.title", "r.repository", "r.pr_number", "r.pr_url", "r.created_at"])
    .where("f.org", "=", org)
    .where("f.owner_team", "=", team)
    .where("r.pr_state", "=", "open")
    .orderBy("r.created_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    findingId: r.finding_id,
    title: r.title,
    repository: r.repository,
    number: r.pr_number,
    url: r.pr_url,
    openedAt: Number(r.created_at),
  }));
}

export interface OpenIssue {
  findingId: string;
  title: string;
  repository: string;
  number: number;
  url: string;
  reason: string;
  openedAt: number;
}

/** A team's open tracking issues (findings fixloop could not fix by PR), oldest first. */
export async function openIssuesOfTeam(
  db: Db,
  org: string,
  team: string,
  limit: number,
): Promise<OpenIssue[]> {
  const rows = await db
    .selectFrom("tracking_issues as t")
    .innerJoin("findings as f", "f.id", "t.finding_id")
    .select(["t.finding_id", "f.title", "t.repository", "t.number", "t.url", "t.reason", "t.created_at"])
    .where("f.org", "=", org)
    .where("f.owner_team", "=", team)
    .where("t.state", "=", "open")
    .orderBy("t.created_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    findingId: r.finding_id,
    title: r.title,
    repository: r.repository,
    number: r.number,
    url: r.url,
    reason: r.reason,
    openedAt: Number(r.created_at),
  }));
}

/** Where a finding belongs, for the access check: its org and the repository it was fixed (or found) in. */
export async function findingScopeOf(
  db: Db,
  id: string,
): Promise<{ org: string | null; repository: string | null } | undefined> {
  const row = await db
    .selectFrom("findings as f")
    .select([
      "f.org",
      "f.repository",
      (eb) =>
        eb
          .selectFrom("remediations as r")
          .select("r.repository")
          .whereRef("r.finding_id", "=", "f.id")
          .where("r.repository", "is not", null)
          .orderBy("r.id", "desc")
          .limit(1)
          .as("fixed_in"),
    ])
    .where("f.id", "=", id)
    .executeTakeFirst();
  return row && { org: row.org, repository: row.fixed_in ?? row.repository };
}

/** What the auditor pack counts about one candidate finding of a period, read as of its end. */
export interface PeriodFacts {
  id: string;
  firstSeen: number;
  slaDue: number;
  slaBreachedAt: number | null;
  /** The finding's state now, and when its last resolution (of all time, by id) happened. */
  state: string;
  lastResolvedAt: number | null;
  /** The last event before the end of the period (by id): the state then, and when. */
  endState: string;
  endAt: number;
  /** Any event in the period; an event into `resolved` in it. */
  changed: boolean;
  resolved: boolean;
}

/** The ids of an organization's findings detected in [since, until) or with an audit event in it
 *  (the downloads read each one's record; the page, only the facts below). */
export async function orgFindingIdsActiveBetween(
  db: Db,
  org: string,
  since: number,
  until: number,
): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select a.finding_id as id from audit_events a
    where a.org = ${org} and a.to_state in (${sql.join([...STATES])}) and a.at >= ${since} and a.at < ${until}
    union
    select f.id from findings f where f.org = ${org} and f.first_seen >= ${since} and f.first_seen < ${until}`.execute(
    db,
  );
  return result.rows.map((r) => r.id);
}

/**
 * The organization's findings detected in [since, until) or with an audit event in it, each with
 * the few facts its period row is counted from (src/web/pages/auditor-pack.ts) instead of its whole
 * evidence record: the period's events from the index `(org, to_state, at, finding_id)` (one range
 * per state), then per finding its last event before `until` and, when it matters for a late
 * resolution, its last resolution — each the first entry of a backward walk of its trail. Findings
 * with no event before `until` are left out (fixloop had not recorded them by then).
 */
export async function periodFactsOf(
  db: Db,
  org: string,
  since: number,
  until: number,
): Promise<PeriodFacts[]> {
  const result = await sql<{
    id: string;
    first_seen: number;
    sla_due: number;
    sla_breached_at: number | null;
    state: string;
    changed: number;
    resolved: number;
    end_state: string;
    end_at: number;
    last_resolved_at: number | null;
  }>`
    with touched as (
      select a.finding_id as id, 1 as changed, max(case when a.to_state = 'resolved' then 1 else 0 end) as resolved
      from audit_events a
      where a.org = ${org} and a.to_state in (${sql.join([...STATES])}) and a.at >= ${since} and a.at < ${until}
      group by a.finding_id
      union all
      select f.id, 0, 0 from findings f where f.org = ${org} and f.first_seen >= ${since} and f.first_seen < ${until}
    ), candidates as (
      select c.id, max(c.changed) as changed, max(c.resolved) as resolved,
        (select e.id from audit_events e where e.finding_id = c.id and e.at < ${until}
         order by e.id desc limit 1) as end_id
      from touched c group by c.id
    )
    select f.id, f.first_seen, f.sla_due, f.sla_breached_at, f.state, c.changed, c.resolved,
      e.to_state as end_state, e.at as end_at,
      case when f.state = 'resolved' and f.sla_breached_at is null then
        (select r.at from audit_events r where r.finding_id = f.id and r.to_state = 'resolved'
         order by r.id desc limit 1)
      end as last_resolved_at
    from candidates c join findings f on f.id = c.id join audit_events e on e.id = c.end_id`.execute(db);
  const num = (v: number | null) => (v === null ? null : Number(v));
  return result.rows.map((r) => ({
    id: r.id,
    firstSeen: Number(r.first_seen),
    slaDue: Number(r.sla_due),
    slaBreachedAt: num(r.sla_breached_at),
    state: r.state,
    lastResolvedAt: num(r.last_resolved_at),
    endState: r.end_state,
    endAt: Number(r.end_at),
    changed: Number(r.changed) === 1,
    resolved: Number(r.resolved) === 1,
  }));
}

/** Where each fix attempt located the finding (the file and resource address), oldest first. */
export async function fixLocationsOf(
  db: Db,
  findingId: string,
): Promise<Array<{ file: string; address: string | null; repository: string | null }>> {
  const rows = await db
    .selectFrom("remediations")
    .select(["located_file", "located_address", "repository"])
    .where("finding_id", "=", findingId)
    .where("located_file", "is not", null)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    file: r.located_file as string,
    address: r.located_address,
    repository: r.repository,
  }));
}

/** What one finding's evidence record is made of (src/evidence/record.ts assembles it). */
export interface FindingParts {
  finding: StoredFinding;
  sources: FindingSource[];
  remediations: Remediation[];
  checks: Verification[];
  events: StoredAuditEvent[];
}

const CHUNK = 1_000;

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/**
 * The parts of many findings' records in five queries per thousand findings — a period's auditor
 * pack holds thousands, and reading them one finding at a time costs five round trips each. Each
 * list is in the order the single-finding reads use; the raw source records are left out (the
 * record does not carry them).
 */
export async function findingPartsOf(db: Db, ids: readonly string[]): Promise<FindingParts[]> {
  const out: FindingParts[] = [];
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    const [findings, sources, fixes, checks, events] = await Promise.all([
      db.selectFrom("findings").selectAll().where("id", "in", chunk).execute(),
      db
        .selectFrom("finding_sources")
        .select(["finding_id", "tool", "format", "source_finding_id", "status", "first_seen", "last_seen"])
        .where("finding_id", "in", chunk)
        .orderBy("first_seen")
        .orderBy("tool")
        .execute(),
      db.selectFrom("remediations").selectAll().where("finding_id", "in", chunk).orderBy("id").execute(),
      db
        .selectFrom("verifications")
        .selectAll()
        .where("finding_id", "in", chunk)
        .orderBy("observed_at")
        .orderBy("id")
        .execute(),
      db.selectFrom("audit_events").selectAll().where("finding_id", "in", chunk).orderBy("id").execute(),
    ]);
    const bySource = groupBy(sources, (r) => r.finding_id);
    const byFix = groupBy(fixes, (r) => r.finding_id);
    const byCheck = groupBy(checks, (r) => r.finding_id);
    const byEvent = groupBy(events, (r) => r.finding_id);
    for (const f of findings)
      out.push({
        finding: findingFromRow(f),
        sources: (bySource.get(f.id) ?? []).map((r) => sourceFromRow({ ...r, raw: "null", raw_hash: null })),
        remediations: (byFix.get(f.id) ?? []).map(remediationFromRow),
        checks: (byCheck.get(f.id) ?? []).map(verificationFromRow),
        events: (byEvent.get(f.id) ?? []).map(auditEventFromRow),
      });
  }
  return out;
}
