// The tracking issue fixloop opens when a finding gets no pull request (templates/tracking-issue.md):
// why not, the finding's context, the blocks it might be defined in (linked at the commit fixloop
// looked at), and what someone can do next. Pure, with the same escaping and length bound as the
// PR body; only top-level template values, for the reason given in pr-body.ts.

import { renderTemplate } from "../report/template.ts";
import { showUnsafe } from "../report/unsafe-chars.ts";
import type { RepoRef } from "./client.ts";
import { blobLink, type GitHubHost } from "./hosts.ts";
import {
  clip,
  gitHubHosts,
  mdCode,
  mdFence,
  mdInline,
  plural,
  safeLink,
  sourceLinkHosts,
} from "./markdown.ts";
import {
  attackPathLine,
  type Command,
  clipBody,
  FINDING_ID,
  guidanceLine,
  type PrFinding,
  ruleText,
  slaText,
  untitledGuidance,
} from "./pr-body.ts";

const CANDIDATES_SHOWN = 20;
/** GitHub's limit for an issue title. */
const TITLE_LIMIT = 256;

/** Why there is no pull request. `detail` is fixloop's own sentence (it may quote finding text). */
export type NoPrReason =
  | { kind: "not-locatable"; detail: string }
  | { kind: "ambiguous"; detail: string }
  | { kind: "not-fixable"; detail: string }
  | { kind: "awaiting-approval"; detail: string };

/** A block the finding may be defined in, at the commit fixloop read. */
export interface IssueCandidate {
  repository: RepoRef;
  sha: string;
  path: string;
  line?: number;
  /** Terraform address of the block, when known. */
  address?: string;
  /** Why this block: locate's evidence sentence. */
  evidence: string;
  confidence: number;
}

export interface IssueFinding extends Omit<PrFinding, "attackPath"> {
  severity: string;
  /** The resource in words (`resourceDescription` in src/evidence/labels.ts). */
  resource: string;
}

export interface TrackingIssueInput {
  host: GitHubHost;
  finding: IssueFinding;
  reason: NoPrReason;
  candidates: IssueCandidate[];
  commands: Command[];
  /** The diff fixloop would apply (a gated fix awaiting approval). */
  proposedChange?: string;
  /** The finding names no check: the catalog rules that fail on the located resource, each with
   *  its own diff, replace the single proposed change, and the issue says how to name the check. */
  failingRules?: FailingRule[];
}

/** A catalog rule that fails on the located resource, and the change that fixes it alone. */
export interface FailingRule {
  ruleId: string;
  title: string;
  /** What the source tools call the check (`S3.8`, `CKV_AWS_53`…): any of them names it. */
  aliases: string[];
  /** What the fix changes. */
  summary: string;
  diff: string;
}

export function issueMarker(id: string): string {
  if (!FINDING_ID.test(id)) throw new Error(`not a finding id: ${JSON.stringify(clip(id, 40))}`);
  return `<!-- fixloop:issue finding=${id} -->`;
}

const WHY: Record<NoPrReason["kind"], { short: string; lead: string; next: string[] }> = {
  "not-locatable": {
    short: "not found in Terraform",
    lead: "fixloop could not find the Terraform block that defines this resource, so it has nothing to change.",
    next: [
      "If the resource is defined in Terraform, check that its repository is covered by `repositories` in `.github/fixloop.yml`, then comment `/fixloop retry`.",
      "If it is managed outside Terraform, fix it where it is managed: the finding resolves when its source reports the resource as passing.",
    ],
  },
  ambiguous: {
    short: "several possible blocks",
    lead: "More than one Terraform block matches this resource equally well, and fixloop does not guess which one to change.",
    next: [
      "Fix the right block by hand (the candidates are listed above): the finding resolves when it is verified.",
      "Or make the block identifiable (for example a distinct name or tag), then comment `/fixloop retry`.",
    ],
  },
  "not-fixable": {
    short: "no automatic fix",
    lead: "fixloop found the resource but has no change it can make safely.",
    next: [
      "Fix it by hand: the finding resolves when its source reports the resource as passing.",
      "If the finding does not apply here, record an exception with an approver and an expiry.",
    ],
  },
  "awaiting-approval": {
    short: "awaiting approval",
    lead: "The risk gate requires an approval before fixloop opens a pull request for this finding.",
    next: [
      "Someone allowed to approve fixloop changes approves it with the command listed below; fixloop then opens the pull request.",
    ],
  },
};

/** `fixloop: S3_PUBLIC_ACCESS on arn:aws:s3:::x (not found in Terraform)`, one plain line within GitHub's limit. */
export function issueTitle(finding: Pick<IssueFinding, "rule" | "resource">, reason: NoPrReason): string {
  const rule = finding.rule.catalogId ?? finding.rule.nativeId;
  const suffix = ` (${WHY[reason.kind].short})`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a title is one plain line
  const line = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, " ").trim();
  const text = showUnsafe(line(`fixloop: ${rule} on ${finding.resource}`));
  return `${clip(text, TITLE_LIMIT - suffix.length)}${suffix}`;
}

function findingText(host: GitHubHost, f: IssueFinding): string {
  const link = f.sourceLink
    ? `, ${safeLink(f.sourceLink, sourceLinkHosts(f.sourceTool, host), { label: "open in the source" })}`
    : "";
  return [
    `- Finding: ${mdCode(f.id)} ${mdInline(f.title, 200)}`,
    `- Rule: ${ruleText(f.rule)}`,
    `- Resource: ${mdInline(f.resource, 300)}`,
    `- Severity: ${mdInline(f.severity, 40)}`,
    `- Risk: ${mdInline(f.risk.explanation, 300)}`,
    ...(f.sla ? [`- SLA: ${slaText(f)}`] : []),
    `- Source: ${mdInline(f.sourceTool, 40)}, first seen ${mdInline(f.firstSeen ?? "—", 40)}${link}`,
    ...(f.attackPathText ? [`- ${attackPathLine(f.attackPathText)}`] : []),
    ...(guidanceLine(untitledGuidance(f)) ? [`- ${guidanceLine(untitledGuidance(f))}`] : []),
  ].join("\n");
}

function candidateText(host: GitHubHost, c: IssueCandidate): string {
  const where = `${c.repository.owner}/${c.repository.repo}: ${c.path}${c.line ? `:${c.line}` : ""}`;
  const link = safeLink(blobLink(host, c.repository, c.sha, c.path, c.line), gitHubHosts(host), {
    label: where,
  });
  const address = c.address ? ` ${mdCode(c.address, { maxLength: 120 })}` : "";
  return `- ${link}${address}, confidence ${c.confidence.toFixed(2)}: ${mdInline(c.evidence, 300)}`;
}

function candidatesText(host: GitHubHost, candidates: readonly IssueCandidate[]): string {
  if (candidates.length === 0) return "fixloop found no candidate block.";
  const lines = candidates.slice(0, CANDIDATES_SHOWN).map((c) => candidateText(host, c));
  const rest = candidates.length - CANDIDATES_SHOWN;
  if (rest > 0) lines.push(`- … and ${plural(rest, "more candidate")}`);
  return lines.join("\n");
}

const FAILING_RULES_SHOWN = 10;

function failingRuleText(r: FailingRule): string {
  const names = [r.ruleId, ...r.aliases].slice(0, 6).map((id) => mdCode(id, { maxLength: 80 }));
  return [
    `- ${mdCode(r.ruleId, { maxLength: 80 })}: ${mdInline(r.title, 200)}. Fix: ${mdInline(r.summary, 300)}. Named by ${names.join(", ")}.`,
    "",
    mdFence("diff", r.diff, 80)
      .split("\n")
      .map((line) => (line === "" ? "" : `  ${line}`))
      .join("\n"),
  ].join("\n");
}

/** For a finding that names no check: what fails on the resource, and how the sender names the check. */
function failingRulesText(rules: readonly FailingRule[]): string {
  const shown = rules.slice(0, FAILING_RULES_SHOWN).map(failingRuleText);
  if (rules.length > FAILING_RULES_SHOWN)
    shown.push(`- … and ${plural(rules.length - FAILING_RULES_SHOWN, "more rule")}`);
  const example = rules[0]?.aliases[0] ?? rules[0]?.ruleId ?? "S3.8";
  return [
    "",
    "",
    `The finding names no check, so fixloop ran its rule catalog on the located resource. ${plural(rules.length, "rule")} ${rules.length === 1 ? "fails" : "fail"} there; approving applies ${rules.length === 1 ? "its fix" : "all of these fixes"} in one pull request:`,
    "",
    ...(shown.length > 0 ? [shown.join("\n\n")] : ["No catalog rule fails on it."]),
    "",
    `To have fixloop fix only the check the source reports, send the finding again with \`rule_id\` set to that check (for example ${mdCode(`"rule_id": "${example}"`, { maxLength: 120 })}; \`control_id\` is read the same way): fixloop then fixes that check alone, and the risk gate decides whether it still waits for an approval.`,
  ].join("\n");
}

export function renderTrackingIssueBody(input: TrackingIssueInput): string {
  const why = WHY[input.reason.kind];
  const detail = mdInline(input.reason.detail, 500);
  // A gated fix shows the change it would make, as a diff block the reader can review; a finding
  // that names no check shows each failing rule with its own diff instead.
  const proposed = input.failingRules
    ? failingRulesText(input.failingRules)
    : input.proposedChange
      ? `\n\nThe change fixloop proposes:\n\n${mdFence("diff", input.proposedChange, 200)}`
      : "";
  const commands = input.commands
    .slice(0, 20)
    .map((c) => `- ${mdCode(c.usage, { maxLength: 80 })}: ${mdInline(c.description, 200)}`);
  return clipBody(
    renderTemplate("tracking-issue.md", {
      marker: issueMarker(input.finding.id),
      why: `${detail ? `${why.lead}\n\n${detail}` : why.lead}${proposed}`,
      finding: findingText(input.host, input.finding),
      candidates: candidatesText(input.host, input.candidates),
      next: why.next.map((s) => `- ${s}`).join("\n"),
      commands: commands.join("\n") || "none",
    }),
  );
}
