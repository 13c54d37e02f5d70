// The words of verification: the `fixloop/verification` check run's output, the PR comments
// (verified, not verified, overdue), the tracking issue's closing note and its body when a fix did
// not hold. Pure. Check details, resource names, source descriptions and CI links come from
// findings, scanners and CI systems fixloop does not control, so every value goes through
// src/github/markdown.ts; links are made only to the GitHub host and fixloop's own evidence URL.

import { sourceDisplayName } from "../findings/registry.ts";
import type { GitHubHost } from "../github/hosts.ts";
import { issueMarker } from "../github/issue-body.ts";
import { clip, gitHubHosts, mdCode, mdInline, safeLink } from "../github/markdown.ts";
import type { Links } from "../lifecycle/machine.ts";

/** GitHub's limit for a check run's output summary (and, near enough, a comment body). */
const SUMMARY_LIMIT = 65_535;
const DETAIL_MAX = 1_500;

/** One thing that was checked, as recorded in the verifications table. */
export interface CheckedItem {
  kind: "ci" | "code" | "runtime";
  result: "passed" | "failed" | "pending";
  checkedBy: string;
  /** ISO 8601 */
  observedAt: string;
  detail: string;
  links: Links;
  /** Individual links (failing CI checks): name and URL. */
  items?: Array<{ name: string; url: string | null }>;
}

export interface VerificationContext {
  host: GitHubHost;
  findingId: string;
  title: string;
  /** The resource in words (`resourceLabel`). */
  resource: string;
  mergeCommit: string;
  commitUrl: string;
  prUrl: string;
  mode: "code" | "runtime" | "both";
  evidenceUrl: string | null;
}

const KIND_LABEL: Record<CheckedItem["kind"], string> = {
  ci: "CI on the merge commit",
  code: "Code re-scan (fixloop's rule catalog)",
  runtime: "Runtime re-scan (the source's own view)",
};
const RESULT_LABEL: Record<CheckedItem["result"], string> = {
  passed: "passed",
  failed: "failed",
  pending: "not conclusive",
};
const MODE_LABEL: Record<VerificationContext["mode"], string> = {
  code: "CI and the code re-scan",
  runtime: "CI and the runtime re-scan",
  both: "CI, the code re-scan and the runtime re-scan",
};

/** How people know verification's own checkers; the scanners' names are in the parser registry. */
const CHECKER_NAMES: Readonly<Record<string, string>> = {
  "github-checks": "GitHub checks",
  "github-code-scanning": "GitHub code scanning",
  fixloop: "fixloop",
};

/** `securityhub` → Security Hub. Unknown tools keep their own name. */
export function sourceName(tool: string): string {
  const key = tool.toLowerCase();
  return sourceDisplayName(key) ?? (Object.hasOwn(CHECKER_NAMES, key) ? CHECKER_NAMES[key]! : tool);
}

/** `2026-11-20 14:05 UTC`: minutes are what a person compares against a scan's schedule. */
export function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `acme/infra#40` for an issue or PR URL on the host; the URL itself otherwise. */
function itemName(url: string): string {
  const m = /\/([^/]+)\/([^/]+)\/(?:issues|pull)\/(\d+)$/.exec(url);
  return m ? `${m[1]}/${m[2]}#${m[3]}` : url;
}

function link(ctx: VerificationContext, url: string | null | undefined, label: string): string {
  if (!url) return mdInline(label, 200);
  return safeLink(url, gitHubHosts(ctx.host), { label });
}

function evidenceLink(ctx: VerificationContext): string {
  if (!ctx.evidenceUrl) return `${mdCode(`fixloop evidence ${ctx.findingId}`)} (no public URL is configured)`;
  // fixloop's own URL (FIXLOOP_PUBLIC_URL), so its origin is trusted as is.
  return safeLink(ctx.evidenceUrl, [new URL(ctx.evidenceUrl).origin], { label: "verification evidence" });
}

function itemLines(ctx: VerificationContext, item: CheckedItem): string[] {
  const head = `- **${KIND_LABEL[item.kind]}**: ${RESULT_LABEL[item.result]}, checked by ${mdInline(sourceName(item.checkedBy), 80)} at ${when(item.observedAt)}`;
  const lines = [head, `  ${mdInline(item.detail, DETAIL_MAX)}`];
  for (const i of (item.items ?? []).slice(0, 20)) lines.push(`  - ${link(ctx, i.url, i.name)}`);
  if (item.links.scan) lines.push(`  - scan: ${link(ctx, item.links.scan, item.links.scan)}`);
  return lines;
}

function subject(ctx: VerificationContext): string {
  return `${mdInline(ctx.title, 200)} on ${mdCode(ctx.resource, { maxLength: 200 })}`;
}

export interface CheckRunOutput {
  title: string;
  summary: string;
}

/** The `fixloop/verification` check run's output on the merge commit. */
export function checkRunOutput(
  ctx: VerificationContext,
  verdict: { verified: boolean; reason?: string },
  checked: readonly CheckedItem[],
): CheckRunOutput {
  const title = verdict.verified
    ? "Verified: the finding is resolved"
    : "Not verified: the finding is reopened";
  const lines = [
    `${verdict.verified ? "Verified" : "Not verified"}: ${subject(ctx)} (finding ${mdCode(ctx.findingId)}).`,
    "",
    `What counts as verified here (\`verification.mode: ${ctx.mode}\`): ${MODE_LABEL[ctx.mode]}.`,
    "",
  ];
  if (!verdict.verified && verdict.reason) lines.push(`**Why:** ${mdInline(verdict.reason, DETAIL_MAX)}`, "");
  lines.push("### What was checked", "", ...checked.flatMap((c) => itemLines(ctx, c)), "");
  lines.push(`Merge commit: ${link(ctx, ctx.commitUrl, ctx.mergeCommit)}`, `Evidence: ${evidenceLink(ctx)}`);
  return { title, summary: clip(lines.join("\n"), SUMMARY_LIMIT) };
}

/** The one comment on the PR when the fix is verified. */
export function verifiedComment(
  ctx: VerificationContext,
  checkRunUrl: string | null,
  checked: readonly CheckedItem[],
): string {
  return clip(
    [
      `**Verified.** ${subject(ctx)} is resolved: ${MODE_LABEL[ctx.mode]} confirm the fix merged in ${link(ctx, ctx.commitUrl, ctx.mergeCommit.slice(0, 12))}.`,
      "",
      ...checked.map(
        (c) =>
          `- ${KIND_LABEL[c.kind]}: ${RESULT_LABEL[c.result]} (${mdInline(sourceName(c.checkedBy), 80)}, ${when(c.observedAt)})`,
      ),
      "",
      `Evidence: ${evidenceLink(ctx)}${checkRunUrl ? ` · check run: ${link(ctx, checkRunUrl, "fixloop/verification")}` : ""}`,
    ].join("\n"),
    SUMMARY_LIMIT,
  );
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const TEAM =
  /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9_])?$/;

/** `@org/team @user`: only names shaped like GitHub's (CODEOWNERS text is not trusted to be), each once. */
export function mentions(owners: readonly string[]): string {
  const names = [...new Set(owners.map((o) => o.trim().replace(/^@/, "")))].filter(
    (o) => LOGIN.test(o) || TEAM.test(o),
  );
  return names.map((n) => `@${n}`).join(" ");
}

/** The comment on the PR when the fix did not hold: the reason in words, the owners mentioned once. */
export function notVerifiedComment(
  ctx: VerificationContext,
  input: {
    reason: string;
    owners: readonly string[];
    checkRunUrl: string | null;
    newFix: boolean;
    issueUrl: string | null;
  },
): string {
  const who = mentions(input.owners);
  const next = input.newFix
    ? "fixloop is computing a new fix on the current default branch and will open a pull request for it."
    : "fixloop has nothing different to change in the code, so there is no new pull request: the finding needs a person.";
  return clip(
    [
      `**Not verified: the finding is reopened.** ${subject(ctx)}`,
      "",
      `Why: ${mdInline(input.reason, DETAIL_MAX)}`,
      "",
      next,
      ...(input.issueUrl
        ? ["", `Tracking issue: ${link(ctx, input.issueUrl, itemName(input.issueUrl))}`]
        : []),
      "",
      `Evidence: ${evidenceLink(ctx)}${input.checkRunUrl ? ` · check run: ${link(ctx, input.checkRunUrl, "fixloop/verification")}` : ""}`,
      ...(who ? ["", `${who}: this fix did not verify.`] : []),
    ].join("\n"),
    SUMMARY_LIMIT,
  );
}

/** The comment on a fix's PR when the finding it resolved is seen failing again. */
export function regressionComment(
  ctx: VerificationContext,
  input: { reason: string; resolvedAt: string | null; owners: readonly string[] },
): string {
  const who = mentions(input.owners);
  const resolved = input.resolvedAt ? ` was verified and resolved on ${when(input.resolvedAt)}, but` : "";
  return clip(
    [
      `**Regressed: the finding is open again.** ${subject(ctx)}${resolved} a later scan reports it failing.`,
      "",
      `Why: ${mdInline(input.reason, DETAIL_MAX)}`,
      "",
      "fixloop is computing the fix again on the current default branch: a new pull request if the code no longer has it (a revert or a refactor), otherwise an issue — the Terraform still has the fix, so the resource was likely changed outside Terraform, or the change was never applied.",
      "",
      `Evidence: ${evidenceLink(ctx)}`,
      ...(who ? ["", `${who}: this fix has regressed.`] : []),
    ].join("\n"),
    SUMMARY_LIMIT,
  );
}

/** The comment when no verdict came within the window (`verification.waitHours`). */
export function overdueComment(
  ctx: VerificationContext,
  input: { deadline: string; waitingFor: string; owners: readonly string[] },
): string {
  const who = mentions(input.owners);
  return [
    `**Verification overdue.** ${subject(ctx)} was merged, but by ${when(input.deadline)} fixloop still had no verdict: ${mdInline(input.waitingFor, DETAIL_MAX)}`,
    "",
    "The finding stays open until the check arrives; a new scan by the source settles it. fixloop keeps checking.",
    "",
    `Evidence so far: ${evidenceLink(ctx)}`,
    ...(who ? ["", `${who}: please look at why the re-scan has not reported.`] : []),
  ].join("\n");
}

/** The note the tracking issue is closed with. */
export function issueClosingComment(ctx: VerificationContext, checkRunUrl: string | null): string {
  return `Verified and resolved by ${link(ctx, ctx.prUrl, itemName(ctx.prUrl))} (merge commit ${link(ctx, ctx.commitUrl, ctx.mergeCommit.slice(0, 12))}). Evidence: ${evidenceLink(ctx)}${checkRunUrl ? ` · check run: ${link(ctx, checkRunUrl, "fixloop/verification")}` : ""}`;
}

/** The tracking issue's title and body when a merged fix did not verify. */
export function notVerifiedIssue(ctx: VerificationContext, reason: string): { title: string; body: string } {
  const title = clip(`Fix not verified: ${ctx.title.replace(/\s+/g, " ").trim()}`, 256);
  const body = [
    issueMarker(ctx.findingId),
    `## The merged fix did not verify`,
    "",
    `${subject(ctx)} was fixed by ${link(ctx, ctx.prUrl, itemName(ctx.prUrl))}, but verification failed:`,
    "",
    mdInline(reason, DETAIL_MAX),
    "",
    `Merge commit: ${link(ctx, ctx.commitUrl, ctx.mergeCommit)}`,
    `Evidence: ${evidenceLink(ctx)}`,
    "",
    "Comment `/fixloop retry` to have fixloop compute a fix again, or `/fixloop explain` for the audit trail.",
  ].join("\n");
  return { title, body };
}
