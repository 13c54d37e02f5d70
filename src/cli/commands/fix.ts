import { toTriageConfig } from "../../config/repo-config.ts";
import { fixFindings } from "../../ingest/fix-findings.ts";
import { fixDetections } from "../../rules/fix.ts";
import { RULES } from "../../rules/registry.ts";
import { scanIndex } from "../../rules/scan.ts";
import { loadTriageConfig, readFindings } from "../findings-input.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs, selectRules } from "../options.ts";
import { FIX } from "../spec.ts";
import { loadTree } from "../tree.ts";
import { findingResultJson, findingsFixText, fixText, writeAndCommit } from "./fix-output.ts";
import { type OpenPrDeps, openPullRequests, prepareOpenPr, requireToken } from "./open-pr.ts";

export async function fixCommand(args: string[], io: CliIo, deps: OpenPrDeps = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(FIX, args);
  const format = oneOf(values.format, ["text", "json"] as const, "--format", "text");
  const dryRun = values["dry-run"] === true;
  const selected = selectRules(values.rule);
  const openPr = values["open-pr"] === true;
  if (openPr) {
    if (!values.findings)
      throw new CliError("--open-pr needs --findings: it opens one pull request per finding");
    if (dryRun || values.branch)
      throw new CliError("--open-pr does not combine with --dry-run or --branch: it changes nothing locally");
  } else if (values.base) throw new CliError("--base only applies with --open-pr");
  const token = openPr ? requireToken(io) : undefined;
  const { root, sources, index } = await loadTree(positionals[0], io, "fix");

  if (values.findings) {
    if (values.rule)
      throw new CliError("--rule and --findings do not combine: the findings name their rules");
    // With --open-pr, the repository's fixloop.yml sets the triage (as in the app) unless a file is given.
    const setup = token ? await prepareOpenPr(root, token, io, deps) : undefined;
    const config =
      setup && !values["triage-config"]
        ? toTriageConfig(setup.config)
        : await loadTriageConfig(values["triage-config"], io);
    const input = await readFindings(values.findings, values["findings-format"], io, config);
    if (input.unreadable.length === values.findings.length) return 2;
    for (const r of input.rejected)
      io.stderr.write(`rejected ${r.file} record ${r.index} at ${r.path}: ${r.reason}\n`);
    if (setup) return openPullRequests(setup, { sources, index }, input, { format, base: values.base }, io);
    const { results, files } = await fixFindings(sources, index, input.triaged);
    const outcomes = results.flatMap((r) => r.outcomes);
    const written = await writeAndCommit(root, files, outcomes, dryRun, values.branch);
    if (format === "json") {
      io.stdout.write(
        `${JSON.stringify({ results: results.map(findingResultJson), rejected: input.rejected, dryRun, filesChanged: [...files.keys()].sort(), ...written }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(findingsFixText(results, files, dryRun, values.branch, written.commit));
    }
    return results.every((r) => r.status === "fixed") && input.rejected.length === 0 ? 0 : 1;
  }

  const detections = scanIndex(index, selected);
  const run = await fixDetections(sources, detections, RULES, index);
  const changed = [...run.files.keys()].sort();

  const { commit } = await writeAndCommit(root, run.files, run.outcomes, dryRun, values.branch);

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
