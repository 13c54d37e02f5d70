// Learning from decisions: per rule and per source, what people did with the findings of a period
// — fixed (resolved after a fixloop PR was merged and verified), confirmed a false positive,
// accepted (an exception), snoozed, closed the PR unmerged — and which rules cross the
// organization's demotion line (`rules.demote`). Pure: the rows come from src/store/tuning.ts.
// Each finding counts once per outcome in the period, however many times it went through it.

import type { Db } from "../store/store.ts";
import {
  type DecisionEventRow,
  decisionEvents,
  type GrantRow,
  grantsBetween,
  type SourceSightingRow,
  sourcesInScope,
  type TuningScope,
} from "../store/tuning.ts";

export const OUTCOMES = ["fixed", "false_positive", "accepted", "snoozed", "closed_unmerged"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What the store says about a period. */
export interface TuningFacts {
  events: readonly DecisionEventRow[];
  grants: readonly GrantRow[];
  sources: readonly SourceSightingRow[];
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

/** The rule of every finding the facts mention. */
function rulesOfFindings(facts: TuningFacts): Map<string, { rule: string; catalog: boolean }> {
  const out = new Map<string, { rule: string; catalog: boolean }>();
  for (const r of [...facts.sources, ...facts.events, ...facts.grants])
    out.set(r.findingId, { rule: ruleOf(r), catalog: r.ruleCatalogId !== null });
  return out;
}

/** Per rule and per source, from a period's facts. Rules sorted by rejections, then share, then id. */
export function aggregateTuning(facts: TuningFacts): Tuning {
  const { outcomes, reasons } = outcomesByFinding(facts);
  const ruleOfFinding = rulesOfFindings(facts);
  const seenFindings = new Set(facts.sources.map((s) => s.findingId));
  const rules = new Map<string, TuningRow & { reasonTexts: string[] }>();
  for (const [id, { rule, catalog }] of ruleOfFinding) {
    const row = rules.get(rule) ?? {
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
    const mine = outcomes.get(id) ?? new Set<Outcome>();
    if (seenFindings.has(id)) row.seen++;
    for (const o of mine) row.outcomes[o]++;
    if (mine.size > 0) row.decided++;
    if (mine.has("false_positive") || mine.has("closed_unmerged")) row.rejected++;
    row.reasonTexts.push(...(reasons.get(id) ?? []));
    rules.set(rule, row);
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
  const counted = new Set<string>();
  for (const s of facts.sources) {
    const key = `${s.format}\n${s.tool}`;
    // One finding reported twice by the same tool (two source records) is still one finding.
    if (counted.has(`${key}\n${s.findingId}`)) continue;
    counted.add(`${key}\n${s.findingId}`);
    const row = rows.get(key) ?? { format: s.format, tool: s.tool, seen: 0, outcomes: zero() };
    row.seen++;
    for (const o of outcomes.get(s.findingId) ?? []) row.outcomes[o]++;
    rows.set(key, row);
  }
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
  const [events, grants, sources] = [
    await decisionEvents(db, scope),
    await grantsBetween(db, scope),
    await sourcesInScope(db, scope),
  ];
  return aggregateTuning({ events, grants, sources });
}
