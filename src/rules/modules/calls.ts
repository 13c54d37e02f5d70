// Findings on calls of the registry modules in registry.ts, reported at the call and fixed there.
//
// Which version a call is judged against:
//  - `version` (or a git `?ref=`) that lies inside one range of an input's defaults: a missing input
//    is judged by that range's default, a written one by its value;
//  - a version the module's checked range meets only in part, or no version at all (Terraform then
//    installs the newest): only inputs written in the call are judged (their meaning is the same in
//    every checked version), never a default fixloop has not read for that version;
//  - a version entirely outside the checked range: not judged at all (the inputs may mean
//    something else there, e.g. security-group 6.x rewrote its rule inputs).
// A written input whose value is unknown (a variable without a default, an expression over
// resources…) is not a finding: fixloop does not guess.

import { type Attribute, attribute, type Expr, traversals } from "../../hcl/ast.ts";
import type { EditOp } from "../../hcl/edit.ts";
import { evaluate, type Value } from "../../hcl/evaluate.ts";
import { type ModuleCall, moduleScope, type Resource, type TerraformIndex } from "../../hcl/index.ts";
import { withoutTrailingSlashes } from "../../hcl/module-source.ts";
import { intervalsMeet, type VersionInterval, versionInterval } from "../provider-versions.ts";
import type { Detection, FixPlan, Rule, RuleContext } from "../types.ts";
import { type InputCheck, KNOWN_MODULES, type KnownModule } from "./registry.ts";

export interface RuleModuleOptions {
  requireKms?: boolean;
}

/** The known module a call's `source` names (registry address, or its GitHub repository over git), and the version asked. */
export function knownModuleOf(
  call: Pick<ModuleCall, "source"> & { block?: ModuleCall["block"] },
): { module: KnownModule; version: string | undefined } | undefined {
  // Every rule asks about every call: remember the answer per call block.
  if (call.block && KNOWN.has(call.block)) return KNOWN.get(call.block) ?? undefined;
  const known = readKnownModule(call);
  if (call.block) KNOWN.set(call.block, known ?? null);
  return known;
}

const KNOWN = new WeakMap<object, { module: KnownModule; version: string | undefined } | null>();

function readKnownModule(
  call: Pick<ModuleCall, "source"> & { block?: ModuleCall["block"] },
): { module: KnownModule; version: string | undefined } | undefined {
  const source = call.source?.trim();
  if (!source) return undefined;
  const git = gitRepository(source);
  if (git) {
    const module = KNOWN_MODULES.find((m) => m.repository.toLowerCase() === git.repo.toLowerCase());
    const ref = git.ref && /^v?\d+(\.\d+){0,2}$/.test(git.ref) ? `= ${git.ref.replace(/^v/, "")}` : undefined;
    return module ? { module, version: ref } : undefined;
  }
  const address = source.replace(/^registry\.terraform\.io\//, "");
  // A `//modules/x` submodule has inputs of its own: only the root module is known.
  const module = KNOWN_MODULES.find((m) => m.registry === address);
  if (!module) return undefined;
  const v = call.block && attribute(call.block.body, "version");
  const version = v?.expr.kind === "literal" && typeof v.expr.value === "string" ? v.expr.value : undefined;
  return { module, version };
}

/** `git::https://github.com/o/r.git?ref=v1.2.3`, `github.com/o/r?ref=…`, `git@github.com:o/r.git` → o/r and ref. */
function gitRepository(source: string): { repo: string; ref: string | undefined } | undefined {
  let s = source.replace(/^git::/, "");
  const [path = "", query = ""] = s.split("?", 2);
  s = path
    .replace(/^(https?|ssh):\/\//, "")
    .replace(/^git@github\.com:/, "github.com/")
    .replace(/^[^@/]+@github\.com\//, "github.com/");
  if (!s.startsWith("github.com/")) return undefined;
  const rest = s.slice("github.com/".length);
  if (rest.includes("//")) return undefined; // a submodule
  const trimmed = withoutTrailingSlashes(rest);
  const repo = trimmed.endsWith(".git") ? trimmed.slice(0, -4) : trimmed;
  if (repo.split("/").length !== 2) return undefined;
  const ref = new URLSearchParams(query).get("ref") ?? undefined;
  return { repo, ref };
}

const INTERVALS = new Map<string, VersionInterval | undefined>();

/** versionInterval, read once per constraint text (the table's ranges are read for every call). */
function intervalOf(constraint: string): VersionInterval | undefined {
  if (!INTERVALS.has(constraint)) {
    if (INTERVALS.size > 10_000) INTERVALS.clear(); // constraints come from untrusted files
    INTERVALS.set(constraint, versionInterval(constraint));
  }
  return INTERVALS.get(constraint);
}

type VersionFit =
  | { kind: "within"; interval: VersionInterval }
  | { kind: "written-only" }
  | { kind: "outside" };

function fitOf(module: KnownModule, version: string | undefined): VersionFit {
  if (!version) return { kind: "written-only" };
  const asked = intervalOf(version);
  const checked = intervalOf(module.checkedVersions)!;
  if (!asked) return { kind: "written-only" };
  if (!intervalsMeet(asked, checked)) return { kind: "outside" };
  return { kind: "within", interval: asked };
}

/** The default of `check.input` for the versions asked, when one read range holds all of them. */
function defaultFor(check: InputCheck, asked: VersionInterval): { value: Value } | undefined {
  for (const d of check.defaults) {
    const range = intervalOf(d.versions)!;
    if (contains(range, asked)) return { value: d.value };
  }
  return undefined;
}

function cmp(a: number[], b: number[]): number {
  return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
}

/** Whether every version of `inner` lies in `outer`. */
function contains(outer: VersionInterval, inner: VersionInterval): boolean {
  const lo = cmp(inner.lo.v, outer.lo.v);
  if (lo < 0 || (lo === 0 && inner.lo.incl && !outer.lo.incl)) return false;
  if (!outer.hi) return true;
  if (!inner.hi) return false;
  const hi = cmp(inner.hi.v, outer.hi.v);
  return hi < 0 || (hi === 0 && !(inner.hi.incl && !outer.hi.incl));
}

/** A module call as the resource a detection is reported on: address `module.<name>`, type `module`. */
export function callAsResource(call: ModuleCall): Resource {
  return {
    address: call.address,
    addresses: [call.address],
    mode: "managed",
    type: "module",
    name: call.name,
    file: call.file,
    module: call.module,
    line: call.line,
    endLine: call.block.endLine,
    span: { start: call.block.start, end: call.block.end },
    byteRange: { start: call.block.start, end: call.block.end },
    block: call.block,
    references: [],
    repeated: Boolean(attribute(call.block.body, "count") || attribute(call.block.body, "for_each")),
  };
}

export function isModuleCallDetection(d: Detection): boolean {
  return d.resource.type === "module" && d.resource.address.startsWith("module.");
}

interface Offence {
  check: InputCheck;
  why: string;
  /** The input as written in the call; undefined when the module's default is judged. */
  attr: Attribute | undefined;
}

type Known = NonNullable<ReturnType<typeof knownModuleOf>>;

/** The checks of `ruleId` a call fails, in table order; undefined when the call is not judged. */
function offencesOf(
  index: TerraformIndex,
  call: ModuleCall,
  ruleId: string,
  options: RuleModuleOptions,
): { known: Known; offences: Offence[] } | undefined {
  const known = knownModuleOf(call);
  if (!known) return undefined;
  const checks = known.module.checks.filter(
    (c) => c.ruleId === ruleId && (!c.onlyWith || options[c.onlyWith] === true),
  );
  if (checks.length === 0) return undefined;
  const fit = fitOf(known.module, known.version);
  if (fit.kind === "outside") return undefined;
  const mod = index.modules.get(call.module);
  const scope = mod ? moduleScope(mod) : { variable: () => undefined, local: () => undefined };
  const written = (name: string): Value | undefined | "unknown" => {
    const attr = attribute(call.block.body, name);
    if (!attr) return undefined;
    const r = evaluate(attr.expr, scope);
    return r.known ? r.value : "unknown";
  };
  const byDefault = (check: InputCheck | undefined) =>
    fit.kind === "within" && check ? defaultFor(check, fit.interval)?.value : undefined;
  const lookup = (name: string) =>
    written(name) ?? byDefault(known.module.checks.find((c) => c.input === name));
  const offences: Offence[] = [];
  for (const check of checks) {
    const attr = attribute(call.block.body, check.input);
    const value = attr ? written(check.input) : byDefault(check);
    if (value === undefined || value === "unknown") continue;
    const why = check.insecure(value, lookup);
    if (why) offences.push({ check, why, attr });
  }
  return { known, offences };
}

/** Every finding of `ruleId` on the known module calls: one per call, at the first offending input written. */
export function moduleCallDetections(
  index: TerraformIndex,
  ruleId: string,
  options: RuleModuleOptions = {},
): Detection[] {
  const out: Detection[] = [];
  for (const call of index.calls) {
    const judged = offencesOf(index, call, ruleId, options);
    if (!judged || judged.offences.length === 0) continue;
    const { known, offences } = judged;
    const version = known.version ? ` ${known.version}` : ", no version pinned";
    const reasons = offences.map((o) => (o.attr ? o.why : `${o.why} (the module's default)`));
    out.push({
      ruleId,
      resource: callAsResource(call),
      key: "",
      line: offences.find((o) => o.attr)?.attr?.line ?? call.line,
      message: `${call.address} (${known.module.registry}${version}): ${reasons.join("; ")}`,
    });
  }
  return out;
}

/** Only a value written literally is rewritten: a reference would be replaced by its value. */
function literalOnly(attr: Attribute | undefined): boolean {
  if (!attr) return true;
  return (attr.expr.kind === "literal" || attr.expr.kind === "object") && traversals(attr.expr).length === 0;
}

/** The fix at the call site: every offending input set to a safe value, written in the call. */
export function moduleCallFix(
  index: TerraformIndex,
  detection: Detection,
  options: RuleModuleOptions = {},
): FixPlan {
  const call = index.calls.find(
    (c) => c.file === detection.resource.file && c.address === detection.resource.address,
  );
  const judged = call && offencesOf(index, call, detection.ruleId, options);
  if (!call || !judged || judged.offences.length === 0)
    return { kind: "unfixable", reason: `${detection.resource.address} no longer fails ${detection.ruleId}` };
  const ops: EditOp[] = [];
  const sets: string[] = [];
  for (const { check, attr } of judged.offences) {
    if (typeof check.fix !== "function") return { kind: "unfixable", reason: check.fix.reason };
    if (!literalOnly(attr))
      return {
        kind: "unfixable",
        reason: `${check.input} of ${call.address} is set from an expression; change the value where it is defined`,
      };
    const current = attr
      ? evaluate(attr.expr, { variable: () => undefined, local: () => undefined })
      : undefined;
    const text = index.files.get(call.file)?.text;
    const value =
      attr?.expr.kind === "object" && check.objectKey && text !== undefined
        ? withObjectKey(text, attr.expr, check.objectKey.key, check.objectKey.value)
        : check.fix(current?.known ? current.value : undefined);
    ops.push({ kind: "set", block: call.block, name: check.input, value });
    sets.push(`${check.input} = ${value}`);
  }
  return {
    kind: "edits",
    files: [{ file: call.file, ops }],
    summary: `set ${sets.join(", ")} on ${call.address} (${judged.known.module.registry})`,
  };
}

/**
 * The rule, also judging the known module calls (registry.ts): their detections are reported at the
 * call and fixed there; every other detection goes to the rule's own fix.
 */
export function withModuleCalls(rule: Rule, options: RuleModuleOptions = {}): Rule {
  if (!KNOWN_MODULES.some((m) => m.checks.some((c) => c.ruleId === rule.id))) return rule;
  const wrapped: Rule = {
    ...rule,
    detect: (ctx) => [...rule.detect(ctx), ...moduleCallDetections(ctx.index, rule.id, options)],
    ...(rule.fix
      ? {
          fix: (d: Detection, ctx: RuleContext) =>
            isModuleCallDetection(d) ? moduleCallFix(ctx.index, d, options) : rule.fix!(d, ctx),
        }
      : {}),
  };
  OPTIONS.set(wrapped, options);
  BARE.set(wrapped, rule);
  return wrapped;
}

const BARE = new WeakMap<Rule, Rule>();

/** The rule as it was before withModuleCalls: its own resources only (the benchmark's baseline). */
export function withoutModuleCalls(rule: Rule): Rule {
  return BARE.get(rule) ?? rule;
}

const OPTIONS = new WeakMap<Rule, RuleModuleOptions>();

/** Whether the rule already judges module calls (withModuleCalls made it). */
export function judgesModuleCalls(rule: Rule): boolean {
  return OPTIONS.has(rule);
}

/** The options a catalog rule judges module calls with (requireKms…); {} for a rule built without. */
export function moduleOptionsOf(rule: Rule | undefined): RuleModuleOptions {
  return (rule && OPTIONS.get(rule)) ?? {};
}

/** The object expression as written, with `key` set to `value`: the item's value replaced, or a new first item. */
function withObjectKey(
  text: string,
  expr: Extract<Expr, { kind: "object" }>,
  key: string,
  value: string,
): string {
  const keyName = (k: Expr) =>
    k.kind === "traversal" && k.steps.length === 0
      ? k.root
      : k.kind === "literal"
        ? String(k.value)
        : undefined;
  const item = expr.items.find((i) => keyName(i.key) === key);
  if (item) return text.slice(expr.start, item.value.start) + value + text.slice(item.value.end, expr.end);
  const first = expr.items[0];
  if (!first) return `{ ${key} = ${value} }`;
  const before = text.slice(expr.start, first.key.start);
  const lineStart = before.lastIndexOf("\n");
  const insert = lineStart < 0 ? `${key} = ${value}, ` : `${key} = ${value}\n${before.slice(lineStart + 1)}`;
  return before + insert + text.slice(first.key.start, expr.end);
}
