// Learning from decisions: per rule and per source, what people did with the findings of a period
// — fixed (resolved after a fixloop PR was merged and verified), confirmed a false positive,
// accepted (an exception), snoozed, closed the PR unmerged — and which rules cross the
// organization's demotion line (`rules.demote`). Pure: the rows come from src/store/tuning.ts,
// which counts the findings seen per rule and source in SQL; the decisions (a few per finding
// decided) are read as rows. Each finding counts once per outcome in the period, however many
// times it went through it.

import type { Db } from "../store/store.ts";
import {
  type DecisionEventRow,
  decisionEvents,
  type GrantRow,
  grantsBetween,
  type SeenGroupRow,
  seenGroups,
  sourcesOfFindings,
  type TuningScope,
} from "../store/tuning.ts";

export const OUTCOMES = ["fixed", "false_positive", "accepted", "snoozed", "closed_unmerged"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the store says about a period. */
export interface TuningFacts {
  events: readonly DecisionEventRow[];
  grants: readonly GrantRow[];
  /** The findings seen, counted per rule and source. */
  seen: readonly SeenGroupRow[];
  /** The sources of the findings the events and grants mention (each format and tool once). */
  decidedSources: ReadonlyArray<{ findingId: string; format: string; tool: string }>;
}

export interface ReasonCount {
  reason: string;
  count: number;
}

export interface TuningRow {
  /** The catalog rule id, or the source's check id when the finding maps to no rule. */
  rule: string;
  /** A catalog rule (only those can be demoted). */
  catalog: boolean;
  seen: number;
  outcomes: Record<Outcome, number>;
  /** Findings with any outcome in the period. */
  decided: number;
  /** Findings confirmed a false positive or whose PR was closed unmerged (each once). */
  rejected: number;
  /** rejected / decided; 0 without decisions. */
  share: number;
  /** The reasons given for the false positives and the closed PRs, most given first (at most 3). */
  reasons: ReasonCount[];
}

export interface SourceRow {
  format: string;
  tool: string;
  seen: number;
  outcomes: Record<Outcome, number>;
}

export interface Tuning {
  rules: TuningRow[];
  sources: SourceRow[];
}

const ruleOf = (r: { ruleCatalogId: string | null; ruleNativeId: string }) =>
  r.ruleCatalogId ?? r.ruleNativeId;

/** Each finding's outcomes in the period, and the reasons given for its rejections. */
function outcomesByFinding(facts: TuningFacts) {
  const outcomes = new Map<string, Set<Outcome>>();
  const reasons = new Map<string, string[]>();
  const add = (id: string, o: Outcome) => outcomes.set(id, (outcomes.get(id) ?? new Set()).add(o));
  const reported = new Map<string, string>();
  for (const e of facts.events) {
    if (e.to === "resolved" && e.from === "verifying") add(e.findingId, "fixed");
    else if (e.to === "false_positive_pending") reported.set(e.findingId, e.reason);
    else if (e.to === "suppressed" && e.from === "false_positive_pending") {
      add(e.findingId, "false_positive");
      // The reporter's reason says why it is a false positive; the confirmation's, when there is none.
      reasons.set(e.findingId, [...(reasons.get(e.findingId) ?? []), reported.get(e.findingId) ?? e.reason]);
    } else if (e.to === "closed_unmerged") {
      add(e.findingId, "closed_unmerged");
      reasons.set(e.findingId, [...(reasons.get(e.findingId) ?? []), e.reason]);
    }
  }
  for (const g of facts.grants) add(g.findingId, g.kind === "snooze" ? "snoozed" : "accepted");
  return { outcomes, reasons };
}

const zero = (): Record<Outcome, number> => ({
  fixed: 0,
  false_positive: 0,
  accepted: 0,
  snoozed: 0,
  closed_unmerged: 0,
});

/** The rule of every finding the decisions mention, in the order the reasons are listed in: those
 *  with a source by id, then the others as the events and grants first mention them. */
function rulesOfDecided(facts: TuningFacts): Map<string, { rule: string; catalog: boolean }> {
  const all = new Map<string, { rule: string; catalog: boolean }>();
  for (const r of [...facts.events, ...facts.grants])
    all.set(r.findingId, { rule: ruleOf(r), catalog: r.ruleCatalogId !== null });
  const withSource = [...new Set(facts.decidedSources.map((s) => s.findingId))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const out = new Map<string, { rule: string; catalog: boolean }>();
  for (const id of withSource) {
    const rule = all.get(id);
    if (rule) out.set(id, rule);
  }
  for (const [id, rule] of all) if (!out.has(id)) out.set(id, rule);
  return out;
}

type RuleTally = TuningRow & { reasonTexts: string[] };

/** Per rule and per source, from a period's facts. Rules sorted by rejections, then share, then id. */
export function aggregateTuning(facts: TuningFacts): Tuning {
  const { outcomes, reasons } = outcomesByFinding(facts);
  const rules = new Map<string, RuleTally>();
  const rowOf = (rule: string, catalog: boolean): RuleTally => {
    let row = rules.get(rule);
    if (!row) {
      row = {
        rule,
        catalog,
        seen: 0,
        outcomes: zero(),
        decided: 0,
        rejected: 0,
        share: 0,
        reasons: [],
        reasonTexts: [],
      };
      rules.set(rule, row);
    }
    return row;
  };
  for (const g of facts.seen) rowOf(ruleOf(g), g.ruleCatalogId !== null).seen += g.firsts;
  for (const [id, { rule, catalog }] of rulesOfDecided(facts)) {
    const row = rowOf(rule, catalog);
    const mine = outcomes.get(id) ?? new Set<Outcome>();
    for (const o of mine) row.outcomes[o]++;
    if (mine.size > 0) row.decided++;
    if (mine.has("false_positive") || mine.has("closed_unmerged")) row.rejected++;
    row.reasonTexts.push(...(reasons.get(id) ?? []));
  }
  const ruleRows = [...rules.values()].map(({ reasonTexts, ...row }) => ({
    ...row,
    share: row.decided === 0 ? 0 : row.rejected / row.decided,
    reasons: topReasons(reasonTexts, 3),
  }));
  ruleRows.sort((a, b) => b.rejected - a.rejected || b.share - a.share || a.rule.localeCompare(b.rule));
  return { rules: ruleRows, sources: perSource(facts, outcomes) };
}

function perSource(facts: TuningFacts, outcomes: ReadonlyMap<string, ReadonlySet<Outcome>>): SourceRow[] {
  const rows = new Map<string, SourceRow>();
  const rowOf = (format: string, tool: string) => {
    const key = `${format}\n${tool}`;
    const row = rows.get(key) ?? { format, tool, seen: 0, outcomes: zero() };
    rows.set(key, row);
    return row;
  };
  for (const g of facts.seen) rowOf(g.format, g.tool).seen += g.findings;
  for (const s of facts.decidedSources)
    for (const o of outcomes.get(s.findingId) ?? []) rowOf(s.format, s.tool).outcomes[o]++;
  return [...rows.values()].sort((a, b) => a.format.localeCompare(b.format) || a.tool.localeCompare(b.tool));
}

const URL_TEXT = /https?:\/\/\S+/g;
const MAX_REASON = 160;

/** What makes two reasons "the same": case, spacing, links and closing punctuation aside. */
export function reasonKey(reason: string): string {
  let key = reason.replace(URL_TEXT, "<link>").toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  while (key.length > 0 && ".!;:,".includes(key.at(-1) as string)) key = key.slice(0, -1);
  return key;
}

/** How a group of reasons is shown: its first wording, links replaced, on one line, bounded. */
function shown(reason: string): string {
  const line = reason.replace(URL_TEXT, "<link>").split(/\s+/).filter(Boolean).join(" ");
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

/** The most given reasons, similar ones grouped; ties keep the order they were first given in. */
export function topReasons(reasons: readonly string[], n: number): ReasonCount[] {
  const groups = new Map<string, ReasonCount>();
  for (const r of reasons) {
    const key = reasonKey(r);
    if (!key) continue;
    const g = groups.get(key) ?? { reason: shown(r), count: 0 };
    g.count++;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, n);
}

export interface DemotePolicy {
  threshold: number;
  minFindings: number;
  rules: readonly string[];
}

/** Catalog rules over the line — rejected share above the threshold with at least minFindings
 *  decided — that the configuration does not demote yet. A person decides; nothing is automatic. */
export function rulesCrossingLine(rows: readonly TuningRow[], policy: DemotePolicy): TuningRow[] {
  return rows.filter(
    (r) =>
      r.catalog &&
      r.decided >= policy.minFindings &&
      r.share > policy.threshold &&
      !policy.rules.includes(r.rule),
  );
}

/** The `rules.demote.rules` line that demotes them too (the configured ones kept, in order). */
export function demoteSuggestion(policy: DemotePolicy, crossing: readonly TuningRow[]): string {
  const ids = [...policy.rules, ...crossing.map((r) => r.rule)];
  return `rules.demote.rules: [${ids.join(", ")}]`;
}

/** The period's tuning, read from the store (the reads are in src/store/tuning.ts). */
export async function readTuning(db: Db, scope: TuningScope): Promise<Tuning> {
  const [events, grants, seen] = [
    await decisionEvents(db, scope),
    await grantsBetween(db, scope),
    await seenGroups(db, scope),
  ];
  const decided = [...new Set([...events, ...grants].map((r) => r.findingId))];
  return aggregateTuning({ events, grants, seen, decidedSources: await sourcesOfFindings(db, decided) });
}
