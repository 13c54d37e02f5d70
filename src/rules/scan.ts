// Running the catalog over an index: every rule's detections, in a stable order (file, line, rule).

import type { TerraformIndex } from "../hcl/index.ts";
import { applySuppressions, type SuppressionResult } from "../suppress/apply.ts";
import type { Suppression } from "../suppress/comments.ts";
import type { Detection, Rule } from "./types.ts";

export function scanIndex(index: TerraformIndex, rules: readonly Rule[]): Detection[] {
  const ctx = { index };
  const out = rules.flatMap((rule) => rule.detect(ctx));
  // Ordered by localeCompare, compared as ranks: each distinct string is collated once (a
  // localeCompare per comparison was most of the sort on a large tree).
  const file = collationRanks(out.map((d) => d.resource.file));
  const rule = collationRanks(out.map((d) => d.ruleId));
  const key = collationRanks(out.map((d) => d.key));
  return out.sort(
    (a, b) =>
      file.get(a.resource.file)! - file.get(b.resource.file)! ||
      a.line - b.line ||
      rule.get(a.ruleId)! - rule.get(b.ruleId)! ||
      key.get(a.key)! - key.get(b.key)!,
  );
}

/** Each distinct string's place in localeCompare order; strings it holds equal share a rank. */
function collationRanks(values: string[]): Map<string, number> {
  const distinct = [...new Set(values)].sort((a, b) => a.localeCompare(b));
  const ranks = new Map<string, number>();
  let rank = 0;
  distinct.forEach((v, i) => {
    if (i > 0 && distinct[i - 1]!.localeCompare(v) !== 0) rank++;
    ranks.set(v, rank);
  });
  return ranks;
}

/**
 * The catalog's detections, split into those to report and fix and those a team suppressed in code
 * (`#checkov:skip`, `#tfsec:ignore`, `.trivyignore`…). `today` is yyyy-mm-dd: expired ones do not count.
 */
export function scanWithSuppressions(
  index: TerraformIndex,
  rules: readonly Rule[],
  suppressions: readonly Suppression[],
  today: string,
): SuppressionResult {
  return applySuppressions(scanIndex(index, rules), suppressions, today);
}
