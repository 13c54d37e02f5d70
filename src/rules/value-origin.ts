// Where a value set from a variable is defined: the variable's default, its tfvars entry, or the
// argument of each module call that sets it. A fix changes the value there when that is safe — the
// variable is used once in its module and has one definition, written as a literal — so that it
// changes nothing else; otherwise it says where to look.

import { type Attribute, attribute, type Block, type BodyItem, type Expr, traversals } from "../hcl/ast.ts";
import type { ModuleDir, Resource, TerraformIndex } from "../hcl/index.ts";
import type { FixPlan } from "./types.ts";

export interface Definition {
  kind: "default" | "tfvars" | "argument";
  file: string;
  line: number;
  /** The attribute holding the value (`default = …`, `name = …` in a tfvars file or a module call). */
  attr: Attribute;
  /** The block holding `attr`; a tfvars file has none (its entries are top level). */
  block: Block | undefined;
  /** For an argument: the module call's address. */
  call?: string;
}

export interface VariableOrigin {
  name: string;
  /** Where the value the resource sees comes from, one per module call (one for a root module). */
  definitions: Definition[];
  /** Definitions that exist but do not apply (tfvars entries overridden by another). */
  shadowed: Array<{ file: string; line: number }>;
  /** References to var.<name> in the module's files. */
  uses: number;
}

/** `var.name` when the expression is exactly that, else undefined. */
export function variableName(expr: Expr): string | undefined {
  if (expr.kind !== "traversal" || expr.root !== "var" || expr.steps.length !== 1) return undefined;
  const step = expr.steps[0]!;
  return step.kind === "attr" ? step.name : undefined;
}

export function variableOrigin(
  index: TerraformIndex,
  resource: Resource,
  name: string,
): VariableOrigin | undefined {
  const mod = index.modules.get(resource.module);
  const decl = mod?.variables.get(name);
  if (!mod || !decl) return undefined;
  const fromDefault = (): Definition[] => {
    const def = attribute(decl.block.body, "default");
    return def ? [{ kind: "default", file: decl.file, line: def.line, attr: def, block: decl.block }] : [];
  };
  const definitions: Definition[] = [];
  let shadowed: VariableOrigin["shadowed"] = [];
  if (mod.calledBy.length > 0) {
    // A called module gets the value from each call, or the default where a call does not set it.
    for (const call of mod.calledBy) {
      const arg = attribute(call.block.body, name);
      if (arg)
        definitions.push({
          kind: "argument",
          file: call.file,
          line: arg.line,
          attr: arg,
          block: call.block,
          call: call.address,
        });
      else definitions.push(...fromDefault());
    }
  } else {
    const tfvar = mod.tfvars.get(name);
    if (tfvar) {
      definitions.push({
        kind: "tfvars",
        file: tfvar.file,
        line: tfvar.attr.line,
        attr: tfvar.attr,
        block: undefined,
      });
      shadowed = tfvar.others;
    } else definitions.push(...fromDefault());
  }
  const unique = definitions.filter((d, i) => definitions.findIndex((o) => o.attr === d.attr) === i);
  return { name, definitions: unique, shadowed, uses: usesOf(mod, name) };
}

function usesOf(mod: ModuleDir, name: string): number {
  let n = 0;
  const walk = (body: BodyItem[]) => {
    for (const item of body) {
      // The variable's own validation blocks read it without passing it on.
      if (item.kind === "block") {
        if (!(item.type === "variable" && item.labels[0] === name)) walk(item.body);
      } else
        for (const t of traversals(item.expr))
          if (variableName({ ...t, steps: t.steps.slice(0, 1) }) === name) n++;
    }
  };
  for (const file of mod.files) walk(file.body);
  return n;
}

function where(d: { file: string; line: number }): string {
  return `${d.file}:${d.line}`;
}

function described(d: Definition): string {
  if (d.kind === "default") return `its default at ${where(d)}`;
  if (d.kind === "tfvars") return `the tfvars entry at ${where(d)}`;
  return `the ${d.call} argument at ${where(d)}`;
}

/**
 * The fix for `attrName = var.x` whose value is not `fixValue`: set the value where the variable is
 * defined when that changes nothing else, else `unfixable` naming every place the value comes from.
 */
export function fixAtDefinition(
  index: TerraformIndex,
  resource: Resource,
  attrName: string,
  expr: Expr,
  fixValue: string,
): FixPlan | undefined {
  const name = variableName(expr);
  const origin = name ? variableOrigin(index, resource, name) : undefined;
  if (!name || !origin) return undefined;
  const { definitions, shadowed, uses } = origin;
  const set = `${attrName} is set from \`var.${name}\``;
  if (definitions.length === 0)
    return { kind: "unfixable", reason: `${set}, which has no default and no tfvars entry; give it a value` };
  const places = definitions.map(described);
  const list = places.length === 1 ? places[0]! : `${places.slice(0, -1).join(", ")} and ${places.at(-1)}`;
  const also = shadowed.length ? ` (also set, and overridden, at ${shadowed.map(where).join(", ")})` : "";
  const why =
    uses > 1
      ? `var.${name} is used ${uses} times in its module, so changing it would change the other uses too`
      : definitions.length > 1
        ? `the value comes from ${definitions.length} places`
        : definitions[0]!.attr.expr.kind !== "literal"
          ? "the value there is an expression, not a literal"
          : definitions[0]!.kind === "argument"
            ? // Rules judge a called module by its variables' defaults: a change at the call could
              // not be re-checked by the re-scan, so it is left to the author.
              `fixloop judges the module by var.${name}'s default, so it cannot re-check a change at the call`
            : undefined;
  if (why || shadowed.length > 0)
    return {
      kind: "unfixable",
      reason: `${set}, defined by ${list}${also}; change it there: ${why ?? "several tfvars entries set it"}`,
    };
  const d = definitions[0]!;
  const target = d.kind === "default" ? "default" : name;
  return {
    kind: "edits",
    files: [{ file: d.file, ops: [{ kind: "set", block: d.block ?? null, name: target, value: fixValue }] }],
    summary: `${d.kind === "default" ? `set the default of var.${name}` : `set ${name}`} = ${fixValue} at ${where(d)}: ${set}, which has no other use`,
  };
}
