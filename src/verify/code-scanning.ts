// Runtime re-scan (b) of issue 6: GitHub code scanning's own view of a SARIF finding. Checkov,
// Trivy, tfsec and KICS write SARIF; a repository that also uploads it to code scanning has one
// alert per result, which GitHub tracks across analyses of the default branch and marks `fixed`
// when a later analysis no longer reports it. That is the scanner re-scanning the merged code, so
// a SARIF-sourced finding with a file is matched to its alert (same tool, rule or an alias of the
// same catalog rule, same path) and the alert's state becomes a `runtime` verification row. This is
// what the app's `security_events: read` permission is for.
//
// REST: "List code scanning alerts for a repository" (GET /repos/{owner}/{repo}/code-scanning/alerts,
// `ref`, `tool_name`, `per_page` ≤ 100, paginated; 403 when Advanced Security is off, 404 when
// there is nothing to read) and "List code scanning analyses for a repository" (…/analyses, most
// recent first). Without `state` the alert list holds every state (open, fixed, dismissed), as
// observed live in advanced-security/dismiss-alerts#296; fixloop needs open and fixed alike.

import { normalizeToolName } from "../findings/parsers/sarif.ts";
import { Forbidden, NotFound } from "../github/errors.ts";
import {
  type CodeScanningAlert as Alert,
  type CodeScanningAnalysis as Analysis,
  fullName,
  type Platform,
  type RepoRef,
} from "../github/platform.ts";
import type { RemediationEnv } from "../remediate/env.ts";
import { resolveRuleId } from "../rules/registry.ts";
import { findingSources, type StoredFinding } from "../store/findings.ts";
import {
  type NewVerification,
  recordVerifications,
  type Verification,
  verificationsOf,
} from "../store/verifications.ts";
import type { Decision } from "./decide.ts";
import { sourceName, when } from "./verification-text.ts";

export const CODE_SCANNING = "github-code-scanning";

/** `tool.driver.name` as each tool writes it; code scanning files alerts under that name. tfsec
 *  has none here: it names its driver `defsec` (≥ 1.0) or `tfsec`, so its alerts are filtered here. */
const DRIVER_NAMES: Readonly<Record<string, string>> = { checkov: "Checkov", trivy: "Trivy", kics: "KICS" };
const MESSAGE_MAX = 300;

export interface CodeScanningFinding {
  id: string;
  /** The SARIF source's tool as the parser normalized it: checkov, trivy, tfsec, kics. */
  tool: string;
  rule: { nativeId: string; catalogId: string | null };
  resource: { file?: string; line?: number };
}

export interface CodeScanningResult {
  /** A `runtime` row: passed (fixed, or gone from a newer analysis) or failed (still open). */
  row: NewVerification | null;
  /** What GitHub said, in words (the row's detail, or why there is no row). */
  detail: string;
  /** Code scanning cannot judge this finding at all (not enabled, no access, the tool's results not
   *  uploaded there, only dismissed alerts) — unlike a verdict that is merely not in yet. */
  unavailable: boolean;
}

const isRelative = (p: string) => !p.startsWith("/") && !/^[A-Za-z]:\//.test(p);
const cleanPath = (p: string) => p.replace(/^(\.\/)+/, "");
/** Scanner text is untrusted: one line, bounded (the renderers escape it). */
const oneLine = (s: string) => {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > MESSAGE_MAX ? `${t.slice(0, MESSAGE_MAX - 1)}…` : t;
};

/** Only a SARIF finding with a path relative to the repository can be found in code scanning;
 *  an absolute path (tfsec on Windows) names a directory on someone's machine. */
export function codeScanningApplies(
  finding: { resource: { file?: string } },
  formats: readonly string[],
): boolean {
  const file = finding.resource.file;
  return formats.includes("sarif") && Boolean(file) && isRelative(file as string);
}

/** Alerts of the finding's tool on its file for its rule or any alias of the same catalog rule
 *  (fixloop merges CKV_AWS_53…56 into one finding; the fix answers them all). */
export function matchingAlerts(alerts: readonly Alert[], finding: CodeScanningFinding): Alert[] {
  const file = cleanPath(finding.resource.file ?? "");
  const { nativeId, catalogId } = finding.rule;
  const sameRule = (id: string) =>
    id === nativeId || (catalogId !== null && resolveRuleId(id)?.id === catalogId);
  const matches = alerts.filter(
    (a) =>
      normalizeToolName(a.tool.name ?? "") === finding.tool &&
      typeof a.rule.id === "string" &&
      sameRule(a.rule.id) &&
      cleanPath(a.most_recent_instance.location?.path ?? "") === file,
  );
  // Other resources in the same file may fail the same rule: the finding's own line picks its alert.
  const line = finding.resource.line;
  const onLine = matches.filter(
    (a) => line !== undefined && a.most_recent_instance.location?.start_line === line,
  );
  return onLine.length > 0 ? onLine : matches;
}

/** The newest analysis of the tool (and of the alert's category, when given). */
function latest(analyses: readonly Analysis[], tool: string, category?: string): Analysis | undefined {
  return analyses
    .filter((a) => normalizeToolName(a.tool.name ?? "") === tool)
    .filter((a) => category === undefined || a.category === undefined || a.category === category)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0];
}

const none = (detail: string, unavailable: boolean): CodeScanningResult => ({
  row: null,
  detail,
  unavailable,
});

const denied = (e: unknown, repo: RepoRef) =>
  none(
    e instanceof Forbidden
      ? `GitHub code scanning is not available for ${fullName(repo)} (HTTP 403: Advanced Security is not enabled)`
      : `GitHub code scanning is not available for ${fullName(repo)} (HTTP 404: not set up, or fixloop may not read its alerts)`,
    true,
  );

/** One question to code scanning: where, about what, and how to word the answer. */
interface Asking {
  platform: Platform;
  repo: RepoRef;
  defaultBranch: string;
  mergedAt: number;
  query: { ref: string; toolName?: string };
  finding: CodeScanningFinding;
  tool: string;
  file: string;
  row: (result: "passed" | "failed", detail: string, scan?: string) => CodeScanningResult;
  name: (a: Alert) => string;
}

/**
 * Asks code scanning about one finding on the default branch. One request (a page of up to 100
 * alerts) when the alert is fixed; one more (the analyses) when it is open or absent, to tell a
 * verdict about the merged code from one about the code before the merge.
 */
export async function codeScanningCheck(
  platform: Platform,
  at: { repository: RepoRef; defaultBranch: string; mergedAt: number; now: number },
  finding: CodeScanningFinding,
): Promise<CodeScanningResult> {
  const { repository: repo, defaultBranch, mergedAt, now } = at;
  const tool = sourceName(finding.tool);
  const driver = DRIVER_NAMES[finding.tool];
  const query = { ref: `refs/heads/${defaultBranch}`, ...(driver ? { toolName: driver } : {}) };
  let alerts: Alert[];
  try {
    alerts = await platform.codeScanningAlerts(repo, query);
  } catch (e) {
    if (e instanceof Forbidden || e instanceof NotFound) return denied(e, repo);
    throw e;
  }
  const file = finding.resource.file as string;
  const row = (result: "passed" | "failed", detail: string, scan?: string): CodeScanningResult => ({
    row: {
      findingId: finding.id,
      kind: "runtime",
      result,
      checkedBy: CODE_SCANNING,
      observedAt: now,
      detail,
      links: scan ? { scan } : {},
    },
    detail,
    unavailable: false,
  });
  const name = (a: Alert) => `${tool} alert #${a.number} (${oneLine(a.rule.id ?? "")})`;
  const matches = matchingAlerts(alerts, finding);
  const open = matches.filter((a) => a.state === "open");
  const fixed = matches.filter((a) => a.state === "fixed");
  if (open.length === 0 && fixed.length > 0) {
    const a = fixed[0] as Alert;
    const since = a.fixed_at ? ` since ${when(a.fixed_at)}` : "";
    return row("passed", `${name(a)} on ${file} is fixed on ${defaultBranch}${since}`, a.html_url);
  }
  if (open.length === 0 && matches.length > 0) {
    const a = matches[0] as Alert;
    return none(
      `${name(a)} on ${file} was dismissed in GitHub code scanning (${oneLine(a.dismissed_reason ?? "no reason given")}), which says nothing about the fix`,
      true,
    );
  }
  const asking = { platform, repo, defaultBranch, mergedAt, query, finding, tool, file, row, name };
  return judgeByAnalysis(asking, open[0]);
}

/** An open or absent alert counts only when code scanning analysed the merged code. */
async function judgeByAnalysis(q: Asking, alert: Alert | undefined): Promise<CodeScanningResult> {
  const { tool, defaultBranch, file } = q;
  let analyses: Analysis[];
  try {
    analyses = await q.platform.codeScanningAnalyses(q.repo, q.query); // [] when there is none
  } catch (e) {
    if (e instanceof Forbidden) return denied(e, q.repo);
    throw e;
  }
  const last = latest(analyses, q.finding.tool, alert?.most_recent_instance.category);
  if (!last)
    return none(
      `GitHub code scanning holds no ${tool} analysis of ${defaultBranch}: ${tool}'s results are not uploaded there`,
      true,
    );
  const analysed = `${tool}'s analysis of ${defaultBranch} at ${last.commit_sha.slice(0, 12)} (${when(last.created_at)})`;
  if (Date.parse(last.created_at) < q.mergedAt)
    return none(
      `waiting for a ${tool} analysis of ${defaultBranch} after the merge in GitHub code scanning; the latest is ${analysed}`,
      false,
    );
  if (!alert) return q.row("passed", `${analysed} reports no ${q.finding.rule.nativeId} alert on ${file}`);
  const where = alert.most_recent_instance.location?.start_line;
  const message = oneLine(alert.most_recent_instance.message?.text ?? "");
  return q.row(
    "failed",
    `${q.name(alert)} is still open on ${file}${where ? `:${where}` : ""} in ${analysed}${message ? `: ${message}` : ""}`,
    alert.html_url,
  );
}

export interface CodeScanningStep {
  /** The verification rows after the merge, with code scanning's new row. */
  known: Verification[];
  /** Code scanning cannot judge the finding: under `auto` its source cannot re-scan after all. */
  unavailable: boolean;
  /** Why there is no row, for the job's result (null when there is a row or nothing was asked). */
  note: string | null;
}

/**
 * The verify job's use of code scanning: asked only for a SARIF finding, and only when a runtime
 * re-scan can still change the decision (`needed`); a new answer is recorded once (the job asks
 * again every half hour while it waits, and GitHub's answer is the same until the next analysis).
 */
export async function codeScanningStep(
  env: RemediationEnv,
  platform: Platform,
  finding: StoredFinding,
  at: {
    repository: RepoRef;
    defaultBranch: string | null;
    mergedAt: number;
    needed: boolean;
    /** The verification rows after the merge, so far. */
    known: Verification[];
  },
): Promise<CodeScanningStep> {
  const { known } = at;
  const sarif = (await findingSources(env.store.db, finding.id)).find((s) => s.format === "sarif");
  if (!at.needed || !sarif || !codeScanningApplies(finding, ["sarif"]))
    return { known, unavailable: false, note: null };
  if (!at.defaultBranch)
    return {
      known,
      unavailable: true,
      note: `${fullName(at.repository)} is no longer accessible to fixloop: GitHub code scanning cannot be asked`,
    };
  const input = { id: finding.id, tool: sarif.tool, rule: finding.rule, resource: finding.resource };
  const answer = await codeScanningCheck(
    platform,
    {
      repository: at.repository,
      defaultBranch: at.defaultBranch,
      mergedAt: at.mergedAt,
      now: env.store.now(),
    },
    input,
  );
  const row = answer.row;
  if (!row) return { known, unavailable: answer.unavailable, note: answer.detail };
  const seen = known.some(
    (k) =>
      k.kind === "runtime" &&
      k.checkedBy === CODE_SCANNING &&
      k.result === row.result &&
      k.detail === row.detail,
  );
  if (seen) return { known, unavailable: false, note: null };
  await env.store.transaction((tx) => recordVerifications(tx, [row]));
  const stored = (await verificationsOf(env.store.db, finding.id)).filter(
    (v) => Date.parse(v.observedAt) >= at.mergedAt,
  );
  return { known: stored, unavailable: false, note: null };
}

/** A verdict or a wait says why code scanning did not count; a "not verified" keeps its one reason. */
export function withNote(decision: Decision, note: string | null): Decision {
  if (!note) return decision;
  if (decision.kind === "verified") return { ...decision, summary: `${decision.summary}; ${note}` };
  if (decision.kind === "waiting") return { ...decision, detail: `${decision.detail}; ${note}` };
  return decision;
}
