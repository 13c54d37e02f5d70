// Option handling shared by the commands: rule selection and output format.

import { configuredRules, type RuleOptions, resolveRuleId } from "../rules/registry.ts";
import type { Rule } from "../rules/types.ts";
import { CliError } from "./io.ts";

/**
 * The rules named by --rule (catalog ids or any alias), or the whole catalog; with `options`, as
 * configured (e.g. --require-kms).
 */
export function selectRules(ids: string[] | undefined, options?: RuleOptions): Rule[] {
  const catalog = configuredRules(options);
  if (!ids || ids.length === 0) return [...catalog];
  const out = new Set<Rule>();
  for (const id of ids) {
    const rule = resolveRuleId(id);
    if (!rule)
      throw new CliError(`unknown rule "${id}": use a catalog id or an alias from \`fixloop rules\``);
    out.add(catalog.find((r) => r.id === rule.id) ?? rule);
  }
  return [...out];
}

/** Rule options given as flags: `--require-kms` is `rules.options.aws-s3-encryption.requireKms`. */
export function ruleOptionFlags(values: { "require-kms"?: boolean }): RuleOptions | undefined {
  return values["require-kms"] ? { "aws-s3-encryption": { requireKms: true } } : undefined;
}

export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
}
