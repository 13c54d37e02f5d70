// Which provider versions a fix is valid for, against the version constraints a module pins.
// Every rule declares the range its fix was checked against (Rule.fixProviderVersions); the fix
// engine refuses a fix whose range has no version in common with the module's pinned range (e.g.
// `aws_vpc_security_group_ingress_rule` under `aws ~> 3.74`, where that resource does not exist).

import { attribute, blocksOf } from "../hcl/ast.ts";
import { evaluate } from "../hcl/evaluate.ts";
import { moduleScope, type TerraformIndex } from "../hcl/index.ts";
import { readVersionConstraint } from "./attribute-shared.ts";
import type { Detection, Rule } from "./types.ts";

type Version = [number, number, number];

interface Bound {
  v: Version;
  incl: boolean;
}

/** The versions a constraint allows, as one interval (`!=` is ignored: it removes single points). */
export interface VersionInterval {
  lo: Bound;
  hi?: Bound;
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * `">= 3.0, < 5.0"`, `"~> 4.62"`, `"= 5.1.0"` → the interval of versions it allows; undefined when a
 * part cannot be read. Parts are read with readVersionConstraint (one pass, no backtracking).
 */
export function versionInterval(constraint: string): VersionInterval | undefined {
  let lo: Bound = { v: [0, 0, 0], incl: true };
  let hi: Bound | undefined;
  const raise = (v: Version, incl: boolean) => {
    const c = cmp(v, lo.v);
    if (c > 0 || (c === 0 && !incl)) lo = { v, incl };
  };
  const lower = (v: Version, incl: boolean) => {
    const c = hi ? cmp(v, hi.v) : -1;
    if (!hi || c < 0 || (c === 0 && !incl)) hi = { v, incl };
  };
  for (const part of constraint.split(",")) {
    const m = readVersionConstraint(part);
    if (!m) return undefined;
    const v: Version = [m.major, Number(m.minor ?? 0), Number(m.patch ?? 0)];
    const segments = m.patch !== undefined ? 3 : m.minor !== undefined ? 2 : 1;
    if (m.op === "=") {
      raise(v, true);
      lower(v, true);
    } else if (m.op === ">") raise(v, false);
    else if (m.op === ">=") raise(v, true);
    else if (m.op === "<") lower(v, false);
    else if (m.op === "<=") lower(v, true);
    else if (m.op === "~>") {
      raise(v, true);
      // `~> 1` and `~> 1.2` allow up to the next major; `~> 1.2.3` up to the next minor.
      lower(segments === 3 ? [v[0], v[1] + 1, 0] : [v[0] + 1, 0, 0], false);
    }
  }
  return hi ? { lo, hi } : { lo };
}

/** Whether some version satisfies both intervals. */
export function intervalsMeet(a: VersionInterval, b: VersionInterval): boolean {
  const lo = cmp(a.lo.v, b.lo.v) > 0 || (cmp(a.lo.v, b.lo.v) === 0 && !a.lo.incl) ? a.lo : b.lo;
  const his = [a.hi, b.hi].filter((h): h is Bound => h !== undefined);
  if (his.length === 0) return true;
  const hi = his.reduce((x, y) => (cmp(x.v, y.v) < 0 || (cmp(x.v, y.v) === 0 && !x.incl) ? x : y));
  const c = cmp(lo.v, hi.v);
  return c < 0 || (c === 0 && lo.incl && hi.incl);
}

/** Whether two constraint strings allow a common version; undefined when either cannot be read. */
export function constraintsMeet(a: string, b: string): boolean | undefined {
  const x = versionInterval(a);
  const y = versionInterval(b);
  return x && y ? intervalsMeet(x, y) : undefined;
}

/** Provider local names as the rules name them → the registry type (`hashicorp/<type>`). */
export const PROVIDER_TYPE: Record<Rule["provider"], string> = {
  aws: "aws",
  azure: "azurerm",
  gcp: "google",
};

/** Version constraints for provider type `type` declared in one module directory. */
function constraintsIn(index: TerraformIndex, dir: string, type: string): string[] {
  const mod = index.modules.get(dir);
  if (!mod) return [];
  const scope = moduleScope(mod);
  const out: string[] = [];
  for (const file of mod.files) {
    for (const tf of blocksOf(file.body, "terraform")) {
      for (const rp of blocksOf(tf.body, "required_providers")) {
        for (const item of rp.body) {
          if (item.kind !== "attribute") continue;
          const v = evaluate(item.expr, scope);
          if (!v.known) continue;
          if (typeof v.value === "string" && item.name === type) out.push(v.value);
          else if (v.value && typeof v.value === "object" && !Array.isArray(v.value)) {
            const { source, version } = v.value as Record<string, unknown>;
            const named = typeof source === "string" ? source.split("/").at(-1) === type : item.name === type;
            if (named && typeof version === "string") out.push(version);
          }
        }
      }
    }
    // Terraform < 0.13 style: provider "aws" { version = "~> 2.0" }
    for (const p of blocksOf(file.body, "provider")) {
      if (p.labels[0] !== type) continue;
      const version = attribute(p.body, "version");
      const v = version ? evaluate(version.expr, scope) : undefined;
      if (v?.known && typeof v.value === "string") out.push(v.value);
    }
  }
  return out;
}

/** The constraints that apply to a module: its own and those of every module that calls it. */
export function pinnedConstraints(
  index: TerraformIndex,
  dir: string,
  type: string,
): Array<{ dir: string; constraint: string }> {
  const out: Array<{ dir: string; constraint: string }> = [];
  const seen = new Set<string>();
  const walk = (d: string) => {
    if (seen.has(d)) return;
    seen.add(d);
    for (const constraint of constraintsIn(index, d, type)) out.push({ dir: d, constraint });
    for (const call of index.modules.get(d)?.calledBy ?? []) walk(call.module);
  };
  walk(dir);
  return out;
}

/** The range a rule's fix was checked against for this detection's resource type. */
export function checkedRange(rule: Rule, detection: Detection): string {
  const v = rule.fixProviderVersions;
  return v.byResourceType?.[detection.resource.type] ?? v.versions;
}

/** Why the module's pinned provider excludes the rule's fix, or undefined when it does not. */
export function providerVersionRefusal(
  index: TerraformIndex,
  rule: Rule,
  detection: Detection,
): string | undefined {
  const type = PROVIDER_TYPE[rule.provider];
  const range = checkedRange(rule, detection);
  for (const { dir, constraint } of pinnedConstraints(index, detection.resource.module, type)) {
    if (constraintsMeet(constraint, range) !== false) continue;
    const where = dir === "" || dir === "." ? "the root module" : dir;
    return (
      `${where} pins the ${type} provider to "${constraint}", but this fix was checked against ${type} ` +
      `"${range}" (for ${detection.resource.type}); no version satisfies both, so the fix is not applied`
    );
  }
  return undefined;
}
