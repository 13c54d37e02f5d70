// Static evaluation of Terraform expressions, as far as the source alone allows: literals, templates,
// var.* (defaults, tfvars, module inputs), local.*, and a few pure string/collection functions.
// Anything else is "unknown" with a reason — a value is never guessed.

import type { Expr } from "./ast.ts";

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Resolved = { known: true; value: Value } | { known: false; reason: string };

export interface Scope {
  /** `var.<name>`; undefined when the module declares no such variable. */
  variable(name: string): Resolved | undefined;
  /** `local.<name>`; undefined when no such local exists. */
  local(name: string): Resolved | undefined;
  /** One instance of a resource with for_each (`each.key`, `each.value`) or count (`count.index`). */
  instance?: InstanceBinding;
  /**
   * Attributes of a data source whose value a caller knows from outside the code: the account and
   * region a finding was reported in are what `data.aws_caller_identity.*.account_id` and
   * `data.aws_region.*.name` read there (src/locate/identity.ts). Absent: data sources are unknown.
   */
  data?(type: string): Record<string, Value> | undefined;
}

/** What `each.*` or `count.index` mean inside one instance of a repeated resource. */
export interface InstanceBinding {
  each?: { key: Value; value: Value };
  countIndex?: number;
}

export const known = (value: Value): Resolved => ({ known: true, value });
export const unknown = (reason: string): Resolved => ({ known: false, reason });

const NOT_STATIC_ROOTS: Record<string, string> = {
  each: "depends on for_each",
  count: "depends on count",
  self: "refers to the resource itself",
  path: "depends on the working directory",
  terraform: "depends on the workspace",
  module: "is an output of another module",
  data: "is read from the cloud by a data source",
};

export function evaluate(expr: Expr, scope: Scope): Resolved {
  switch (expr.kind) {
    case "literal":
      return known(expr.value);
    case "paren":
      return evaluate(expr.inner, scope);
    case "template": {
      let out = "";
      for (const part of expr.parts) {
        if (part.kind === "text") out += part.value;
        else if (part.kind === "directive") return unknown("uses a template directive");
        else {
          const v = evaluate(part.expr, scope);
          if (!v.known) return v;
          if (typeof v.value === "object" && v.value !== null) return unknown("interpolates a collection");
          out += v.value === null ? "" : String(v.value);
        }
      }
      return known(expr.heredoc?.indented ? dedent(out) : out);
    }
    case "tuple": {
      const items: Value[] = [];
      for (const item of expr.items) {
        const v = evaluate(item, scope);
        if (!v.known) return v;
        items.push(v.value);
      }
      return known(items);
    }
    case "object": {
      const obj: Record<string, Value> = {};
      for (const item of expr.items) {
        const k =
          item.key.kind === "traversal" && item.key.steps.length === 0
            ? known(item.key.root)
            : evaluate(item.key, scope);
        if (!k.known) return k;
        const v = evaluate(item.value, scope);
        if (!v.known) return v;
        obj[String(k.value)] = v.value;
      }
      return known(obj);
    }
    case "traversal":
      return evaluateTraversal(expr, scope);
    case "call":
      return evaluateCall(expr, scope);
    case "conditional": {
      const c = evaluate(expr.condition, scope);
      if (!c.known) return c;
      return evaluate(c.value ? expr.then : expr.otherwise, scope);
    }
    case "unary": {
      const v = evaluate(expr.operand, scope);
      if (!v.known) return v;
      if (expr.op === "!" && typeof v.value === "boolean") return known(!v.value);
      if (expr.op === "-" && typeof v.value === "number") return known(-v.value);
      return unknown(`cannot apply ${expr.op} to ${typeof v.value}`);
    }
    case "binary":
      return evaluateBinary(expr.op, evaluate(expr.left, scope), evaluate(expr.right, scope));
    case "relative":
      return unknown("indexes into a computed value");
    case "for":
      return unknown("is built by a for expression");
  }
}

function evaluateTraversal(expr: Extract<Expr, { kind: "traversal" }>, scope: Scope): Resolved {
  const [first, ...rest] = expr.steps;
  const name = first?.kind === "attr" ? first.name : undefined;
  let base: Resolved | undefined;
  if (expr.root === "var" && name) {
    base = scope.variable(name) ?? unknown(`var.${name} is not declared`);
  } else if (expr.root === "local" && name) {
    base = scope.local(name) ?? unknown(`local.${name} is not defined`);
  } else if (expr.root === "each" && scope.instance?.each && (name === "key" || name === "value")) {
    base = known(scope.instance.each[name]);
  } else if (expr.root === "count" && scope.instance?.countIndex !== undefined && name === "index") {
    base = known(scope.instance.countIndex);
  } else if (expr.root === "data" && name && scope.data?.(name) && rest[0]?.kind === "attr") {
    // `data.<type>.<name>.<attr>`: the same facts for every data source of that type.
    base = known({ [rest[0].name]: scope.data(name)! });
  } else {
    const why = NOT_STATIC_ROOTS[expr.root];
    const shown = [expr.root, ...(name ? [name] : [])].join(".");
    return unknown(why ? `${shown} ${why}` : `${shown}… is known only after apply`);
  }
  if (!base.known) return base;
  let value: Value = base.value;
  for (const step of rest) {
    if (step.kind === "splat") return unknown("uses a splat expression");
    let key: Value;
    if (step.kind === "attr") key = step.name;
    else {
      const k = evaluate(step.key, scope);
      if (!k.known) return k;
      key = k.value;
    }
    if (Array.isArray(value) && typeof key === "number") value = value[key] ?? null;
    else if (value && typeof value === "object" && !Array.isArray(value) && typeof key !== "object") {
      if (!(String(key) in value)) return unknown(`has no key ${JSON.stringify(key)}`);
      value = value[String(key)]!;
    } else return unknown(`cannot index ${typeof value}`);
  }
  return known(value);
}

function evaluateBinary(op: string, l: Resolved, r: Resolved): Resolved {
  if (!l.known) return l;
  if (!r.known) return r;
  const a = l.value;
  const b = r.value;
  switch (op) {
    case "==":
      return known(JSON.stringify(a) === JSON.stringify(b));
    case "!=":
      return known(JSON.stringify(a) !== JSON.stringify(b));
    case "&&":
      return known(Boolean(a) && Boolean(b));
    case "||":
      return known(Boolean(a) || Boolean(b));
  }
  if (typeof a !== "number" || typeof b !== "number") return unknown(`applies ${op} to non-numbers`);
  const ops: Record<string, (x: number, y: number) => Value> = {
    "+": (x, y) => x + y,
    "-": (x, y) => x - y,
    "*": (x, y) => x * y,
    "/": (x, y) => x / y,
    "%": (x, y) => x % y,
    "<": (x, y) => x < y,
    ">": (x, y) => x > y,
    "<=": (x, y) => x <= y,
    ">=": (x, y) => x >= y,
  };
  const fn = ops[op];
  return fn ? known(fn(a, b)) : unknown(`unsupported operator ${op}`);
}

type Fn = (args: Value[]) => Value | undefined;
const str = (v: Value | undefined) =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
const isObject = (v: Value | undefined): v is { [k: string]: Value } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Terraform functions that are pure and common in resource names; others make a value unknown. */
const FUNCTIONS: Record<string, Fn> = {
  length: ([v]) =>
    typeof v === "string"
      ? [...v].length
      : Array.isArray(v)
        ? v.length
        : isObject(v)
          ? Object.keys(v).length
          : undefined,
  lower: ([s]) => str(s)?.toLowerCase(),
  upper: ([s]) => str(s)?.toUpperCase(),
  trimspace: ([s]) => str(s)?.trim(),
  tostring: ([s]) => str(s),
  tolist: ([l]) => (Array.isArray(l) ? l : undefined),
  toset: ([l]) =>
    Array.isArray(l) ? [...new Map(l.map((x) => [JSON.stringify(x), x])).values()] : undefined,
  join: ([sep, list]) =>
    typeof sep === "string" && Array.isArray(list) ? list.map((x) => str(x) ?? "").join(sep) : undefined,
  concat: (lists) => (lists.every(Array.isArray) ? (lists as Value[][]).flat() : undefined),
  merge: (objs) => (objs.every((o) => o === null || isObject(o)) ? Object.assign({}, ...objs) : undefined),
  coalesce: (vals) => vals.find((v) => v !== null && v !== ""),
  lookup: ([m, k, d]) => (isObject(m) && typeof k === "string" ? (k in m ? m[k] : d) : undefined),
  replace: ([s, from, to]) =>
    typeof s === "string" && typeof from === "string" && typeof to === "string" && !from.startsWith("/")
      ? s.split(from).join(to)
      : undefined,
  format: ([f, ...args]) => {
    if (typeof f !== "string") return undefined;
    let i = 0;
    let ok = true;
    const out = f.replace(/%([%sdv])/g, (_m, c: string) => {
      if (c === "%") return "%";
      const a = str(args[i++]);
      if (a === undefined) ok = false;
      return a ?? "";
    });
    return ok ? out : undefined;
  },
};

function evaluateCall(expr: Extract<Expr, { kind: "call" }>, scope: Scope): Resolved {
  const fn = FUNCTIONS[expr.name];
  if (!fn || expr.expandFinal) return unknown(`calls ${expr.name}(), which is not evaluated statically`);
  const args: Value[] = [];
  for (const a of expr.args) {
    const v = evaluate(a, scope);
    if (!v.known) return v;
    args.push(v.value);
  }
  const out = fn(args);
  return out === undefined ? unknown(`${expr.name}() got arguments it cannot evaluate`) : known(out);
}

function dedent(text: string): string {
  const lines = text.split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const min = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(min)).join("\n");
}

/** Renders a resolved value for messages, e.g. `"prod-logs"` or `unknown (var.env has no default)`. */
export function describeResolved(r: Resolved): string {
  return r.known ? JSON.stringify(r.value) : `unknown (${r.reason})`;
}
