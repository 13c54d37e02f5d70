// The GitHub Action (action.yml): runs the CLI in-process on the workspace, writes SARIF for
// github/codeql-action/upload-sarif, the job summary (GITHUB_STEP_SUMMARY) and the step's outputs
// (GITHUB_OUTPUT), and fails the step when something at or above `fail-on` remains.
// Inputs arrive as INPUT_<NAME> variables (action.yml sets them), as for a JavaScript action.

import { appendFile, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { CliIo } from "../cli/io.ts";
import { main } from "../cli/main.ts";
import { actionSummary, type Remaining, type Summarized } from "./summary.ts";

export const MODES = ["scan", "fix", "open-pr"] as const;
export const TIERS = ["critical", "high", "medium", "low", "none"] as const;
type Tier = (typeof TIERS)[number];

export interface ActionInputs {
  directory: string;
  findings: string[];
  mode: (typeof MODES)[number];
  failOn: Tier;
  sarifFile: string;
  base: string | undefined;
  /** fix: apply disruptive fixes too (`--allow-disruptive`). */
  allowDisruptive: boolean;
}

export class ActionInputError extends Error {}

/** INPUT_* → typed inputs; a wrong value names the input and the allowed ones. */
export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  // A JavaScript action gets INPUT_FAIL-ON (the name as written, upper-cased); a shell cannot set
  // that name, so action.yml passes INPUT_FAIL_ON. Both are read.
  const input = (name: string) => {
    const upper = name.toUpperCase();
    return (env[`INPUT_${upper}`] ?? env[`INPUT_${upper.replace(/-/g, "_")}`] ?? "").trim();
  };
  const pick = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = input(name) || fallback;
    if (!(allowed as readonly string[]).includes(v))
      throw new ActionInputError(`input ${name} must be one of ${allowed.join(", ")} (got "${v}")`);
    return v as T;
  };
  const inputs: ActionInputs = {
    directory: input("directory") || ".",
    findings: input("findings").split(/\s+/).filter(Boolean),
    mode: pick("mode", MODES, "scan"),
    failOn: pick("fail-on", TIERS, "high"),
    sarifFile: input("sarif-file") || "fixloop.sarif",
    base: input("base") || undefined,
    allowDisruptive: pick("allow-disruptive", ["true", "false"] as const, "false") === "true",
  };
  return inputs;
}

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  echo: CliIo["stderr"],
): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: {
      write: (s: string) => {
        stderr += s;
        return echo.write(s);
      },
    },
    cwd,
    env,
  });
  return { code, stdout, stderr };
}

const RANK: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
export const atOrAbove = (tier: string, failOn: Tier) =>
  failOn !== "none" && (RANK[tier] ?? 0) >= RANK[failOn]!;

/** Runs the action; returns the step's exit code. `log` is the step's log (stdout). */
export async function runAction(env: NodeJS.ProcessEnv, log: CliIo["stdout"]): Promise<number> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  let inputs: ActionInputs;
  try {
    inputs = readInputs(env);
  } catch (e) {
    if (!(e instanceof ActionInputError)) throw e;
    return fail(log, e.message);
  }
  const dir = inputs.directory;
  const scan = await cli(["scan", dir, "--format", "json"], workspace, env, log);
  if (scan.code === 2 && !scan.stdout) return fail(log, `fixloop scan ${dir} failed: ${scan.stderr.trim()}`);
  const scanned = JSON.parse(scan.stdout) as Summarized["scan"];
  for (const f of scanned.findings) f.file = join(dir, f.file);
  const sarif = await cli(["scan", dir, "--format", "sarif"], workspace, env, { write: () => true });
  const sarifPath = resolve(workspace, inputs.sarifFile);
  await writeFile(sarifPath, rootedSarif(sarif.stdout, relative(workspace, resolve(workspace, dir))));

  let outcome: Outcome = {
    fixed: [],
    remaining: scanned.findings.map((f) => ({
      tier: f.severity,
      what: `${f.ruleId} ${f.resource.address}`,
      where: f.file,
    })),
    prs: [],
  };
  if (inputs.mode !== "scan") {
    const fixed = await runFix(inputs, sarifPath, scanned, workspace, env, log);
    if (typeof fixed === "string") return fail(log, fixed);
    outcome = fixed;
  }
  const failing = outcome.remaining.filter((r) => atOrAbove(r.tier, inputs.failOn));
  await writeOutputs(env.GITHUB_OUTPUT, {
    findings: String(scanned.findings.length),
    fixed: String(outcome.fixed.length),
    remaining: String(outcome.remaining.length),
    "sarif-file": relative(workspace, sarifPath),
    "pull-requests": JSON.stringify(outcome.prs),
  });
  if (env.GITHUB_STEP_SUMMARY)
    await appendFile(env.GITHUB_STEP_SUMMARY, actionSummary({ inputs, scan: scanned, ...outcome, failing }));
  log.write(
    `fixloop: ${scanned.findings.length} found, ${outcome.fixed.length} fixed, ${outcome.remaining.length} remaining; SARIF in ${relative(workspace, sarifPath)}\n`,
  );
  if (failing.length > 0)
    return fail(
      log,
      `${failing.length} finding${failing.length === 1 ? "" : "s"} at or above ${inputs.failOn} remain (fail-on: ${inputs.failOn})`,
    );
  return 0;
}

interface Outcome {
  fixed: Summarized["fixed"];
  remaining: Remaining[];
  prs: string[];
}

/**
 * fix: the catalog's findings (`fixloop fix <dir>`), or the given finding documents; open-pr: the
 * given documents, or the scan's own SARIF, through `fix --open-pr`. A string is the failure.
 */
async function runFix(
  inputs: ActionInputs,
  sarifPath: string,
  scanned: Summarized["scan"],
  workspace: string,
  env: NodeJS.ProcessEnv,
  log: CliIo["stdout"],
): Promise<Outcome | string> {
  const dir = inputs.directory;
  const args = ["fix", dir, "--format", "json"];
  if (inputs.findings.length > 0 || inputs.mode === "open-pr")
    args.push("--findings", ...(inputs.findings.length > 0 ? inputs.findings : [sarifPath]));
  if (inputs.mode === "open-pr") args.push("--open-pr", ...(inputs.base ? ["--base", inputs.base] : []));
  else if (inputs.allowDisruptive) args.push("--allow-disruptive");
  const run = await cli(args, workspace, env, log);
  if (run.code === 2 || !run.stdout) return `fixloop ${args.join(" ")} failed: ${run.stderr.trim()}`;
  const severity = new Map(scanned.findings.map((f) => [f.ruleId, f.severity]));
  const results = (JSON.parse(run.stdout) as FixJson).results;
  const done = results.filter((r) => r.status === "fixed" && (inputs.mode === "fix" || r.pullRequest));
  const what = (r: FixJson["results"][number]) =>
    `${r.ruleId ?? r.nativeRuleId} ${r.resource?.address ?? ""}`.trim();
  const where = (r: FixJson["results"][number]) => (r.file ? join(dir, r.file) : "");
  return {
    fixed: done.map((r) => ({ what: what(r), where: where(r), pr: r.pullRequest?.url })),
    remaining: results
      .filter((r) => !done.includes(r))
      .map((r) => ({
        tier: r.risk?.tier ?? severity.get(r.ruleId ?? "") ?? "low",
        what: what(r),
        where: where(r),
        why: r.reason,
      })),
    prs: done.flatMap((r) => (r.pullRequest ? [r.pullRequest.url] : [])),
  };
}

interface FixJson {
  results: Array<{
    ruleId?: string;
    nativeRuleId?: string;
    resource?: { address?: string };
    file?: string;
    status: string;
    reason?: string;
    /** With --findings: the finding's True Risk; the catalog's own fixes carry none. */
    risk?: { tier: string };
    pullRequest?: { url: string } | null;
  }>;
}

function fail(log: CliIo["stdout"], message: string): number {
  log.write(`::error title=fixloop::${message.replace(/\r?\n/g, " ")}\n`);
  return 1;
}

/** SARIF paths relative to the repository root, as code scanning needs (the CLI's are the directory's). */
export function rootedSarif(text: string, dir: string): string {
  const prefix =
    dir && dir !== "." && !isAbsolute(dir) ? `${dir.split("\\").join("/").replace(/\/$/, "")}/` : "";
  const sarif = JSON.parse(text) as {
    runs: Array<{
      results?: Array<{ locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string } } }> }>;
    }>;
  };
  for (const run of sarif.runs)
    for (const result of run.results ?? [])
      for (const loc of result.locations ?? []) {
        const art = loc.physicalLocation?.artifactLocation;
        if (art?.uri) art.uri = prefix + art.uri;
      }
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** `name=value` lines; a value with a newline uses the heredoc form GitHub documents. */
async function writeOutputs(file: string | undefined, outputs: Record<string, string>): Promise<void> {
  if (!file) return;
  const lines = Object.entries(outputs).map(([k, v]) =>
    v.includes("\n") ? `${k}<<FIXLOOP_EOF\n${v}\nFIXLOOP_EOF` : `${k}=${v}`,
  );
  await appendFile(file, `${lines.join("\n")}\n`);
}
