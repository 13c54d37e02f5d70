// `fixloop report tuning` as a person reads it (text) or a script does (JSON): the rules with the
// most false positives and rejected PRs with the reasons people gave, the counts per rule and per
// source, and the rules over the organization's `rules.demote` line with the line to add. Pure.
// Rule ids, tools and reasons come from sources and people: the CLI's output filter makes them
// safe for a terminal; here they are only kept on one line.

import {
  type DemotePolicy,
  demoteSuggestion,
  OUTCOMES,
  rulesCrossingLine,
  type SourceRow,
  type Tuning,
  type TuningRow,
} from "./tuning.ts";

/** How many rules the "most rejected" list shows. */
export const MOST_REJECTED = 10;

export interface TuningReport {
  since: string;
  until: string;
  org: string | null;
  demote: DemotePolicy;
  rules: TuningRow[];
  sources: SourceRow[];
  /** Catalog rules over the line and not demoted yet. */
  crossing: Array<{ rule: string; share: number; rejected: number; decided: number }>;
  /** The `rules.demote.rules` line that would demote them; null when none crosses. */
  suggestion: string | null;
}

export function tuningReport(
  tuning: Tuning,
  scope: { since: number; until: number; org?: string },
  demote: DemotePolicy,
): TuningReport {
  const crossing = rulesCrossingLine(tuning.rules, demote);
  return {
    since: new Date(scope.since).toISOString(),
    until: new Date(scope.until).toISOString(),
    org: scope.org ?? null,
    demote: { threshold: demote.threshold, minFindings: demote.minFindings, rules: [...demote.rules] },
    rules: tuning.rules,
    sources: tuning.sources,
    crossing: crossing.map(({ rule, share, rejected, decided }) => ({ rule, share, rejected, decided })),
    suggestion: crossing.length > 0 ? demoteSuggestion(demote, crossing) : null,
  };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const oneLine = (text: string) => text.split(/\s+/).filter(Boolean).join(" ");

/** Rows of cells as aligned columns, two spaces apart, no trailing spaces. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

const HEADERS = ["SEEN", "FIXED", "FALSE POSITIVE", "ACCEPTED", "SNOOZED", "CLOSED UNMERGED"];
const counts = (r: { seen: number; outcomes: TuningRow["outcomes"] }) => [
  String(r.seen),
  ...OUTCOMES.map((o) => String(r.outcomes[o])),
];

function mostRejected(rules: readonly TuningRow[]): string[] {
  const top = rules.filter((r) => r.rejected > 0).slice(0, MOST_REJECTED);
  if (top.length === 0)
    return ["  none: no finding was confirmed a false positive or had its PR closed unmerged"];
  return top.flatMap((r) => [
    `  ${oneLine(r.rule)}: ${r.rejected} of ${r.decided} decided (${percent(r.share)}): ${plural(r.outcomes.false_positive, "false positive", "false positives")}, ${r.outcomes.closed_unmerged} closed unmerged`,
    ...r.reasons.map((x) => `    ${x.count}× "${x.reason}"`),
  ]);
}

function demotion(report: TuningReport): string[] {
  const { threshold, minFindings } = report.demote;
  const line = `more than ${percent(threshold)} of decided findings false positive or closed unmerged, with at least ${minFindings} decided`;
  if (report.crossing.length === 0)
    return [`No rule crosses the demotion line (${line}) without being demoted.`];
  return [
    `Over the demotion line (${line}), not demoted yet:`,
    ...report.crossing.map((c) => `  ${c.rule}: ${c.rejected} of ${c.decided} (${percent(c.share)})`),
    "To record their findings without a PR (a person decides; nothing is demoted automatically),",
    "set in the organization's .github/fixloop.yml:",
    `  ${report.suggestion}`,
  ];
}

export function renderTuningText(report: TuningReport): string {
  const scope = report.org ? `, organization ${report.org}` : "";
  const ruleTable = report.rules.map((r) => [oneLine(r.rule), ...counts(r), percent(r.share)]);
  const sourceTable = report.sources.map((s) => [oneLine(s.format), oneLine(s.tool), ...counts(s)]);
  const lines = [
    `Tuning from ${report.since} to ${report.until}${scope}`,
    "",
    "Rules with the most false positives and rejected PRs:",
    ...mostRejected(report.rules),
    "",
    "Per rule:",
    ...(ruleTable.length === 0
      ? ["  no finding in the period"]
      : columns([["RULE", ...HEADERS, "REJECTED"], ...ruleTable]).map((l) => `  ${l}`)),
    "",
    "Per source:",
    ...(sourceTable.length === 0
      ? ["  no finding in the period"]
      : columns([["FORMAT", "TOOL", ...HEADERS], ...sourceTable]).map((l) => `  ${l}`)),
    "",
    ...demotion(report),
  ];
  return `${lines.join("\n")}\n`;
}

export function renderTuningJson(report: TuningReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
