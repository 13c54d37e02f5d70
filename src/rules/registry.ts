// The rule catalog: one table, keyed by id. Adding a rule = one file + one line here.

import { awsKmsRotation } from "./aws-kms-rotation.ts";
import { ALIAS_TOOLS, type Rule } from "./types.ts";

export const RULES: readonly Rule[] = [awsKmsRotation];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** Newer Trivy reports `AWS-0086` where older ones said `AVD-AWS-0086`; both name one check. */
function normalizeAlias(id: string): string {
  return id.trim().toLowerCase().replace(/^avd-/, "");
}

/** Finds a rule by its catalog id or by any alias (CKV_AWS_7, AVD-AWS-0065, KMS.4 …), case-insensitively. */
export function resolveRuleId(id: string): Rule | undefined {
  const wanted = normalizeAlias(id);
  for (const rule of RULES) {
    if (rule.id === wanted) return rule;
    for (const tool of ALIAS_TOOLS) {
      if (rule.aliases[tool].some((a) => normalizeAlias(a) === wanted)) return rule;
    }
  }
  return undefined;
}
