// Shared by the attribute rules of the AWS/Azure/GCP baseline group: `contextAttributeRule`, an
// `attributeRule` whose verdict may depend on the rest of the resource (a sibling attribute, the
// provider version, another resource), plus provider-version and line helpers.

import { attribute, type Block, blocksOf } from "../hcl/ast.ts";
import type { Value } from "../hcl/evaluate.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import {
  type AttributeRuleSpec,
  attributeRule,
  managedResources,
  nestedBlocks,
  resolveIn,
} from "./helpers.ts";
import type { Detection, FixPlan, Rule, RuleContext } from "./types.ts";

export interface Located {
  /** The block holding the attribute; undefined when a block on `blockPath` is absent. */
  block: Block | undefined;
  /** Name of the attribute as written (one of `names`), undefined when absent. */
  name: string | undefined;
}

export interface ContextAttributeRuleSpec extends AttributeRuleSpec {
  /** Whether the resource is in scope at all; resources it cannot tell about are left out. */
  applies?(index: TerraformIndex, resource: Resource): boolean;
  /**
   * Verdict with the resource at hand: true compliant, false report, undefined "cannot tell" (not
   * reported). When absent, `compliant(value)` decides.
   */
  judge?(
    value: Value | undefined,
    index: TerraformIndex,
    resource: Resource,
    at: Located,
  ): boolean | undefined;
  /** A plan that replaces the generic fix (e.g. an `unfixable` explanation for a special case). */
  fixOverride?(detection: Detection, ctx: RuleContext): FixPlan | undefined;
}

/** Walks `blockPath`; "dynamic" when a dynamic block generates a step. */
export function locate(resource: Resource, blockPath: string[], names: string[]): Located | "dynamic" {
  let block: Block = resource.block;
  for (const step of blockPath) {
    const { blocks, dynamic } = nestedBlocks(block, step);
    if (dynamic) return "dynamic";
    const next = blocks[0];
    if (!next) return { block: undefined, name: undefined };
    block = next;
  }
  const name = names.find((n) => attribute(block.body, n));
  return { block, name };
}

export function contextAttributeRule(spec: ContextAttributeRuleSpec): Rule {
  const base = attributeRule(spec);
  return {
    ...base,
    detect({ index }: RuleContext): Detection[] {
      const out: Detection[] = [];
      for (const resource of managedResources(index, spec.resourceTypes)) {
        if (spec.applies && !spec.applies(index, resource)) continue;
        const at = locate(resource, spec.blockPath, spec.names);
        if (at === "dynamic") continue;
        let value: Value | undefined;
        let line = resource.line;
        if (at.block && at.name) {
          const attr = attribute(at.block.body, at.name)!;
          const r = resolveIn(index, resource, attr)!;
          if (!r.known) continue;
          value = r.value;
          line = attr.line;
        }
        const verdict = spec.judge ? spec.judge(value, index, resource, at) : spec.compliant(value);
        if (verdict !== false) continue;
        out.push({ ruleId: spec.id, resource, key: "", line, message: spec.message(resource, value) });
      }
      return out;
    },
    fix(detection: Detection, ctx: RuleContext): FixPlan {
      return spec.fixOverride?.(detection, ctx) ?? base.fix!(detection, ctx);
    },
  };
}

/** Statically known value of `name` in `block` (undefined: absent; "unknown": cannot be resolved). */
export function valueIn(
  index: TerraformIndex,
  resource: Resource,
  block: Block,
  name: string,
): Value | undefined | "unknown" {
  const attr = attribute(block.body, name);
  if (!attr) return undefined;
  const r = resolveIn(index, resource, attr)!;
  return r.known ? r.value : "unknown";
}

/** 1-based line of a character offset in a file of the index. */
export function lineAt(index: TerraformIndex, file: string, offset: number): number {
  const text = index.files.get(file)?.text ?? "";
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The single major version a provider's `required_providers` constraint allows (`~> 2.46`,
 * `= 2.99.0`, `>= 2.0, < 3.0` → 2), from the resource's module or else the modules calling it;
 * undefined when there is no constraint, it spans majors, or modules disagree.
 */
export function pinnedProviderMajor(
  index: TerraformIndex,
  resource: Resource,
  provider: string,
): number | undefined {
  const fromModule = (dir: string): Array<number | undefined> => {
    const mod = index.modules.get(dir);
    if (!mod) return [];
    const out: Array<number | undefined> = [];
    for (const file of mod.files) {
      for (const tf of blocksOf(file.body, "terraform")) {
        for (const rp of blocksOf(tf.body, "required_providers")) {
          const attr = attribute(rp.body, provider);
          if (!attr) continue;
          const v = resolveIn(index, resource, attr);
          let constraint: string | undefined;
          if (v?.known && typeof v.value === "string") constraint = v.value;
          else if (v?.known && v.value && typeof v.value === "object" && !Array.isArray(v.value)) {
            const c = v.value.version;
            if (typeof c === "string") constraint = c;
          }
          out.push(constraint === undefined ? undefined : majorOf(constraint));
        }
      }
      // Terraform 0.12-era `provider "azurerm" { version = "~> 2.0" }`.
      for (const pb of blocksOf(file.body, "provider")) {
        const attr = pb.labels[0] === provider ? attribute(pb.body, "version") : undefined;
        if (!attr) continue;
        const v = resolveIn(index, resource, attr);
        out.push(v?.known && typeof v.value === "string" ? majorOf(v.value) : undefined);
      }
    }
    return out;
  };
  // A child module usually leaves the constraint to the root modules that call it.
  let dirs = [resource.module];
  let found: Array<number | undefined> = [];
  const seen = new Set<string>();
  while (found.length === 0 && dirs.length > 0) {
    for (const d of dirs) seen.add(d);
    found = dirs.flatMap(fromModule);
    dirs = dirs
      .flatMap((d) => index.modules.get(d)?.calledBy.map((c) => c.module) ?? [])
      .filter((d) => !seen.has(d));
  }
  if (found.length === 0) return undefined;
  const first = found[0];
  return found.every((m) => m === first) ? first : undefined;
}

/** Major version a constraint string pins, if it pins exactly one. */
export function majorOf(constraint: string): number | undefined {
  let low: number | undefined;
  let highExclusive: number | undefined;
  for (const raw of constraint.split(",")) {
    const m = readVersionConstraint(raw);
    if (!m) return undefined;
    const { op, major } = m;
    const parts = [m.minor, m.patch].filter((p) => p !== undefined).length;
    switch (op) {
      case "=":
        low = major;
        highExclusive = major + 1;
        break;
      case "~>":
        // `~> 2.46` allows 2.x; `~> 2` allows any 2+ (spans majors).
        low = Math.max(low ?? major, major);
        if (parts >= 1) highExclusive = Math.min(highExclusive ?? major + 1, major + 1);
        break;
      case ">=":
      case ">":
        low = Math.max(low ?? major, major);
        break;
      case "<":
        highExclusive = Math.min(
          highExclusive ?? Number.POSITIVE_INFINITY,
          m.minor && Number(m.minor) > 0 ? major + 1 : major,
        );
        break;
      case "<=":
        highExclusive = Math.min(highExclusive ?? Number.POSITIVE_INFINITY, major + 1);
        break;
      default:
        break;
    }
  }
  if (low === undefined || highExclusive === undefined) return undefined;
  return highExclusive - low === 1 ? low : undefined;
}

/** `\s` of a regular expression: ASCII spaces checked directly, the rest through the class. */
const isSpace = (code: number) =>
  code === 32 || (code >= 9 && code <= 13) || (code > 127 && /\s/.test(String.fromCharCode(code)));

const CONSTRAINT_OPERATORS = ["~>", ">=", "<=", "!=", ">", "<", "="];

/**
 * One `op version` of a constraint (`~> 2.46`, `>= v3`), read left to right in one pass: the
 * regular expression it replaces, `^\s*(op)?\s*v?(\d+)…`, backtracked over every split of a long
 * run of spaces (quadratic: 20,000 spaces cost 0.3 s, a 1 MB string would take minutes).
 */
export function readVersionConstraint(
  raw: string,
): { op: string; major: number; minor?: string; patch?: string } | undefined {
  const spaces = (at: number) => {
    while (at < raw.length && isSpace(raw.charCodeAt(at))) at++;
    return at;
  };
  const digits = (at: number) => {
    let end = at;
    while (end < raw.length && raw.charCodeAt(end) >= 48 && raw.charCodeAt(end) <= 57) end++;
    return raw.slice(at, end);
  };
  let i = spaces(0);
  const op = CONSTRAINT_OPERATORS.find((o) => raw.startsWith(o, i));
  if (op) i = spaces(i + op.length);
  if (raw[i] === "v") i++;
  const major = digits(i);
  if (!major) return undefined;
  i += major.length;
  const dotted = () => {
    const d = raw[i] === "." ? digits(i + 1) : "";
    if (d) i += d.length + 1;
    return d || undefined;
  };
  const minor = dotted();
  const patch = minor === undefined ? undefined : dotted();
  return {
    op: op ?? "=",
    major: Number(major),
    ...(minor !== undefined ? { minor } : {}),
    ...(patch !== undefined ? { patch } : {}),
  };
}
