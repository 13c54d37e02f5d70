import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { unifiedDiff } from "../../hcl/unified-diff.ts";
import { renderTemplate } from "../../report/template.ts";
import { type FixOutcome, fixDetections } from "../../rules/fix.ts";
import { RULES } from "../../rules/registry.ts";
import { scanIndex } from "../../rules/scan.ts";
import { prepareBranch } from "../git.ts";
import type { CliIo } from "../io.ts";
import { oneOf, selectRules } from "../options.ts";
import { loadTree } from "../tree.ts";

export async function fixCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      rule: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      branch: { type: "string" },
    },
  });
  const format = oneOf(values.format, ["text", "json"] as const, "--format", "text");
  const dryRun = values["dry-run"] === true;
  const selected = selectRules(values.rule);
  const { root, sources, index } = await loadTree(positionals[0], io, "fix");

  const detections = scanIndex(index, selected);
  const run = await fixDetections(sources, detections, RULES, index);
  const changed = [...run.files.keys()].sort();

  let commit: string | undefined;
  if (!dryRun && changed.length > 0) {
    const branch = values.branch ? await prepareBranch(root, values.branch, changed) : undefined;
    for (const path of changed) {
      const target = join(root, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, run.files.get(path)!.after);
    }
    if (branch) commit = await branch.commit(changed, commitMessage(run.outcomes));
  }

  if (format === "json") {
    const results = run.outcomes.map((o) => ({
      ruleId: o.detection.ruleId,
      resource: { address: o.detection.resource.address },
      file: o.detection.resource.file,
      line: o.detection.line,
      status: o.status,
      reason: o.reason,
      diff: o.changes.map((c) => c.diff).join(""),
    }));
    const summary = {
      dryRun,
      filesChanged: changed,
      ...(values.branch && commit ? { branch: values.branch, commit } : {}),
    };
    io.stdout.write(`${JSON.stringify({ results, ...summary }, null, 2)}\n`);
  } else {
    io.stdout.write(fixText(run.outcomes, run.files, dryRun, values.branch, commit));
  }
  return run.outcomes.every((o) => o.status === "fixed") ? 0 : 1;
}

function fixText(
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
