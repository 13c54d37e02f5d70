// The PR scan's pure core: which detections a pull request introduces (in its head, not in its base,
// matched by rule, module, resource address and key — never by line, which any edit above moves),
// the check run's conclusion under `prScan`, and one annotation per detection with the fix as a
// suggestion.

import type { RepoConfig } from "../config/repo-config.ts";
import type { CheckAnnotation } from "../github/platform.ts";
import { type Detection, detectionId, type Rule } from "../rules/types.ts";
import type { Tier } from "../triage/risk.ts";

const RANK: Record<Tier, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** A detection's tier on a PR: the rule's severity (no runtime context exists for code not deployed). */
export const tierOf = (rule: Pick<Rule, "severity">): Tier => rule.severity;

export const atOrAbove = (tier: Tier, floor: Tier) => RANK[tier] <= RANK[floor];

/** Head detections whose identity the base does not have. */
export function introducedDetections(head: readonly Detection[], base: readonly Detection[]): Detection[] {
  const before = new Set(base.map(detectionId));
  return head.filter((d) => !before.has(detectionId(d)));
}

export type ScanConclusion = "success" | "neutral" | "failure";

/** success: nothing introduced; `prScan.conclusion` when one reaches `prScan.failAt`; neutral otherwise. */
export function scanConclusion(tiers: readonly Tier[], prScan: RepoConfig["prScan"]): ScanConclusion {
  if (tiers.length === 0) return "success";
  return tiers.some((t) => atOrAbove(t, prScan.failAt)) ? prScan.conclusion : "neutral";
}

/** Whether a new detection needs a security review (`securityReview.tiers`). */
export function needsSecurityReview(tiers: readonly Tier[], config: RepoConfig): boolean {
  return tiers.some((t) => config.securityReview.tiers.includes(t));
}

/** At most this much of a fix diff goes into an annotation (GitHub allows 64 KB; a reviewer reads ~20 lines). */
const MAX_DIFF_LINES = 20;
const MAX_DIFF_CHARS = 2000;

/** The diff, cut at 20 lines / 2000 characters with a line saying how much was left out. */
export function clipDiff(diff: string): string {
  const lines = diff.replace(/\n$/, "").split("\n");
  let kept = lines.slice(0, MAX_DIFF_LINES);
  while (kept.join("\n").length > MAX_DIFF_CHARS && kept.length > 1) kept = kept.slice(0, -1);
  const cut = lines.length - kept.length;
  return cut > 0 ? `${kept.join("\n")}\n… ${cut} more line(s) of the fix not shown` : kept.join("\n");
}

/** One annotation on the detection's exact line; the fix (when fixloop has one) as a suggestion. */
export function annotationFor(
  d: Detection,
  rule: Rule,
  fix: { diff: string } | { unfixable: string },
  failing: boolean,
): CheckAnnotation {
  const suggestion =
    "diff" in fix
      ? `Suggested fix (fixloop ${rule.id}):\n${clipDiff(fix.diff)}`
      : `No automatic fix: ${fix.unfixable}`;
  return {
    path: d.resource.file,
    startLine: d.line,
    endLine: d.line,
    level: failing ? "failure" : "warning",
    title: `${rule.id} (${tierOf(rule)}): ${d.resource.address}`.slice(0, 255),
    message: `${d.message}\n\n${suggestion}`.slice(0, 60_000),
  };
}
