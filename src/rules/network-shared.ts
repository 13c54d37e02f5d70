// Shared logic of the "admin ports open to the internet" rules (AWS security groups, Azure NSGs,
// GCP firewalls): port ranges, protocols, world CIDRs, and the variable that replaces world access.

import { posix } from "node:path";
import { type Attribute, attribute, type Block, blocksOf, type Expr } from "../hcl/ast.ts";
import type { EditOp } from "../hcl/edit.ts";
import { evaluate, known, type Resolved, type Scope, unknown, type Value } from "../hcl/evaluate.ts";
import {
  type Instance,
  instanceScope,
  moduleScope,
  type Resource,
  type TerraformIndex,
} from "../hcl/index.ts";
import type { FileOps } from "./types.ts";

/** The administrative ports these rules protect, with their service names. */
export const ADMIN_PORTS: ReadonlyArray<{ port: number; service: string }> = [
  { port: 22, service: "SSH" },
  { port: 3389, service: "RDP" },
];

export interface PortRange {
  from: number;
  to: number;
}

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };

/** `22`, `"22"`, `"20-25"`, `"*"` → a port range; anything else → undefined. */
export function parsePortSpec(v: Value | undefined): PortRange | undefined {
  if (typeof v === "number" && Number.isInteger(v)) return { from: v, to: v };
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  if (s === "*") return ALL_PORTS;
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(s);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return { from, to };
}

/** Admin ports (22, 3389) inside any of the ranges, ascending. */
export function adminPortsIn(ranges: PortRange[]): number[] {
  return ADMIN_PORTS.map((a) => a.port).filter((p) => ranges.some((r) => r.from <= p && p <= r.to));
}

/** `SSH (22)`, `SSH (22) and RDP (3389)`. */
export function describeAdminPorts(ports: number[]): string {
  return ports.map((p) => `${ADMIN_PORTS.find((a) => a.port === p)?.service ?? "port"} (${p})`).join(" and ");
}

/** `22`, `20-30`, `all ports`. */
export function describeRanges(ranges: PortRange[]): string {
  if (ranges.some((r) => r.from <= 0 && r.to >= 65535)) return "all ports";
  return ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(", ");
}

/** Whether the ranges open more than the admin ports themselves (e.g. 20-30, 0-65535). */
export function opensMoreThanAdmin(ranges: PortRange[]): boolean {
  const admin = new Set(ADMIN_PORTS.map((a) => a.port));
  return ranges.some((r) => r.from !== r.to || !admin.has(r.from));
}

/**
 * Protocol that carries TCP: `tcp`, `6`, or every protocol (`-1`, `all`, `*`); case-insensitive.
 * Returns "all" when every protocol (and so every port) is allowed, "tcp" for TCP, undefined otherwise.
 */
export function tcpProtocol(v: Value | undefined): "tcp" | "all" | undefined {
  if (typeof v === "number") return v === 6 ? "tcp" : v === -1 ? "all" : undefined;
  if (typeof v !== "string") return undefined;
  const s = v.trim().toLowerCase();
  if (s === "tcp" || s === "6") return "tcp";
  if (s === "-1" || s === "all" || s === "*") return "all";
  return undefined;
}

export const WORLD_V4 = "0.0.0.0/0";
export const WORLD_V6 = "::/0";

/** An IPv4 or IPv6 CIDR that covers the whole internet. */
export function isWorldCidr(v: Value | undefined): boolean {
  if (typeof v !== "string") return false;
  const s = v.trim().toLowerCase();
  return s === WORLD_V4 || s === WORLD_V6 || s === "0::/0" || s === "::0/0";
}

/** Azure source prefixes meaning "anywhere": `*`, `Internet`, `Any`, `0.0.0.0/0`, `::/0`. */
export function isAzureWorldPrefix(v: Value | undefined): boolean {
  if (typeof v !== "string") return false;
  const s = v.trim().toLowerCase();
  return s === "*" || s === "internet" || s === "any" || s === "0.0.0.0" || isWorldCidr(s);
}

export function scopeOf(index: TerraformIndex, resource: Resource, instance?: Instance): Scope {
  const mod = index.modules.get(resource.module);
  return instanceScope(
    mod ? moduleScope(mod) : { variable: () => undefined, local: () => undefined },
    instance,
  );
}

/** Static value of an attribute of `block`, in the resource's module scope; undefined when absent. */
export function attrValue(
  index: TerraformIndex,
  resource: Resource,
  block: Block,
  name: string,
  instance?: Instance,
): { attr: Attribute; value: Resolved } | undefined {
  const attr = attribute(block.body, name);
  if (!attr) return undefined;
  return { attr, value: evaluateExt(attr.expr, scopeOf(index, resource, instance)) };
}

/**
 * `evaluate` plus `length(x)` and comparisons on it — enough to read back the
 * `disabled = length(var.x) == 0` guard the GCP fix writes. Everything else is `evaluate`'s.
 */
export function evaluateExt(expr: Expr, scope: Scope): Resolved {
  if (expr.kind === "paren") return evaluateExt(expr.inner, scope);
  if (expr.kind === "call" && expr.name === "length" && expr.args.length === 1 && !expr.expandFinal) {
    const v = evaluateExt(expr.args[0]!, scope);
    if (!v.known) return v;
    if (Array.isArray(v.value) || typeof v.value === "string") return known(v.value.length);
    if (v.value && typeof v.value === "object") return known(Object.keys(v.value).length);
    return unknown("length() of a value that is not a collection");
  }
  if (expr.kind === "binary" && ["==", "!=", "<", ">", "<=", ">="].includes(expr.op)) {
    const l = evaluateExt(expr.left, scope);
    const r = evaluateExt(expr.right, scope);
    if (!l.known) return l;
    if (!r.known) return r;
    const a = l.value;
    const b = r.value;
    if (expr.op === "==") return known(JSON.stringify(a) === JSON.stringify(b));
    if (expr.op === "!=") return known(JSON.stringify(a) !== JSON.stringify(b));
    if (typeof a !== "number" || typeof b !== "number") return unknown(`applies ${expr.op} to non-numbers`);
    if (expr.op === "<") return known(a < b);
    if (expr.op === ">") return known(a > b);
    if (expr.op === "<=") return known(a <= b);
    return known(a >= b);
  }
  return evaluate(expr, scope);
}

/** A resolved list of strings (a single string counts as a one-item list); undefined when unknown. */
export function stringList(r: Resolved | undefined): Value[] | undefined {
  if (!r?.known) return undefined;
  if (Array.isArray(r.value)) return r.value;
  if (r.value === null) return [];
  return [r.value];
}

import { sourceText } from "./helpers.ts";

export { sourceText };

/**
 * Splits a list attribute written as a tuple into the items to keep and the world items to drop.
 * Items that cannot be evaluated are kept as written. Undefined when the attribute is not a tuple
 * (e.g. `var.cidrs`, `concat(…)`), so its world entries are not in this resource's text.
 */
export function splitTuple(
  index: TerraformIndex,
  resource: Resource,
  attr: Attribute,
  isWorld: (v: Value) => boolean,
): { kept: string[]; dropped: string[] } | undefined {
  if (attr.expr.kind !== "tuple") return undefined;
  const scope = scopeOf(index, resource);
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const item of attr.expr.items) {
    const v = evaluate(item, scope);
    const text = sourceText(index, resource, item);
    if (v.known && isWorld(v.value)) dropped.push(text);
    else kept.push(text);
  }
  return { kept, dropped };
}

/** `var.x`, or `concat(["10.0.0.0/8"], var.x)` when other entries stay. */
export function withVariable(kept: string[], variable: string): string {
  return kept.length === 0 ? `var.${variable}` : `concat([${kept.join(", ")}], var.${variable})`;
}

/** Why an attribute's world value cannot be edited here, for an unfixable reason. */
export function notLiteralReason(
  index: TerraformIndex,
  resource: Resource,
  attr: Attribute,
  world: string,
): string {
  return `${attr.name} is set from \`${sourceText(index, resource, attr.expr)}\`, so ${world} is not written in ${resource.address}; change the value where it is defined`;
}

// ---------------------------------------------------------------------------------------------
// The allowed-CIDRs variable

/** `ssh_allowed_cidrs`, `rdp_allowed_cidrs`, or `<resource name>_admin_allowed_cidrs` for both. */
export function variableName(ports: number[], resourceName: string, suffix = "cidrs"): string {
  if (ports.length === 1 && ports[0] === 22) return `ssh_allowed_${suffix}`;
  if (ports.length === 1 && ports[0] === 3389) return `rdp_allowed_${suffix}`;
  return `${resourceName.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}_admin_allowed_${suffix}`;
}

export interface VariableWording {
  /** What the list holds: "CIDR ranges" unless told. */
  what?: string;
  /** What the ranges may reach, when more than the admin ports: "all ports of aws_security_group_rule.x". */
  reach?: string;
}

export function variableText(name: string, ports: number[], wording: VariableWording = {}): string {
  const what = wording.what ?? "CIDR ranges";
  const reach = wording.reach
    ? `${wording.reach} (including ${describeAdminPorts(ports)})`
    : describeAdminPorts(ports);
  const description = `${what} allowed to reach ${reach}, e.g. a VPN or bastion range. Empty means no access.`;
  return [
    `variable "${name}" {`,
    `  description = ${JSON.stringify(description)}`,
    "  type        = list(string)",
    "  default     = []",
    "}",
  ].join("\n");
}

const LIST_TYPES = /^(list|set)\s*\(\s*(string|any)\s*\)$|^(list|set)$/;

/**
 * Declares `var.<name>` where the module keeps its variables (variables.tf of the directory, else
 * the file that already has variable blocks, else a new variables.tf), or reuses an existing
 * declaration of a list type whose value is not world-open.
 */
export function declareVariable(
  index: TerraformIndex,
  resource: Resource,
  name: string,
  ports: number[],
  isWorld: (v: Value) => boolean,
  wording: VariableWording = {},
): { ok: true; files: FileOps[]; reused: boolean } | { ok: false; reason: string } {
  const mod = index.modules.get(resource.module);
  const existing = mod?.variables.get(name);
  if (existing) {
    const type = attribute(existing.block.body, "type");
    const typeText = type
      ? (index.files.get(existing.file)?.text ?? "").slice(type.expr.start, type.expr.end)
      : "";
    if (type && !LIST_TYPES.test(typeText.trim())) {
      return { ok: false, reason: `var.${name} already exists with type ${typeText}, not a list of CIDRs` };
    }
    const current = mod ? moduleScope(mod).variable(name) : undefined;
    if (current?.known && (!Array.isArray(current.value) || current.value.some(isWorld))) {
      return {
        ok: false,
        reason: `var.${name} already exists and its value ${JSON.stringify(current.value)} is not a list of restricted CIDRs`,
      };
    }
    return { ok: true, files: [], reused: true };
  }
  const dir = resource.module;
  const files = mod?.files ?? [];
  const conventional = posix.join(dir, "variables.tf");
  const target =
    files.find((f) => f.path === conventional) ?? files.find((f) => blocksOf(f.body, "variable").length > 0);
  const path = target?.path ?? conventional;
  const last = target ? blocksOf(target.body, "variable").at(-1) : undefined;
  const op: EditOp = {
    kind: "addBlock",
    parent: null,
    text: variableText(name, ports, wording),
    ...(last ? { after: last } : {}),
  };
  return { ok: true, files: [{ file: path, ops: [op] }], reused: false };
}

/** Joins operations per file, keeping their order. */
export function mergeFileOps(...groups: FileOps[][]): FileOps[] {
  const out: FileOps[] = [];
  for (const group of groups) {
    for (const f of group) {
      const same = out.find((o) => o.file === f.file);
      if (same) same.ops.push(...f.ops);
      else out.push({ file: f.file, ops: [...f.ops] });
    }
  }
  return out;
}

/** The impact note every fix of these rules carries. */
export function accessImpact(name: string, ports: number[]): string {
  return `closes ${describeAdminPorts(ports)} from the internet; set var.${name} to the CIDRs that need access (e.g. a VPN/bastion range)`;
}

// ---------------------------------------------------------------------------------------------
// Apply-safe forms: a rule whose only source is the new variable must not exist while the variable
// is empty (AWS rejects an aws_security_group_rule with no source; Azure needs a source on every
// rule), so it is created only when the variable holds at least one CIDR.

/** What happens while the variable is empty, for fixes that guard the rule. */
export function guardedImpact(name: string, ports: number[]): string {
  return (
    `${accessImpact(name, ports)}. While var.${name} is empty the rule is not created: ` +
    `${describeAdminPorts(ports)} from anywhere stops until someone sets the allowed CIDRs`
  );
}

/** `count = length(var.x) > 0 ? 1 : 0`. */
export const countGuard = (name: string) => `length(var.${name}) > 0 ? 1 : 0`;

/** Where `resource` is referred to by address from other code of its module (outputs, locals, other
 *  resources): a count added to it would turn those references into errors. */
export function referencesTo(index: TerraformIndex, resource: Resource): string[] {
  const needle = `${resource.type}.${resource.name}`;
  const out: string[] = [];
  for (const file of index.modules.get(resource.module)?.files ?? []) {
    const text = file.text;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
      if (file.path === resource.file && at >= resource.block.start && at < resource.block.end) continue;
      const before = text.charCodeAt(at - 1);
      const after = text.charCodeAt(at + needle.length);
      if (isIdentChar(before) || isIdentChar(after) || text[at - 1] === ".") continue;
      out.push(`${file.path}:${lineOf(text, at)}`);
    }
  }
  return out;
}

const isIdentChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/**
 * Why a split rule resource cannot get `count = length(var.x) > 0 ? 1 : 0`, or undefined when it can:
 * it already has count/for_each, or other code refers to it by address.
 */
export function countGuardRefusal(
  index: TerraformIndex,
  resource: Resource,
  name: string,
): string | undefined {
  if (resource.repeated) {
    return `${resource.address} already uses count/for_each, so it cannot also be created only when var.${name} is set; restrict its sources by hand`;
  }
  const refs = referencesTo(index, resource);
  if (refs.length > 0) {
    return `${resource.address} is referred to at ${refs.join(", ")}; creating it only when var.${name} is set (count) would break those references`;
  }
  return undefined;
}

export type AttrChange = { name: string; value: string } | { name: string; remove: true };

/**
 * The text of `dynamic "<type>" { for_each = length(var.x) > 0 ? [1] : [] content { … } }` that
 * replaces a nested block, with `changes` applied to its attributes: the block then exists only while
 * the variable is set. Comments and layout inside the block are kept (indented one level deeper).
 */
export function dynamicBlockText(
  text: string,
  block: Block,
  variable: string,
  changes: AttrChange[],
): string {
  const base = block.openBrace + 1;
  const splices: Array<{ start: number; end: number; text: string }> = [];
  const added: string[] = [];
  for (const c of changes) {
    const attr = attribute(block.body, c.name);
    if (!attr) {
      if ("value" in c) added.push(`${c.name} = ${c.value}`);
      continue;
    }
    if ("value" in c)
      splices.push({ start: attr.expr.start - base, end: attr.expr.end - base, text: c.value });
    else {
      const lineStart = text.lastIndexOf("\n", attr.start - 1) + 1;
      const lineEnd = text.indexOf("\n", attr.end);
      const whole = text.slice(lineStart, attr.start).trim() === "" && lineEnd >= 0;
      splices.push(
        whole
          ? { start: lineStart - base, end: lineEnd + 1 - base, text: "" }
          : { start: attr.start - base, end: attr.end - base, text: "" },
      );
    }
  }
  let inner = text.slice(base, block.closeBrace);
  for (const s of splices.sort((a, b) => b.start - a.start))
    inner = inner.slice(0, s.start) + s.text + inner.slice(s.end);
  inner = inner.replace(/\r\n/g, "\n");
  const lineStart = text.lastIndexOf("\n", block.start - 1) + 1;
  const indent = text.slice(lineStart, block.start);
  const head = `dynamic "${block.type}" {\n${indent}  for_each = length(var.${variable}) > 0 ? [1] : []\n${indent}  content {`;
  const lines = inner.split("\n");
  if (lines.length === 1) {
    const body = [inner.trim(), ...added].filter(Boolean).join(" ");
    return `${head}\n${indent}    ${body}\n${indent}  }\n${indent}}`;
  }
  const first = lines[0]!;
  const middle = lines.slice(1, -1).map((l) => (l.trim() ? `  ${l}` : l));
  for (const a of added) middle.push(`${indent}    ${a}`);
  return `${head}${first}\n${middle.join("\n")}\n${indent}  }\n${indent}}`;
}

/** The nested `<type> {}` and `dynamic "<type>" {}` blocks of a resource, in order. */
export function ruleBlocks(block: Block, type: string): Block[] {
  return block.body.filter(
    (b): b is Block =>
      b.kind === "block" && (b.type === type || (b.type === "dynamic" && b.labels[0] === type)),
  );
}

/**
 * A network rule's edits as operations: plain attribute edits, or — when `guardVar` is set — the
 * same edits with the rule created only while the variable is set: `count` on a split rule resource
 * (aws_security_group_rule, azurerm_network_security_rule), a `dynamic` block for an inline one
 * (`ingress {}`, `security_rule {}`, named by `inlineBlock`).
 */
export function guardedRuleEdits(
  index: TerraformIndex,
  resource: Resource,
  target: { block: Block; key: string; inlineBlock: string },
  edits: AttrChange[],
  guardVar: string | undefined,
): { ops: EditOp[]; change?: string } | { reason: string } {
  const plain: EditOp[] = edits.map((e) =>
    "value" in e
      ? { kind: "set", block: target.block, name: e.name, value: e.value }
      : { kind: "remove", block: target.block, name: e.name },
  );
  if (!guardVar) return { ops: plain };
  if (target.block === resource.block) {
    const refusal = countGuardRefusal(index, resource, guardVar);
    if (refusal) return { reason: refusal };
    return {
      ops: [{ kind: "set", block: target.block, name: "count", value: countGuard(guardVar) }, ...plain],
      change: `set count = ${countGuard(guardVar)}`,
    };
  }
  const text = index.files.get(resource.file)?.text ?? "";
  return {
    ops: [
      {
        kind: "replaceBlock",
        block: target.block,
        text: dynamicBlockText(text, target.block, guardVar, edits),
      },
    ],
    change: `turn ${target.key} into a dynamic "${target.inlineBlock}" block that exists only while var.${guardVar} is set`,
  };
}
