// The tuning families of /metrics: per rule and per source, how many findings were seen and what
// people decided about them (src/report/tuning.ts), over all time, so the counters only grow.
//
// Label cardinality is bounded, since rule ids and tool names come from the sources: every catalog
// rule keeps its own series (the catalog is a fixed list), the source check ids of findings that
// map to no rule keep theirs only for the MAX_UNMAPPED_RULES most seen (the rest add up under
// rule="other"); formats are fixloop's parsers (a fixed list) and each keeps its own series only
// for the MAX_TOOLS most seen tools (the rest add up under tool="other"). Values are escaped by
// the renderer (src/metrics/prometheus.ts).

import { OUTCOMES, type Outcome, type SourceRow, type Tuning, type TuningRow } from "../report/tuning.ts";
import type { MetricFamily, Sample } from "./metrics.ts";

export const MAX_UNMAPPED_RULES = 20;
export const MAX_TOOLS = 20;
/** The label value the series beyond the caps add up under. */
export const OTHER = "other";

interface Counts {
  seen: number;
  outcomes: Record<Outcome, number>;
  decided: number;
  rejected: number;
}

const mostSeen = <T extends { seen: number }>(rows: readonly T[], key: (r: T) => string) =>
  [...rows].sort((a, b) => b.seen - a.seen || key(a).localeCompare(key(b)));

function addInto(into: Counts | undefined, row: Counts): Counts {
  const out: Counts = into ?? {
    seen: 0,
    outcomes: { fixed: 0, false_positive: 0, accepted: 0, snoozed: 0, closed_unmerged: 0 },
    decided: 0,
    rejected: 0,
  };
  out.seen += row.seen;
  out.decided += row.decided;
  out.rejected += row.rejected;
  for (const o of OUTCOMES) out.outcomes[o] += row.outcomes[o];
  return out;
}

/** Rule label → counts: catalog rules, the most seen unmapped ids, the rest as "other". */
export function boundedRules(rows: readonly TuningRow[]): Map<string, Counts> {
  const kept = new Set(
    mostSeen(
      rows.filter((r) => !r.catalog),
      (r) => r.rule,
    )
      .slice(0, MAX_UNMAPPED_RULES)
      .map((r) => r.rule),
  );
  const out = new Map<string, Counts>();
  for (const r of rows) {
    const label = r.catalog || kept.has(r.rule) ? r.rule : OTHER;
    out.set(label, addInto(out.get(label), r));
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** `format\ntool` → counts: the most seen tools, the rest as tool "other" of their format. */
export function boundedSources(rows: readonly SourceRow[]): Map<string, Counts> {
  const key = (r: SourceRow) => `${r.format}\n${r.tool}`;
  const kept = new Set(mostSeen(rows, key).slice(0, MAX_TOOLS).map(key));
  const out = new Map<string, Counts>();
  for (const r of rows) {
    const label = kept.has(key(r)) ? key(r) : `${r.format}\n${OTHER}`;
    out.set(label, addInto(out.get(label), { ...r, decided: 0, rejected: 0 }));
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

function sourceLabels(key: string) {
  const [format, tool] = key.split("\n") as [string, string];
  return { format, tool };
}

const perOutcome = (
  entries: Map<string, Counts>,
  labels: (key: string) => Record<string, string>,
): Sample[] =>
  [...entries].flatMap(([key, c]) =>
    OUTCOMES.map((outcome) => ({ labels: { ...labels(key), outcome }, value: c.outcomes[outcome] })),
  );

export function tuningFamilies(tuning: Tuning): MetricFamily[] {
  const rules = boundedRules(tuning.rules);
  const sources = boundedSources(tuning.sources);
  return [
    {
      name: "fixloop_rule_findings_seen_total",
      help: "Findings seen, per rule (catalog id, or the source's check id when unmapped; the least seen unmapped ids add up under other).",
      type: "counter",
      samples: [...rules].map(([rule, c]) => ({ labels: { rule }, value: c.seen })),
    },
    {
      name: "fixloop_rule_decisions_total",
      help: "Findings per rule and outcome, each once per outcome: fixed (resolved after its PR merged and verified), false_positive (confirmed), accepted (exception), snoozed, closed_unmerged (its PR closed without merge).",
      type: "counter",
      samples: perOutcome(rules, (rule) => ({ rule })),
    },
    {
      name: "fixloop_rule_rejected_share",
      help: "Per rule, findings confirmed false positive or whose PR was closed unmerged, over findings with any decision (the share rules.demote.threshold is compared with).",
      type: "gauge",
      samples: [...rules].map(([rule, c]) => ({
        labels: { rule },
        value: c.decided === 0 ? 0 : c.rejected / c.decided,
      })),
    },
    {
      name: "fixloop_source_findings_seen_total",
      help: "Findings seen, per source format and tool (the least seen tools add up under other).",
      type: "counter",
      samples: [...sources].map(([key, c]) => ({ labels: sourceLabels(key), value: c.seen })),
    },
    {
      name: "fixloop_source_decisions_total",
      help: "Findings per source format, tool and outcome, each once per outcome (as fixloop_rule_decisions_total).",
      type: "counter",
      samples: perOutcome(sources, sourceLabels),
    },
  ];
}
