// A stored finding as the PR body and the tracking issue present it. Pure: the renderers escape
// everything that came from the finding; this module only picks the fields.

import { commandsFor } from "../app/commands.ts";
import { resourceDescription } from "../evidence/labels.ts";
import { UNSPECIFIED_RULE } from "../findings/model.ts";
import type { FailingRule, IssueFinding } from "../github/issue-body.ts";
import type { Command, Guidance, PrFinding } from "../github/pr-body.ts";
import { ruleById } from "../rules/registry.ts";
import type { ALIAS_TOOLS } from "../rules/types.ts";
import { slaHoursOf } from "../sla/ladder.ts";
import type { FindingSource, StoredFinding } from "../store/findings.ts";
import type { PatchPlan } from "./plan-fix.ts";

/** The comment commands fixloop answers on its PRs and issues, read from their table (src/app/commands.ts). */
export const COMMANDS: Command[] = commandsFor("onPullRequest");

export const ISSUE_COMMANDS: Command[] = commandsFor("onIssue");

export function prFinding(f: StoredFinding, sources: readonly FindingSource[]): PrFinding {
  return {
    id: f.id,
    title: f.title,
    rule: f.rule,
    sourceTool: sources.map((s) => s.tool).join(", ") || "unknown",
    firstSeen: f.firstSeen,
    sourceLink: f.context.remediationUrl ?? null,
    risk: {
      score: f.risk.score,
      tier: f.risk.tier,
      explanation: f.risk.explanation,
      factors: f.risk.factors,
    },
    attackPath: f.context.attackPath === true,
    attackPathText: f.context.attackPathText ?? null,
    guidance: guidanceOf(f.context),
    sla: { due: f.slaDue, hours: slaHoursOf(f) },
  };
}

/** The source's guidance (remediation URL and/or text), or null when it gives none. */
export function guidanceOf(
  c: Pick<StoredFinding["context"], "remediationUrl" | "remediationText">,
): Guidance | null {
  const url = c.remediationUrl ?? null;
  const text = c.remediationText ?? null;
  return url || text ? { url, text } : null;
}

export function issueFinding(f: StoredFinding, sources: readonly FindingSource[]): IssueFinding {
  const { attackPath: _unused, ...rest } = prFinding(f, sources);
  return { ...rest, severity: f.severity, resource: resourceDescription(f.resource) };
}

/** The generic payload comes from CSPMs: their ids for a check first, then the IaC scanners'. */
const CSPM_FIRST: readonly (typeof ALIAS_TOOLS)[number][] = [
  "securityhub",
  "prowler",
  "checkov",
  "trivy",
  "tfsec",
  "kics",
];

/**
 * For a finding that names no check: each catalog rule the plan fixes on the located resource,
 * with its own diff and the ids the tools give it. Undefined for a finding that names its check.
 */
export function failingRulesOf(f: Pick<StoredFinding, "rule">, plan: PatchPlan): FailingRule[] | undefined {
  if (f.rule.nativeId !== UNSPECIFIED_RULE) return undefined;
  return plan.result.outcomes
    .filter((o) => o.status === "fixed")
    .map((o) => {
      const rule = ruleById(o.detection.ruleId);
      return {
        ruleId: o.detection.ruleId,
        title: rule?.title ?? o.detection.ruleId,
        aliases: rule ? [...new Set(CSPM_FIRST.flatMap((tool) => rule.aliases[tool].slice(0, 1)))] : [],
        summary: o.reason,
        diff: o.changes.map((c) => c.diff).join(""),
      };
    });
}
