// Running the catalog over an index: every rule's detections, in a stable order (file, line, rule).

import type { TerraformIndex } from "../hcl/index.ts";
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
