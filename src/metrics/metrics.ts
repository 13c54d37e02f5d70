// The operational metrics of fixloop, read from the store: how many findings are in each state, how
// many were opened, resolved and reopened per rule, how often a rule's findings turn out to be
// false positives, how many SLAs are broken, and how long remediation takes per risk tier and team.
// Counters come from the append-only audit trail (and the SLA breach time, which is set once), so
// they only ever grow, as Prometheus expects of a counter. The store is read with a few grouped
// queries (a scrape must stay cheap as history grows); the metric families are built by a pure
// function from what those queries return.

import { STATES } from "../lifecycle/machine.ts";
import { readTuning, type Tuning } from "../report/tuning.ts";
import { resolutionEpisodes, suppressionEvents, transitionCountsByRule } from "../store/audit.ts";
import { closedCountsByRule, countByState, slaBreachesByTier, slaOverdueByTier } from "../store/findings.ts";
import { routedTeamsOfResolved } from "../store/remediations.ts";
import type { Db, Store } from "../store/store.ts";
import { tuningFamilies } from "./tuning-metrics.ts";

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

export interface HistogramSeries {
  labels: Labels;
  /** Cumulative counts per upper bound, ascending; the +Inf bucket is `count`. */
  buckets: ReadonlyArray<{ le: number; count: number }>;
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: Sample[] }
  | { name: string; help: string; type: "histogram"; series: HistogramSeries[] };

export type Metrics = MetricFamily[];

/** Upper bounds of the time-to-remediate buckets, in hours: 1 h … 90 days. */
export const REMEDIATION_BUCKETS_HOURS = [1, 4, 8, 24, 72, 168, 336, 720, 2160] as const;

const TIERS = ["critical", "high", "medium", "low"] as const;

/** The label for a finding without an owning team. */
export const UNASSIGNED = "unassigned";

export type ClosedOutcome = "resolved" | "false_positive" | "suppressed" | "excepted";

/** What the store says, already grouped; the input of `buildMetrics`. */
export interface MetricFacts {
  byState: ReadonlyMap<string, number>;
  /** Audit events into new (opened), resolved and reopened, counted per rule. */
  transitions: ReadonlyArray<{ rule: string; to: "new" | "resolved" | "reopened"; count: number }>;
  closed: ReadonlyArray<{ rule: string; outcome: ClosedOutcome; count: number }>;
  slaOpenBreached: ReadonlyArray<{ tier: string; count: number }>;
  slaBreachesRecorded: ReadonlyArray<{ tier: string; count: number }>;
  /** One observation per resolution. */
  remediations: ReadonlyArray<{ tier: string; team: string; hours: number }>;
  /** What people decided per rule and per source, over all time (src/report/tuning.ts). */
  tuning: Tuning;
}

const HOUR = 3_600_000;

/** The rule a metric is labelled with: the catalog id when the finding maps to one, else the source's id. */
const ruleOf = (r: { rule_catalog_id: string | null; rule_native_id: string }) =>
  r.rule_catalog_id ?? r.rule_native_id;

/** Adds up rows that land on the same key (two native ids of one catalog rule are one rule). */
function sumBy<T>(rows: Iterable<T>, key: (row: T) => string, n: (row: T) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) out.set(key(row), (out.get(key(row)) ?? 0) + n(row));
  return out;
}

const sorted = <K, V>(m: ReadonlyMap<K, V>) =>
  [...m.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)));

interface EpisodeEvent {
  finding_id: string;
  from_state: string | null;
  to_state: string;
  at: number;
}

/**
 * Hours from the start of each episode to its resolution. An episode starts at detection (the
 * source's first seen) or when a resolved finding is reopened; a reopen after a failed verification
 * (merged → reopened) is the same episode, since the problem was never fixed. Events oldest first.
 */
export function remediationHours(events: readonly EpisodeEvent[], firstSeen: ReadonlyMap<string, number>) {
  const start = new Map(firstSeen);
  const out: Array<{ findingId: string; hours: number }> = [];
  for (const e of events) {
    if (e.to_state === "reopened" && e.from_state === "resolved") start.set(e.finding_id, e.at);
    else if (e.to_state === "resolved") {
      const from = start.get(e.finding_id) ?? e.at;
      out.push({ findingId: e.finding_id, hours: Math.max(0, e.at - from) / HOUR });
    }
  }
  return out;
}

async function readFacts(db: Db, now: number): Promise<MetricFacts> {
  const transitions = await transitionCountsByRule(db);
  const closedRows = await closedCountsByRule(db);
  // A suppressed finding's last event is the one that suppressed it: from false_positive_pending
  // it is a confirmed false positive, otherwise a waiver (in the source or by a person).
  const lastSuppression = new Map((await suppressionEvents(db)).map((e) => [e.id, e]));
  const slaOpen = await slaOverdueByTier(db, now);
  const slaRecorded = await slaBreachesByTier(db);
  const episodeEvents = await resolutionEpisodes(db);
  // The team the latest fix was routed to, else the team the finding named.
  const routed = await routedTeamsOfResolved(db);
  const teamOf = new Map(routed.map((r) => [r.finding_id, r.owner_team as string]));
  const findingOf = new Map(episodeEvents.map((e) => [e.finding_id, e]));

  return {
    byState: await countByState(db),
    tuning: await readTuning(db, { since: 0, until: Number.MAX_SAFE_INTEGER }),
    transitions: transitions.map((t) => ({
      rule: ruleOf(t),
      to: t.to_state as "new" | "resolved" | "reopened",
      count: Number(t.n),
    })),
    closed: [
      ...closedRows.map((r) => ({ rule: ruleOf(r), outcome: r.state as ClosedOutcome, count: Number(r.n) })),
      ...[...lastSuppression.values()].map((e) => ({
        rule: ruleOf(e),
        outcome: (e.from_state === "false_positive_pending"
          ? "false_positive"
          : "suppressed") as ClosedOutcome,
        count: 1,
      })),
    ],
    slaOpenBreached: slaOpen.map((r) => ({ tier: r.risk_tier, count: Number(r.n) })),
    slaBreachesRecorded: slaRecorded.map((r) => ({ tier: r.risk_tier, count: Number(r.n) })),
    remediations: remediationHours(
      episodeEvents.map((e) => ({ ...e, at: Number(e.at) })),
      new Map(episodeEvents.map((e) => [e.finding_id, Number(e.first_seen)])),
    ).map(({ findingId, hours }) => {
      const f = findingOf.get(findingId);
      return { tier: f?.risk_tier ?? "", team: teamOf.get(findingId) ?? f?.owner_team ?? UNASSIGNED, hours };
    }),
  };
}

/** Every tier, with 0 for those without findings, so a series does not vanish when it drops to 0. */
function perTier(rows: MetricFacts["slaOpenBreached"]): Sample[] {
  const counts = sumBy(
    rows,
    (r) => r.tier,
    (r) => r.count,
  );
  const tiers = new Set<string>([...TIERS, ...counts.keys()]);
  return [...tiers].map((tier) => ({ labels: { tier }, value: counts.get(tier) ?? 0 }));
}

function histogram(observations: MetricFacts["remediations"]): HistogramSeries[] {
  const groups = new Map<string, { tier: string; team: string; hours: number[] }>();
  for (const o of observations) {
    const key = `${o.tier}\n${o.team}`;
    const g = groups.get(key) ?? { tier: o.tier, team: o.team, hours: [] };
    g.hours.push(o.hours);
    groups.set(key, g);
  }
  return sorted(groups).map(([, g]) => ({
    labels: { tier: g.tier, team: g.team },
    buckets: REMEDIATION_BUCKETS_HOURS.map((le) => ({ le, count: g.hours.filter((h) => h <= le).length })),
    sum: g.hours.reduce((a, b) => a + b, 0),
    count: g.hours.length,
  }));
}

/** The metric families from grouped facts. Pure. */
export function buildMetrics(facts: MetricFacts): Metrics {
  const counter = (to: "new" | "resolved" | "reopened"): Sample[] =>
    sorted(
      sumBy(
        facts.transitions.filter((t) => t.to === to),
        (t) => t.rule,
        (t) => t.count,
      ),
    ).map(([rule, value]) => ({ labels: { rule }, value }));
  const closed = sumBy(
    facts.closed,
    (c) => `${c.rule}\n${c.outcome}`,
    (c) => c.count,
  );
  const closedPerRule = sumBy(
    facts.closed,
    (c) => c.rule,
    (c) => c.count,
  );
  return [
    {
      name: "fixloop_findings",
      help: "Findings by current state.",
      type: "gauge",
      samples: STATES.map((state) => ({ labels: { state }, value: facts.byState.get(state) ?? 0 })),
    },
    {
      name: "fixloop_findings_opened_total",
      help: "Findings first recorded, per rule (audit events into state new).",
      type: "counter",
      samples: counter("new"),
    },
    {
      name: "fixloop_findings_resolved_total",
      help: "Resolutions, per rule (audit events into state resolved).",
      type: "counter",
      samples: counter("resolved"),
    },
    {
      name: "fixloop_findings_reopened_total",
      help: "Reopenings, per rule (audit events into state reopened).",
      type: "counter",
      samples: counter("reopened"),
    },
    {
      name: "fixloop_findings_closed",
      help: "Closed findings per rule and outcome: resolved, excepted, false_positive (suppressed from false_positive_pending) or suppressed (waived).",
      type: "gauge",
      samples: sorted(closed).map(([key, value]) => {
        const [rule, outcome] = key.split("\n") as [string, string];
        return { labels: { rule, outcome }, value };
      }),
    },
    {
      name: "fixloop_false_positive_ratio",
      help: "Per rule, confirmed false positives (suppressed from false_positive_pending) over all closed findings (resolved, suppressed, excepted).",
      type: "gauge",
      samples: sorted(closedPerRule).map(([rule, total]) => ({
        labels: { rule },
        value: (closed.get(`${rule}\nfalse_positive`) ?? 0) / total,
      })),
    },
    {
      name: "fixloop_sla_breached_open",
      help: "Open findings past their SLA due date, per risk tier.",
      type: "gauge",
      samples: perTier(facts.slaOpenBreached),
    },
    {
      name: "fixloop_sla_breaches_total",
      help: "SLA breaches recorded by the SLA sweep, per risk tier.",
      type: "counter",
      samples: perTier(facts.slaBreachesRecorded),
    },
    {
      name: "fixloop_time_to_remediate_hours",
      help: "Hours from detection (or from reopening a resolved finding) to resolution, per risk tier and owning team.",
      type: "histogram",
      series: histogram(facts.remediations),
    },
    ...tuningFamilies(facts.tuning),
  ];
}

/**
 * The metrics as of `now` (epoch ms; open SLA breaches depend on it). The reads are not one
 * transaction on purpose: on SQLite that takes the write lock (BEGIN IMMEDIATE), and a scrape must
 * not hold up ingest; a scrape that races a write may be one event apart between families.
 */
export async function collectMetrics(store: Store, now: number): Promise<Metrics> {
  return buildMetrics(await readFacts(store.db, now));
}
