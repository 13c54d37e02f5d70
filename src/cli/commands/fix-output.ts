// Output and write-out for `fixloop fix`, shared by the scan-driven and the --findings modes.

import { unifiedDiff } from "../../hcl/unified-diff.ts";
import { candidateJson, type FindingFixResult } from "../../ingest/fix-findings.ts";
import { renderTemplate } from "../../report/template.ts";
import type { FixOutcome } from "../../rules/fix.ts";
import type { Detection } from "../../rules/types.ts";
import { disruptionSentence } from "../../triage/gate.ts";
import { prepareBranch } from "../git.ts";
import { CliError } from "../io.ts";
import { type Checkout, WriteRefused, writeInside, writeRefusal } from "../safe-write.ts";
import { blockSafe, terminalSafe } from "../text.ts";

/**
 * Writes the patched files (unless a dry run) and commits them on `branch` when asked. Every target
 * is checked before anything is written (the fix engine already refused links and foreign bytes;
 * this catches what changed on disk since), and written without following links.
 */
export async function writeAndCommit(
  checkout: Checkout,
  files: Map<string, { before: string; after: string }>,
  outcomes: FixOutcome[],
  dryRun: boolean,
  branchName: string | undefined,
): Promise<{ branch?: string; commit?: string }> {
  const changed = [...files.keys()].sort();
  if (dryRun || changed.length === 0) return {};
  for (const path of changed) {
    const refusal = await writeRefusal(checkout, path);
    if (refusal) throw new CliError(`nothing written: ${refusal}`);
  }
  const branch = branchName ? await prepareBranch(checkout.realRoot, branchName, changed) : undefined;
  const written: string[] = [];
  for (const path of changed) {
    try {
      await writeInside(checkout, path, files.get(path)!.after);
    } catch (e) {
      if (!(e instanceof WriteRefused)) throw e;
      const done = written.length ? `only ${written.join(", ")} written` : "nothing written";
      throw new CliError(`${done}: ${e.message}`);
    }
    written.push(path);
  }
  if (!branch) return {};
  return { branch: branchName, commit: await branch.commit(changed, commitMessage(outcomes)) };
}

export function findingResultJson(r: FindingFixResult) {
  const f = r.triaged.finding;
  const loc = r.location;
  return {
    findingId: f.source.findingId,
    source: f.source.tool,
    ruleId: f.rule.catalogId,
    nativeRuleId: f.rule.nativeId,
    resource: { address: loc.kind === "located" ? candidateJson(loc.candidate).address : undefined },
    file: loc.kind === "located" ? candidateJson(loc.candidate).file : undefined,
    status: r.status,
    reason: r.reason,
    impact: r.impact,
    // Shown like every output of repository text: a diff with <U+202E> in it no longer applies
    // byte for byte, but it can no longer read differently from what it changes either.
    diff: blockSafe(r.moduleDiff ?? r.outcomes.flatMap((o) => o.changes.map((c) => c.diff)).join("")),
    located:
      loc.kind === "located"
        ? { kind: loc.kind, candidates: [loc.candidate, ...loc.alternatives].map(candidateJson) }
        : loc.kind === "ambiguous"
          ? { kind: loc.kind, reason: loc.reason, candidates: loc.candidates.map(candidateJson) }
          : { kind: loc.kind, reason: loc.reason, candidates: [] },
    risk: r.triaged.risk,
    gate: r.triaged.gate,
    dedupeKey: r.triaged.dedupeKey,
  };
}

export function findingsFixText(
  results: FindingFixResult[],
  files: Map<string, { before: string; after: string }>,
  dryRun: boolean,
  branch: string | undefined,
  commit: string | undefined,
): string {
  if (results.length === 0) return "No findings in the given files.\n";
  const lines: string[] = [];
  for (const r of results) {
    const f = r.triaged.finding;
    const where =
      r.location.kind === "located"
        ? ` → ${candidateJson(r.location.candidate).address} (${r.location.candidate.evidence})`
        : "";
    lines.push(
      terminalSafe(
        `${r.status.padEnd(7)} ${f.source.tool} ${f.source.findingId} [${r.triaged.risk.tier} ${r.triaged.risk.score}]${where}`,
      ),
    );
    lines.push(terminalSafe(`    ${shownReason(r.reason, r.impact)}`));
    lines.push(...impactLines(r.impact));
  }
  const diffs = [...files]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, f]) => blockSafe(unifiedDiff(p, f.before, f.after)));
  if (diffs.length) lines.push("", diffs.join("").trimEnd());
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const written =
    files.size === 0
      ? "No file changed."
      : dryRun
        ? "Dry run: nothing written."
        : `Wrote ${files.size} file${files.size === 1 ? "" : "s"}.`;
  const committed = branch && commit ? ` Committed ${commit} on branch ${terminalSafe(branch)}.` : "";
  lines.push(
    "",
    `${count("fixed")} fixed, ${count("skipped")} skipped, ${count("refused")} refused${count("suppressed") ? `, ${count("suppressed")} suppressed in code` : ""}. ${written}${committed}`,
  );
  return `${lines.join("\n")}\n`;
}

export function fixText(
  outcomes: FixOutcome[],
  files: Map<string, { before: string; after: string }>,
  dryRun: boolean,
  branch: string | undefined,
  commit: string | undefined,
  suppressed: ReadonlyArray<{ detection: Detection; reason: string }> = [],
): string {
  if (outcomes.length === 0 && suppressed.length === 0)
    return "Nothing to fix: the scan found no findings.\n";
  const lines: string[] = [];
  const listed = [
    ...outcomes.map((o) => ({
      status: o.status as string,
      detection: o.detection,
      reason: o.reason,
      impact: o.impact,
    })),
    ...suppressed.map((x) => ({ status: "suppressed", ...x, impact: [] as string[] })),
  ];
  for (const o of listed) {
    const d = o.detection;
    lines.push(
      terminalSafe(
        `${o.status.padEnd(7)} ${d.ruleId}  ${d.resource.address} (${d.resource.file}:${d.line}): ${shownReason(o.reason, o.impact)}`,
      ),
    );
    lines.push(...impactLines(o.impact));
  }
  const diffs = [...files]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, f]) => blockSafe(unifiedDiff(p, f.before, f.after)));
  if (diffs.length) lines.push("", diffs.join("").trimEnd());
  const count = (s: string) => outcomes.filter((o) => o.status === s).length;
  const held = suppressed.length > 0 ? `, ${suppressed.length} suppressed in code` : "";
  const tally = `${count("fixed")} fixed, ${count("skipped")} skipped, ${count("refused")} refused${held}.`;
  const written =
    files.size === 0
      ? "No file changed."
      : dryRun
        ? "Dry run: nothing written."
        : `Wrote ${files.size} file${files.size === 1 ? "" : "s"}.`;
  const committed = branch && commit ? ` Committed ${commit} on branch ${terminalSafe(branch)}.` : "";
  lines.push("", `${tally} ${written}${committed}`);
  return `${lines.join("\n")}\n`;
}

/** Conventional commit: `fix(security): …` with one line per fixed finding (templates/commit-message.md). */
export function commitMessage(outcomes: FixOutcome[]): string {
  const fixed = outcomes.filter((o) => o.status === "fixed");
  const ruleIds = [...new Set(fixed.map((o) => o.detection.ruleId))];
  const subject =
    ruleIds.length === 1
      ? `fix(security): ${ruleIds[0]} on ${fixed.length} resource${fixed.length === 1 ? "" : "s"}`
      : `fix(security): remediate ${fixed.length} findings (${ruleIds.length} rules)`;
  // One line per fix: a line break or control character in an address or file name (repository
  // content) could otherwise forge lines of the commit message, trailers included.
  const fixes = fixed.map((o) => ({
    ruleId: o.detection.ruleId,
    address: terminalSafe(o.detection.resource.address),
    file: terminalSafe(o.detection.resource.file),
    summary: terminalSafe(o.reason),
  }));
  const impacts = impactByRule(fixed).map(({ ruleId, addresses, note }) => ({
    ruleId,
    addresses: terminalSafe(addresses.join(", ")),
    note: terminalSafe(note),
  }));
  return renderTemplate("commit-message.md", {
    subject,
    fixes,
    impactSection: impacts.length ? [{ impacts }] : [],
  });
}

/** Each fixed rule's impact notes once, with the resources it changed. */
function impactByRule(fixed: FixOutcome[]): Array<{ ruleId: string; addresses: string[]; note: string }> {
  const byRule = new Map<string, { addresses: string[]; notes: string[] }>();
  for (const o of fixed) {
    const entry = byRule.get(o.detection.ruleId) ?? { addresses: [], notes: o.impact };
    if (!entry.addresses.includes(o.detection.resource.address))
      entry.addresses.push(o.detection.resource.address);
    byRule.set(o.detection.ruleId, entry);
  }
  return [...byRule].flatMap(([ruleId, { addresses, notes }]) =>
    notes.map((note) => ({ ruleId, addresses, note })),
  );
}

/** The impact notes under a finding's line in text output. */
/**
 * The reason as the text output shows it above its impact lines: a disruptive skip's reason starts
 * with the first sentence of the first impact note (JSON and the app's gate keep it whole), which
 * the first `impact:` line right below says in full — shown once, there.
 */
function shownReason(reason: string, impact: readonly string[]): string {
  const sentence = disruptionSentence(impact);
  if (impact.length === 0 || !reason.includes(`${sentence};`)) return reason;
  return reason.replace(`${sentence};`, "disruptive (impact below);");
}

function impactLines(notes: readonly string[]): string[] {
  return notes.map((n) => terminalSafe(`    impact: ${n}`));
}
