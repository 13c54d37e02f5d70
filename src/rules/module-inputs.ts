// Fixes at a module call site for `fix --findings` (a finding located at a registry module call):
// the inputs that apply a rule's fix to the resource the module creates, read from the one table
// of module knowledge (modules/registry.ts).

import { withoutSubdirectory } from "../hcl/module-source.ts";
import { knownModuleOf, type RuleModuleOptions } from "./modules/calls.ts";

/** The fix of aws-s3-encryption when the repository does not require SSE-KMS: SSE-S3, stated explicitly. */
const SSE_S3 = '{ rule = { apply_server_side_encryption_by_default = { sse_algorithm = "AES256" } } }';

/** input name → HCL value that fixes `ruleId` on what the module at `source` creates; undefined when none is known. */
export function moduleInputFix(
  source: string | undefined,
  ruleId: string | null,
  options: RuleModuleOptions = {},
): Record<string, string> | undefined {
  if (!source || !ruleId) return undefined;
  const known = knownModuleOf({ source: withoutSubdirectory(source) });
  if (!known) return undefined;
  const out: Record<string, string> = {};
  for (const check of known.module.checks) {
    if (check.ruleId !== ruleId || typeof check.fix !== "function") continue;
    if (check.onlyWith && !options[check.onlyWith]) {
      if (ruleId === "aws-s3-encryption") out[check.input] = SSE_S3;
      continue;
    }
    out[check.input] = check.fix(undefined);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
