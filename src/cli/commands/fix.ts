import { toTriageConfig } from "../../config/repo-config.ts";
import { fixFindings } from "../../ingest/fix-findings.ts";
import { suppressionSentence } from "../../report/suppressed.ts";
import { fixDetections } from "../../rules/fix.ts";
import { configuredRules } from "../../rules/registry.ts";
import { scanWithSuppressions } from "../../rules/scan.ts";
import { loadTriageConfig, readFindings } from "../findings-input.ts";
import { checkBranchName } from "../git.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs, ruleOptionFlags, selectRules } from "../options.ts";
import { FIX } from "../spec.ts";
import { suppressionAuthors, treeSuppressions } from "../suppressions.ts";
import { blockSafe, terminalSafe } from "../text.ts";
import { loadTree, problemJson } from "../tree.ts";
import { findingResultJson, findingsFixText, fixText, writeAndCommit } from "./fix-output.ts";
import { type OpenPrDeps, openPullRequests, prepareOpenPr, requireToken } from "./open-pr.ts";

export async function fixCommand(args: string[], io: CliIo, deps: OpenPrDeps = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(FIX, args);
  const format = oneOf(values.format, ["text", "json"] as const, "--format", "text");
  const dryRun = values["dry-run"] === true;
  const flagOptions = ruleOptionFlags(values);
  const selected = selectRules(values.rule, flagOptions);
  const openPr = values["open-pr"] === true;
  // Local fixes that replace a resource, lose data or cut traffic need the flag. --open-pr does not:
  // its pull requests are reviewed, and those of disruptive fixes carry the security review label.
  const allowDisruptive = values["allow-disruptive"] === true;
  if (openPr && allowDisruptive)
    throw new CliError(
      "--allow-disruptive does not apply with --open-pr: disruptive fixes open pull requests labelled for security review",
    );
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
  const tree = await loadTree(positionals[0], io, "fix");
  const { root, sources, index, problems, checkout, refuseWrite } = tree;
  const sup = await treeSuppressions(tree, io, false);

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
        { tree: { sources, index }, input },
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
      suppressions: sup.suppressions,
      today: sup.today,
      allowDisruptive,
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
    // A finding suppressed in code is a decision already made, not a failure to fix.
    const done = results.every((r) => r.status === "fixed" || r.status === "suppressed");
    return done && input.rejected.length === 0 ? 0 : 1;
  }

  const scanned = scanWithSuppressions(index, selected, sup.suppressions, sup.today);
  const detections = scanned.active;
  const authors = await suppressionAuthors(
    root,
    scanned.suppressed.map((x) => x.suppression),
  );
  // Never fixed: listed with the suppression as written, who wrote it and until when.
  const suppressed = scanned.suppressed.map((x) => ({
    detection: x.detection,
    reason: suppressionSentence(x.suppression, authors),
  }));
  const run = await fixDetections(sources, detections, configuredRules(flagOptions), index, refuseWrite, {
    allowDisruptive,
  });
  const changed = [...run.files.keys()].sort();

  const { commit } = await writeAndCommit(checkout, run.files, run.outcomes, dryRun, values.branch);

  if (format === "json") {
    const results = run.outcomes.map((o) => ({
      ruleId: o.detection.ruleId,
      resource: { address: o.detection.resource.address },
      file: o.detection.resource.file,
      line: o.detection.line,
      status: o.status as string,
      reason: o.reason,
      impact: o.impact,
      diff: blockSafe(o.changes.map((c) => c.diff).join("")),
    }));
    for (const { detection: d, reason } of suppressed)
      results.push({
        ruleId: d.ruleId,
        resource: { address: d.resource.address },
        file: d.resource.file,
        line: d.line,
        status: "suppressed",
        reason,
        impact: [],
        diff: "",
      });
    const summary = {
      dryRun,
      filesChanged: changed,
      ...(values.branch && commit ? { branch: values.branch, commit } : {}),
    };
    io.stdout.write(
      `${JSON.stringify({ results, errors: problems.map(problemJson), ...summary }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(fixText(run.outcomes, run.files, dryRun, values.branch, commit, suppressed));
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
