// What a rule is. Rules are pure: `detect` reads the index, `fix` returns edit operations;
// the fix engine (engine.ts) applies, verifies and re-scans them.

import type { EditOp } from "../hcl/edit.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";

export type Severity = "critical" | "high" | "medium" | "low";

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Ids the same check carries in other tools, from their own sources (docs/research/rule-aliases.md). */
export interface RuleAliases {
  checkov: string[];
  trivy: string[];
  tfsec: string[];
  kics: string[];
  securityhub: string[];
  prowler: string[];
}

export const ALIAS_TOOLS = ["checkov", "trivy", "tfsec", "kics", "securityhub", "prowler"] as const;

export interface RuleContext {
  index: TerraformIndex;
}

export interface Detection {
  ruleId: string;
  /** The resource the finding is reported on (and whose block the fix starts from). */
  resource: Resource;
  /** Distinguishes several findings of one rule on one resource (e.g. `ingress[1]`); "" when unique. */
  key: string;
  /** Line to report: the offending attribute when there is one, else the resource's first line. */
  line: number;
  message: string;
}

export interface FileOps {
  /** Path relative to the index root. A path not in the index is created. */
  file: string;
  ops: EditOp[];
}

export type FixPlan =
  | { kind: "edits"; files: FileOps[]; summary: string }
  | { kind: "unfixable"; reason: string };

/** The provider versions a rule's fix was checked against, in Terraform constraint syntax. */
export interface FixProviderVersions {
  /** e.g. ">= 3.0": every fix of the rule writes resources and attributes that exist in that range. */
  versions: string;
  /** Narrower ranges where the fix of one resource type needs more (e.g. a resource added in 4.62). */
  byResourceType?: Record<string, string>;
}

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  provider: "aws" | "azure" | "gcp";
  resourceTypes: string[];
  aliases: RuleAliases;
  /** Why it matters, one or two sentences (shown in `fixloop rules`, SARIF help and PR bodies). */
  rationale: string;
  /** What applying the fix does beyond the obvious — a reviewer must read these. The catalog's
   *  notes (`fixloop rules`, SARIF help), covering every resource type of the rule. */
  impact: string[];
  /** The notes for one resource type where they differ by type: what a fix, a skip, a PR body or a
   *  gate says about a resource of that type (impactOn). */
  impactByResourceType?: Record<string, string[]>;
  /** The fix replaces a resource or closes access someone may rely on: critical findings then wait
   *  for a human approval before a PR opens (triage gates). */
  disruptive: boolean;
  /** Provider versions the fix was checked against; the fix engine refuses a fix where the module pins
   *  a provider range with no version in common (provider-versions.ts). */
  fixProviderVersions: FixProviderVersions;
  /** False with the reason when the rule only detects. */
  fixable: true | { reason: string };
  detect(ctx: RuleContext): Detection[];
  /** Edits that make this detection go away; only called when `fixable` is true. */
  fix?(detection: Detection, ctx: RuleContext): FixPlan;
}

/** The impact notes that apply to a resource of `resourceType` (the catalog's when not told apart). */
export function impactOn(
  rule: Pick<Rule, "impact" | "impactByResourceType">,
  resourceType: string,
): string[] {
  const byType = rule.impactByResourceType;
  return [...(byType && Object.hasOwn(byType, resourceType) ? (byType[resourceType] ?? []) : rule.impact)];
}

export function detectionId(d: Detection): string {
  return `${d.ruleId}:${d.resource.module}/${d.resource.address}${d.key ? `:${d.key}` : ""}`;
}
