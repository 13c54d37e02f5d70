import { PROVIDER_TYPE } from "../../rules/provider-versions.ts";
import { RULES } from "../../rules/registry.ts";
import { ALIAS_TOOLS, type Rule } from "../../rules/types.ts";
import type { CliIo } from "../io.ts";
import { oneOf, parseCommandArgs } from "../options.ts";
import { RULES_SPEC } from "../spec.ts";

export async function rulesCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(RULES_SPEC, args);
  const format = oneOf(values.format, ["text", "json"] as const, "--format", "text");
  if (format === "json") {
    const rules = RULES.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      provider: r.provider,
      resourceTypes: r.resourceTypes,
      fixable: r.fixable === true,
      disruptive: r.disruptive,
      ...(r.fixable === true ? {} : { notFixableBecause: r.fixable.reason }),
      impact: r.impact,
      fixProviderVersions: { provider: PROVIDER_TYPE[r.provider], ...r.fixProviderVersions },
      aliases: r.aliases,
    }));
    io.stdout.write(`${JSON.stringify({ rules }, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  for (const r of RULES) {
    out.push(`${r.id}  [${r.severity}]${r.fixable === true ? "" : "  (detect only)"}`);
    out.push(`    ${r.title}`);
    out.push(`    resources: ${r.resourceTypes.join(", ")}`);
    for (const tool of ALIAS_TOOLS)
      if (r.aliases[tool].length) out.push(`    ${tool}: ${r.aliases[tool].join(", ")}`);
    if (r.fixable !== true) out.push(`    not auto-fixed: ${r.fixable.reason}`);
    else out.push(`    fix checked against: ${describeVersions(r)}`);
    for (const i of r.impact) out.push(`    impact: ${i}`);
    out.push("");
  }
  io.stdout.write(`${out.join("\n")}${RULES.length} rules.\n`);
  return 0;
}

/** `aws ">= 3.0" (aws_vpc_security_group_ingress_rule: ">= 4.62")`. */
function describeVersions(r: Rule): string {
  const type = PROVIDER_TYPE[r.provider];
  const by = Object.entries(r.fixProviderVersions.byResourceType ?? {}).map(([t, v]) => `${t}: "${v}"`);
  return `${type} "${r.fixProviderVersions.versions}"${by.length ? ` (${by.join(", ")})` : ""}`;
}
