// Running the catalog over an index: every rule's detections, in a stable order (file, line, rule).

import type { TerraformIndex } from "../hcl/index.ts";
import { applySuppressions, type SuppressionResult } from "../suppress/apply.ts";
import type { Suppression } from "../suppress/comments.ts";
import type { Detection, Rule } from "./types.ts";

export function scanIndex(index: TerraformIndex, rules: readonly Rule[]): Detection[] {
  const ctx = { index };
  const out = rules.flatMap((rule) => rule.detect(ctx));
  return out.sort(
    (a, b) =>
      a.resource.file.localeCompare(b.resource.file) ||
      a.line - b.line ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.key.localeCompare(b.key),
  );
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
