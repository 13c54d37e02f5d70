import { parseArgs } from "node:util";
import { toTriageConfig } from "../../config/repo-config.ts";
import { fixFindings } from "../../ingest/fix-findings.ts";
import { fixDetections } from "../../rules/fix.ts";
import { configuredRules } from "../../rules/registry.ts";
import { scanIndex } from "../../rules/scan.ts";
import { loadTriageConfig, readFindings } from "../findings-input.ts";
import { checkBranchName } from "../git.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, ruleOptionFlags, selectRules } from "../options.ts";
import { blockSafe, terminalSafe } from "../text.ts";
import { loadTree, problemJson } from "../tree.ts";
import { findingResultJson, findingsFixText, fixText, writeAndCommit } from "./fix-output.ts";
import { type OpenPrDeps, openPullRequests, prepareOpenPr, requireToken } from "./open-pr.ts";

export async function fixCommand(args: string[], io: CliIo, deps: OpenPrDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      rule: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      branch: { type: "string" },
      findings: { type: "string", multiple: true },
      "findings-format": { type: "string" },
      "triage-config": { type: "string" },
      "open-pr": { type: "boolean" },
      base: { type: "string" },
      "min-risk": { type: "string" },
      "require-kms": { type: "boolean" },
    },
  });
  const format = oneOf(values.format, ["text", "json"] as const, "--format", "text");
  const dryRun = values["dry-run"] === true;
  const flagOptions = ruleOptionFlags(values);
  const selected = selectRules(values.rule, flagOptions);
  const openPr = values["open-pr"] === true;
  if (openPr) {
    if (!values.findings)
      throw new CliError("--open-pr needs --findings: it opens one pull request per finding");
    if (dryRun || values.branch)
      throw new CliError("--open-pr does not combine with --dry-run or --branch: it changes nothing locally");
  } else if (values.base) throw new CliError("--base only applies with --open-pr");
  if (values["min-risk"] !== undefined && (!values.findings || openPr))
    throw new CliError(
      openPr
        ? "--min-risk does not combine with --open-pr: the repository's triage gate decides which findings get a PR"
        : "--min-risk only applies with --findings: a scan's findings have no risk score",
    );
  const minRisk = values["min-risk"] === undefined ? undefined : riskOption(values["min-risk"]);
  if (values.branch !== undefined) checkBranchName(values.branch);
  const token = openPr ? requireToken(io) : undefined;
  const { root, sources, index, problems, checkout, refuseWrite } = await loadTree(positionals[0], io, "fix");

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
      io.stderr.write(`${terminalSafe(`rejected ${r.file} record ${r.index} at ${r.path}: ${r.reason}`)}\n`);
    if (setup) {
      const code = await openPullRequests(
        setup,
        { sources, index },
        input,
        { format, base: values.base, ruleOptions: flagOptions },
        io,
      );
      return problems.length > 0 ? 2 : code;
    }
    // Plain fix fixes what it is given; the triage gate's "record only" applies when asked for.
    const recordOnly = minRisk === undefined ? "none" : { minRisk };
    const { results, files } = await fixFindings(sources, index, input.triaged, {
      recordOnly,
      refuseWrite,
      rules: configuredRules(flagOptions),
    });
    const outcomes = results.flatMap((r) => r.outcomes);
    const written = await writeAndCommit(checkout, files, outcomes, dryRun, values.branch);
    if (format === "json") {
      io.stdout.write(
        `${JSON.stringify({ results: results.map(findingResultJson), rejected: input.rejected, errors: problems.map(problemJson), dryRun, filesChanged: [...files.keys()].sort(), ...written }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(findingsFixText(results, files, dryRun, values.branch, written.commit));
    }
    if (problems.length > 0) return 2;
    return results.every((r) => r.status === "fixed") && input.rejected.length === 0 ? 0 : 1;
  }

  const detections = scanIndex(index, selected);
  const run = await fixDetections(sources, detections, configuredRules(flagOptions), index, refuseWrite);
  const changed = [...run.files.keys()].sort();

  const { commit } = await writeAndCommit(checkout, run.files, run.outcomes, dryRun, values.branch);

  if (format === "json") {
    const results = run.outcomes.map((o) => ({
      ruleId: o.detection.ruleId,
      resource: { address: o.detection.resource.address },
      file: o.detection.resource.file,
      line: o.detection.line,
      status: o.status,
      reason: o.reason,
      diff: blockSafe(o.changes.map((c) => c.diff).join("")),
    }));
    const summary = {
      dryRun,
      filesChanged: changed,
      ...(values.branch && commit ? { branch: values.branch, commit } : {}),
    };
    io.stdout.write(
      `${JSON.stringify({ results, errors: problems.map(problemJson), ...summary }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(fixText(run.outcomes, run.files, dryRun, values.branch, commit));
  }
  if (problems.length > 0) return 2;
  return run.outcomes.every((o) => o.status === "fixed") ? 0 : 1;
}

/** `--min-risk N`: a True Risk score, 0–100. */
function riskOption(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(n) || n > 100)
    throw new CliError(`--min-risk must be a risk score from 0 to 100 (got "${text}")`);
  return n;
}
