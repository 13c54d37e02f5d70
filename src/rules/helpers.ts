// Building blocks shared by rules: reading values from a resource, and `attributeRule`, the
// factory for the common shape "this (possibly nested) attribute must have a safe value".

import { type Attribute, attribute, type Block, blocksOf, type Expr } from "../hcl/ast.ts";
import { evaluate, type Resolved, type Value } from "../hcl/evaluate.ts";
import {
  type Instance,
  instanceScope,
  moduleScope,
  type Resource,
  resourceInstances,
  type TerraformIndex,
} from "../hcl/index.ts";
import type {
  Detection,
  FixPlan,
  FixProviderVersions,
  Rule,
  RuleAliases,
  RuleContext,
  Severity,
} from "./types.ts";
import { fixAtDefinition } from "./value-origin.ts";

/**
 * A value as Terraform reads it for an argument typed `bool`: `true`/`false`, and the strings
 * "true"/"1" and "false"/"0", which go-cty converts (so `enable_key_rotation = "true"` is on);
 * undefined for anything else — absent, unknown shapes, "True" or "yes", which Terraform rejects.
 * Every rule that reads a boolean goes through this, so a compliant value is never reported and a
 * fix never rewrites "true" to true.
 */
export function asBool(value: Value | undefined): boolean | undefined {
  if (value === true || value === "true" || value === "1") return true;
  if (value === false || value === "false" || value === "0") return false;
  return undefined;
}

/** A bool argument that is statically on (`true`, "true", "1"). */
export const isTrue = (value: Value | undefined): boolean => asBool(value) === true;

/** A bool argument that is statically off (`false`, "false", "0"); absent is not off. */
export const isFalse = (value: Value | undefined): boolean => asBool(value) === false;

/** Per resource list (one per index), the managed resources of each requested type list: rules ask
 *  for the same types once per detection, and filtering the whole tree each time was quadratic. */
const managedByTypes = new WeakMap<readonly Resource[], Map<string, readonly Resource[]>>();

export function managedResources(index: TerraformIndex, types: readonly string[]): Resource[] {
  let byTypes = managedByTypes.get(index.resources);
  if (!byTypes) {
    byTypes = new Map();
    managedByTypes.set(index.resources, byTypes);
  }
  const key = types.join("\0");
  let found = byTypes.get(key);
  if (!found) {
    found =
      types.length === 1
        ? (managedByType(index.resources).get(types[0]!) ?? [])
        : index.resources.filter((r) => r.mode === "managed" && types.includes(r.type));
    byTypes.set(key, found);
  }
  return [...found]; // a copy: callers may sort or splice what they get
}

const managedOfType = new WeakMap<readonly Resource[], Map<string, Resource[]>>();

/** The managed resources of each type, in the list's order: one pass for every one-type lookup. */
function managedByType(resources: readonly Resource[]): Map<string, Resource[]> {
  let byType = managedOfType.get(resources);
  if (!byType) {
    byType = new Map();
    for (const r of resources) {
      if (r.mode !== "managed") continue;
      const list = byType.get(r.type);
      if (list) list.push(r);
      else byType.set(r.type, [r]);
    }
    managedOfType.set(resources, byType);
  }
  return byType;
}

/**
 * Static value of an expression of `resource`, in its module's scope (var defaults, tfvars, locals);
 * with `instance`, `each.*` / `count.index` are that for_each/count instance's.
 */
export function resolveExpr(
  index: TerraformIndex,
  resource: Resource,
  expr: Expr,
  instance?: Instance,
): Resolved {
  const mod = index.modules.get(resource.module);
  const scope = mod ? moduleScope(mod) : { variable: () => undefined, local: () => undefined };
  return evaluate(expr, instanceScope(scope, instance));
}

/**
 * The instances whose values differ from the resource's own (`each.value.port`): a known for_each
 * or count collection gives one each; otherwise none (the value stays unknown, with its reason).
 */
export function knownInstances(index: TerraformIndex, resource: Resource): Instance[] {
  const instances = resourceInstances(index, resource);
  return instances.kind === "known" ? instances.list : [];
}

/** Resolves an attribute of a block in the resource's module scope. */
export function resolveIn(
  index: TerraformIndex,
  resource: Resource,
  attr: Attribute | undefined,
  instance?: Instance,
): Resolved | undefined {
  return attr ? resolveExpr(index, resource, attr.expr, instance) : undefined;
}

/** Source text of a node of `resource`'s file, as written. */
export function sourceText(
  index: TerraformIndex,
  resource: Resource,
  node: { start: number; end: number },
): string {
  return (index.files.get(resource.file)?.text ?? "").slice(node.start, node.end);
}

/** Text of an attribute's expression as written, e.g. `var.encrypted`. */
export function exprText(index: TerraformIndex, resource: Resource, attr: Attribute): string {
  return sourceText(index, resource, attr.expr);
}

export function isLiteral(attr: Attribute): boolean {
  return attr.expr.kind === "literal";
}

/** Blocks of `type` inside `block`, and whether a `dynamic "type"` block generates more of them. */
export function nestedBlocks(block: Block, type: string): { blocks: Block[]; dynamic: boolean } {
  const dynamic = blocksOf(block.body, "dynamic").some((d) => d.labels[0] === type);
  return { blocks: blocksOf(block.body, type), dynamic };
}

export interface AttributeRuleSpec {
  id: string;
  title: string;
  severity: Severity;
  provider: Rule["provider"];
  resourceTypes: string[];
  fixProviderVersions: FixProviderVersions;
  aliases: RuleAliases;
  rationale: string;
  impact: string[];
  /** See Rule.impactByResourceType. */
  impactByResourceType?: Record<string, string[]>;
  /** See Rule.disruptive. */
  disruptive: boolean;
  /** Nested block names leading to the attribute, e.g. ["metadata_options"]; [] for top level. */
  blockPath: string[];
  /** Attribute names, preferred first; later ones are older provider spellings still accepted. */
  names: string[];
  /** Whether a statically known value is safe; `undefined` means the attribute is absent. */
  compliant(value: Value | undefined): boolean;
  /** HCL expression written by the fix, e.g. `true` or `"required"`. */
  fixValue: string;
  /** Finding message; `value` is undefined when the attribute is absent. */
  message(resource: Resource, value: Value | undefined): string;
}

/**
 * A rule for one attribute that must hold a safe value. Unknown values (from variables without a
 * default, resource outputs…) are not reported: fixloop does not guess. A value that comes from an
 * expression is reported but fixed only where it is written literally.
 */
export function attributeRule(spec: AttributeRuleSpec): Rule {
  const find = (resource: Resource) => {
    let block: Block = resource.block;
    for (const step of spec.blockPath) {
      const { blocks, dynamic } = nestedBlocks(block, step);
      if (dynamic) return { state: "dynamic" as const };
      const next = blocks[0];
      if (!next)
        return { state: "missing-block" as const, parent: block, depth: spec.blockPath.indexOf(step) };
      block = next;
    }
    for (const name of spec.names) {
      const attr = attribute(block.body, name);
      if (attr) return { state: "present" as const, block, attr };
    }
    return { state: "missing-attr" as const, block };
  };

  return {
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    provider: spec.provider,
    resourceTypes: spec.resourceTypes,
    fixProviderVersions: spec.fixProviderVersions,
    aliases: spec.aliases,
    rationale: spec.rationale,
    impact: spec.impact,
    ...(spec.impactByResourceType ? { impactByResourceType: spec.impactByResourceType } : {}),
    disruptive: spec.disruptive,
    fixable: true,
    detect({ index }: RuleContext): Detection[] {
      const out: Detection[] = [];
      for (const resource of managedResources(index, spec.resourceTypes)) {
        const found = find(resource);
        if (found.state === "dynamic") continue;
        if (found.state !== "present") {
          if (!spec.compliant(undefined))
            out.push({
              ruleId: spec.id,
              resource,
              key: "",
              line: resource.line,
              message: spec.message(resource, undefined),
            });
          continue;
        }
        const r = resolveIn(index, resource, found.attr)!;
        // A value from each.* / count.index is known per instance when the collection is.
        const values = r.known
          ? [{ label: "", value: r.value }]
          : knownInstances(index, resource).flatMap((inst) => {
              const v = resolveIn(index, resource, found.attr, inst)!;
              return v.known ? [{ label: inst.label, value: v.value }] : [];
            });
        for (const { label, value } of values) {
          if (spec.compliant(value)) continue;
          const named = label ? { ...resource, address: `${resource.address}${label}` } : resource;
          out.push({
            ruleId: spec.id,
            resource,
            key: label,
            line: found.attr.line,
            message: spec.message(named, value),
          });
        }
      }
      return out;
    },
    fix(detection: Detection, { index }: RuleContext): FixPlan {
      const { resource } = detection;
      const found = find(resource);
      const name = spec.names[0]!;
      switch (found.state) {
        case "dynamic":
          return { kind: "unfixable", reason: `${spec.blockPath.join(".")} is generated by a dynamic block` };
        case "present": {
          if (!isLiteral(found.attr)) {
            const atDefinition = fixAtDefinition(
              index,
              resource,
              found.attr.name,
              found.attr.expr,
              spec.fixValue,
            );
            if (atDefinition) return atDefinition;
            return {
              kind: "unfixable",
              reason: `${found.attr.name} is set from \`${exprText(index, resource, found.attr)}\`; change the value where it is defined`,
            };
          }
          // Replace in place, keeping the spelling the code already uses.
          const ops = [
            { kind: "set" as const, block: found.block, name: found.attr.name, value: spec.fixValue },
          ];
          return {
            kind: "edits",
            files: [{ file: resource.file, ops }],
            summary: `set ${path(spec, found.attr.name)} = ${spec.fixValue}`,
          };
        }
        case "missing-attr": {
          const ops = [{ kind: "set" as const, block: found.block, name, value: spec.fixValue }];
          return {
            kind: "edits",
            files: [{ file: resource.file, ops }],
            summary: `set ${path(spec, name)} = ${spec.fixValue}`,
          };
        }
        case "missing-block": {
          const remaining = spec.blockPath.slice(found.depth);
          const text = nestedText(remaining, `${name} = ${spec.fixValue}`);
          const ops = [{ kind: "addBlock" as const, parent: found.parent, text }];
          return {
            kind: "edits",
            files: [{ file: resource.file, ops }],
            summary: `add ${path(spec, name)} = ${spec.fixValue}`,
          };
        }
      }
    },
  };
}

function path(spec: AttributeRuleSpec, name: string): string {
  return [...spec.blockPath, name].join(".");
}

/** `a { b { x = 1 } }` laid out one item per line with two-space indentation. */
export function nestedText(blocks: string[], line: string): string {
  const lines: string[] = [];
  for (const [i, b] of blocks.entries()) lines.push(`${"  ".repeat(i)}${b} {`);
  lines.push(`${"  ".repeat(blocks.length)}${line}`);
  for (let i = blocks.length - 1; i >= 0; i--) lines.push(`${"  ".repeat(i)}}`);
  return lines.join("\n");
}
