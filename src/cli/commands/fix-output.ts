// Output and write-out for `fixloop fix`, shared by the scan-driven and the --findings modes.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { unifiedDiff } from "../../hcl/unified-diff.ts";
import { candidateJson, type FindingFixResult } from "../../ingest/fix-findings.ts";
import { renderTemplate } from "../../report/template.ts";
import type { FixOutcome } from "../../rules/fix.ts";
import { prepareBranch } from "../git.ts";

/** Writes the patched files (unless a dry run) and commits them on `branch` when asked. */
export async function writeAndCommit(
  root: string,
  files: Map<string, { before: string; after: string }>,
  outcomes: FixOutcome[],
  dryRun: boolean,
  branchName: string | undefined,
): Promise<{ branch?: string; commit?: string }> {
  const changed = [...files.keys()].sort();
  if (dryRun || changed.length === 0) return {};
  const branch = branchName ? await prepareBranch(root, branchName, changed) : undefined;
  for (const path of changed) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, files.get(path)!.after);
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
    diff: r.moduleDiff ?? r.outcomes.flatMap((o) => o.changes.map((c) => c.diff)).join(""),
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
      `${r.status.padEnd(7)} ${f.source.tool} ${f.source.findingId} [${r.triaged.risk.tier} ${r.triaged.risk.score}]${where}`,
    );
    lines.push(`    ${r.reason}`);
  }
  const diffs = [...files]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, f]) => unifiedDiff(p, f.before, f.after));
  if (diffs.length) lines.push("", diffs.join("").trimEnd());
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const written =
    files.size === 0
      ? "No file changed."
      : dryRun
        ? "Dry run: nothing written."
        : `Wrote ${files.size} file${files.size === 1 ? "" : "s"}.`;
  const committed = branch && commit ? ` Committed ${commit} on branch ${branch}.` : "";
  lines.push(
    "",
    `${count("fixed")} fixed, ${count("skipped")} skipped, ${count("refused")} refused. ${written}${committed}`,
  );
  return `${lines.join("\n")}\n`;
}

export function fixText(
  outcomes: FixOutcome[],
  files: Map<string, { before: string; after: string }>,
  dryRun: boolean,
  branch: string | undefined,
  commit: string | undefined,
): string {
  if (outcomes.length === 0) return "Nothing to fix: the scan found no findings.\n";
  const lines: string[] = [];
  for (const o of outcomes) {
    const d = o.detection;
    lines.push(
      `${o.status.padEnd(7)} ${d.ruleId}  ${d.resource.address} (${d.resource.file}:${d.line}): ${o.reason}`,
    );
  }
  const diffs = [...files]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, f]) => unifiedDiff(p, f.before, f.after));
  if (diffs.length) lines.push("", diffs.join("").trimEnd());
  const count = (s: string) => outcomes.filter((o) => o.status === s).length;
  const tally = `${count("fixed")} fixed, ${count("skipped")} skipped, ${count("refused")} refused.`;
  const written =
    files.size === 0
      ? "No file changed."
      : dryRun
        ? "Dry run: nothing written."
        : `Wrote ${files.size} file${files.size === 1 ? "" : "s"}.`;
  const committed = branch && commit ? ` Committed ${commit} on branch ${branch}.` : "";
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
  const fixes = fixed.map((o) => ({
    ruleId: o.detection.ruleId,
    address: o.detection.resource.address,
    file: o.detection.resource.file,
    summary: o.reason,
  }));
  return renderTemplate("commit-message.md", { subject, fixes });
}
