// The one comment fixloop keeps on a person's pull request that touches open findings: which
// findings, their risk, SLA due date and where each is being fixed or tracked. Pure.

import type { GitHubHost } from "../github/hosts.ts";
import { gitHubHosts, mdCode, mdInline, safeLink } from "../github/markdown.ts";
import type { LocatedFinding } from "../store/associated-prs.ts";

export const ASSOCIATED_MARKER = "associated-findings";

/** "2026-11-23 10:00 UTC" */
export function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function row(f: LocatedFinding, host: GitHubHost): string {
  const where = `${mdCode(f.file, { table: true })}${f.address ? ` ${mdCode(f.address, { table: true })}` : ""}`;
  const link = f.link
    ? safeLink(f.link.url, gitHubHosts(host), {
        label: `${f.link.kind === "pr" ? "fix PR" : "issue"} #${f.link.url.split("/").pop()}`,
        table: true,
      })
    : "none yet";
  const title = `${mdCode(f.ruleId, { table: true, maxLength: 80 })} ${mdInline(f.title, 120).replace(/\|/g, "\\|")}`;
  return `| ${title} | ${f.tier} (${f.score}) | ${utcMinute(f.slaDue)} | ${where} | ${link} |`;
}

export interface AssociatedCommentInput {
  host: GitHubHost;
  findings: readonly LocatedFinding[];
  label: string;
  securityTeam: string | null;
  /** fixloop took the label off with this edit (else it stays: another reason, or a person's). */
  labelRemoved?: boolean;
}

/** The comment's body: the findings the PR touches, or that none remain. */
export function associatedComment(input: AssociatedCommentInput): string {
  if (input.findings.length === 0)
    return [
      "### fixloop: no open findings touched",
      "",
      input.labelRemoved
        ? `This pull request no longer touches a resource with an open finding; \`${input.label}\` was removed.`
        : "This pull request no longer touches a resource with an open finding.",
    ].join("\n");
  const n = input.findings.length;
  const who = input.securityTeam ? ` and asked @${input.securityTeam} to review` : "";
  return [
    `### fixloop: this pull request touches ${n === 1 ? "a resource" : `${n} resources`} with open security findings`,
    "",
    `fixloop labelled it \`${input.label}\`${who}. Changing these blocks may conflict with their fixes, or may be the fix.`,
    "",
    "| Finding | Risk | SLA due | Where | Fix or tracking |",
    "|---|---|---|---|---|",
    ...input.findings.map((f) => row(f, input.host)),
  ].join("\n");
}
