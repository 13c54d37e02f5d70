// Owner tags of a Terraform resource: the values of the configured tag keys (`Team`, `Owner`, …) in
// its own `tags`, or else in the `default_tags` of the aws provider configuration it uses. Pure.
//
// Why not `resolveTags` (src/hcl/index.ts): it merges only the default_tags of the resource's own
// module, drops a whole map when one value is unknown, and does not say where a value came from or
// why one was left out. Routing needs all three: providers are usually configured in the root module
// and inherited by child modules; `tags = merge(local.common, { Team = "payments" })` with one
// computed value elsewhere still names its team; and the PR body says which tag decided. The
// evaluation itself is the index's (`moduleScope`, `callScope`, `evaluate`), never re-implemented.

import { attribute, type Block, blocksOf, type Expr } from "../hcl/ast.ts";
import { evaluate, type Resolved, type Scope, unknown, type Value } from "../hcl/evaluate.ts";
import { callScope, type ModuleDir, moduleScope, type Resource, type TerraformIndex } from "../hcl/index.ts";

export type TagOrigin = "resource" | "default_tags";

export interface OwnerTag {
  /** The key as written in the source (`Team`), matched case-insensitively against the configured keys. */
  key: string;
  value: string;
  origin: TagOrigin;
  /** Where the value is written: the resource, or the provider block. */
  file: string;
  line: number;
}

export interface IgnoredTag {
  /** null when the whole map could not be read. */
  key: string | null;
  origin: TagOrigin;
  file: string;
  line: number;
  reason: string;
}

export interface ResourceOwnerTags {
  /** At most one per configured key, in the order of the configured keys. */
  tags: OwnerTag[];
  ignored: IgnoredTag[];
}

interface TagMap {
  entries: Map<string, { key: string; value: Resolved }>; // by lower-cased key
  /** Set when the map's keys are not all known: a missing key may still be there. */
  incomplete: string | null;
}

interface Site {
  origin: TagOrigin;
  file: string;
  line: number;
}

export function resourceOwnerTags(
  index: TerraformIndex,
  resource: Resource,
  tagKeys: readonly string[],
): ResourceOwnerTags {
  const tags: OwnerTag[] = [];
  const ignored: IgnoredTag[] = [];
  const here: Site = { origin: "resource", file: resource.file, line: resource.line };
  const tagsAttr = attribute(resource.block.body, "tags");
  const own: TagMap = tagsAttr
    ? readTagMap(tagsAttr.expr, scopeOf(index, resource.module, new Set()))
    : { entries: new Map(), incomplete: null };
  const defaults = defaultTags(index, resource);

  for (const wanted of new Set(tagKeys.map((k) => k.toLowerCase()))) {
    const entry = own.entries.get(wanted);
    if (entry) {
      const value = tagValue(entry.value);
      if (typeof value === "string") tags.push({ key: entry.key, value, ...here });
      // A resource tag overrides default_tags even when its value is unknown: no fallback.
      else ignored.push({ key: entry.key, reason: value.reason, ...here });
      continue;
    }
    if (own.incomplete !== null) continue; // reported once below; default_tags might be overridden
    if (!defaults) continue;
    if ("reason" in defaults) {
      const named = defaults.maps.map((m) => m.entries.get(wanted)).find((e) => e !== undefined);
      if (named) ignored.push({ key: named.key, ...defaults.site, reason: defaults.reason });
      continue;
    }
    const fallback = defaults.map.entries.get(wanted);
    if (!fallback) continue;
    const value = tagValue(fallback.value);
    if (typeof value === "string") tags.push({ key: fallback.key, value, ...defaults.site });
    else ignored.push({ key: fallback.key, reason: value.reason, ...defaults.site });
  }
  if (own.incomplete !== null) ignored.push({ key: null, reason: own.incomplete, ...here });
  else if (defaults && !("reason" in defaults) && defaults.map.incomplete !== null)
    ignored.push({ key: null, reason: defaults.map.incomplete, ...defaults.site });
  return { tags, ignored };
}

function tagValue(r: Resolved): string | { reason: string } {
  if (!r.known) return { reason: r.reason };
  const v = r.value;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  return { reason: v === null ? "the value is null" : "the value is not a single string" };
}

/**
 * Reads a tags expression. A map known as a whole is used as is; otherwise an object literal is read
 * key by key and `merge(a, b, …)` argument by argument (later arguments win, and an unreadable later
 * argument may override any earlier key, so those keys are reported, not used).
 */
function readTagMap(expr: Expr, scope: Scope): TagMap {
  const whole = evaluate(expr, scope);
  if (whole.known) {
    const v = whole.value;
    if (v === null) return { entries: new Map(), incomplete: null };
    if (typeof v !== "object" || Array.isArray(v))
      return { entries: new Map(), incomplete: "tags is not a map" };
    return { entries: entriesOf(v), incomplete: null };
  }
  if (expr.kind === "paren") return readTagMap(expr.inner, scope);
  if (expr.kind === "object") {
    const entries = new Map<string, { key: string; value: Resolved }>();
    let incomplete: string | null = null;
    for (const item of expr.items) {
      const key =
        item.key.kind === "traversal" && item.key.steps.length === 0
          ? { known: true as const, value: item.key.root }
          : evaluate(item.key, scope);
      if (!key.known || typeof key.value !== "string") {
        incomplete = `a tag key cannot be read statically (${key.known ? "not a string" : key.reason})`;
        continue;
      }
      entries.set(key.value.toLowerCase(), { key: key.value, value: evaluate(item.value, scope) });
    }
    return { entries, incomplete };
  }
  if (expr.kind === "call" && expr.name === "merge" && !expr.expandFinal) {
    const entries = new Map<string, { key: string; value: Resolved }>();
    let incomplete: string | null = null;
    for (const arg of expr.args) {
      const part = readTagMap(arg, scope);
      if (part.incomplete !== null) {
        // Whatever came before may be overridden by this argument's unknown keys.
        for (const [k, e] of entries)
          entries.set(k, {
            key: e.key,
            value: unknown(`may be overridden by a later merge() argument (${part.incomplete})`),
          });
        incomplete = part.incomplete;
      }
      for (const [k, e] of part.entries) entries.set(k, e);
    }
    return { entries, incomplete };
  }
  return { entries: new Map(), incomplete: `tags cannot be read statically (${whole.reason})` };
}

function entriesOf(obj: { [key: string]: Value }): TagMap["entries"] {
  const entries: TagMap["entries"] = new Map();
  for (const [key, value] of Object.entries(obj))
    if (!entries.has(key.toLowerCase()))
      entries.set(key.toLowerCase(), { key, value: { known: true, value } });
  return entries;
}

/**
 * The evaluation scope of a module: its own when it is a root; the caller's inputs when exactly one
 * module call uses it (followed up to the root); when several do, a value is known only if every
 * call gives the same one — otherwise it is unknown, not guessed from one caller.
 */
function scopeOf(index: TerraformIndex, dir: string, seen: Set<string>): Scope {
  const mod = index.modules.get(dir);
  if (!mod) return { variable: () => undefined, local: () => undefined };
  if (mod.calledBy.length === 0 || seen.has(dir)) return moduleScope(mod);
  const next = new Set(seen).add(dir);
  const scopes = mod.calledBy.map(
    (call) => callScope(index, call, scopeOf(index, call.module, next)) ?? moduleScope(mod, new Map()),
  );
  if (scopes.length === 1) return scopes[0]!;
  const calls = mod.calledBy.map((c) => (c.module === "." ? c.address : `${c.address} in ${c.module}`));
  const agree = (name: string, pick: (s: Scope) => Resolved | undefined): Resolved | undefined => {
    const values = scopes.map(pick);
    if (values.every((v) => v === undefined)) return undefined;
    const notKnown = values.findIndex((v) => !v?.known);
    if (notKnown >= 0) return values[notKnown] ?? unknown(`${name} is not set by every module call`);
    const first = JSON.stringify(values[0]!.known && values[0]!.value);
    if (values.every((v) => v?.known && JSON.stringify(v.value) === first)) return values[0];
    return unknown(`${name} differs between the ${scopes.length} module calls (${calls.join(", ")})`);
  };
  return {
    variable: (name) => agree(`var.${name}`, (s) => s.variable(name)),
    local: (name) => agree(`local.${name}`, (s) => s.local(name)),
  };
}

type DefaultTags = { map: TagMap; site: Site } | { reason: string; site: Site; maps: TagMap[] } | null;

/** default_tags of the aws provider configuration the resource uses, or null when it has none. */
function defaultTags(index: TerraformIndex, resource: Resource): DefaultTags {
  // default_tags is the aws provider's feature: an azurerm or google resource beside it gets none.
  if (!resource.type.startsWith("aws_")) return null;
  const found = providerBlocks(index, resource.module, providerAlias(resource.block), new Set());
  const withTags = found.flatMap(({ block, file, dir }) => {
    const dt = blocksOf(block.body, "default_tags")[0];
    const tags = dt ? attribute(dt.body, "tags") : undefined;
    return tags
      ? [{ expr: tags.expr, dir, site: { origin: "default_tags" as const, file, line: block.line } }]
      : [];
  });
  const first = withTags[0];
  if (!first) return null;
  const maps = withTags.map((t) => readTagMap(t.expr, scopeOf(index, t.dir, new Set())));
  const key = (m: TagMap) => JSON.stringify([...m.entries].map(([k, e]) => [k, e.value]).sort());
  // Used from several roots whose providers tag differently: no single answer.
  if (withTags.length !== found.length || maps.some((m) => key(m) !== key(maps[0]!)))
    return {
      reason: `the aws provider configurations this module is used with have different default_tags (${withTags.length} of ${found.length} set them)`,
      site: first.site,
      maps,
    };
  return { map: maps[0]!, site: first.site };
}

/** `provider = aws.west` → "west"; no provider argument → "" (the default configuration). */
function providerAlias(block: Block): string {
  const expr = attribute(block.body, "provider")?.expr;
  if (expr?.kind === "traversal" && expr.root === "aws" && expr.steps[0]?.kind === "attr")
    return expr.steps[0].name;
  return "";
}

/**
 * The `provider "aws"` blocks a module's configuration `alias` resolves to: declared in the module
 * itself, else passed by each module call (`providers = { aws = aws.west }`), or — for the default
 * configuration only — inherited implicitly from the caller, as Terraform does.
 */
function providerBlocks(
  index: TerraformIndex,
  dir: string,
  alias: string,
  seen: Set<string>,
): Array<{ block: Block; file: string; dir: string }> {
  const mod = index.modules.get(dir);
  if (!mod || seen.has(dir)) return [];
  const local = declaredProviders(mod).filter((p) => p.alias === alias);
  if (local[0]) return [{ block: local[0].block, file: local[0].file, dir }];
  const next = new Set(seen).add(dir);
  const out: Array<{ block: Block; file: string; dir: string }> = [];
  for (const call of mod.calledBy) {
    const passed = passedProvider(call.block, alias) ?? (alias === "" ? "" : undefined);
    if (passed !== undefined) out.push(...providerBlocks(index, call.module, passed, next));
  }
  return [...new Map(out.map((p) => [p.block, p])).values()];
}

function declaredProviders(mod: ModuleDir): Array<{ alias: string; block: Block; file: string }> {
  return mod.files.flatMap((f) =>
    blocksOf(f.body, "provider")
      .filter((b) => b.labels[0] === "aws")
      .map((block) => {
        const a = attribute(block.body, "alias")?.expr;
        return { alias: a?.kind === "literal" ? String(a.value) : "", block, file: f.path };
      }),
  );
}

/** In a module call's `providers` map, the caller's alias given for the module's `aws[.alias]`. */
function passedProvider(call: Block, alias: string): string | undefined {
  const map = attribute(call.body, "providers")?.expr;
  if (map?.kind !== "object") return undefined;
  // A bare `aws` key parses as a literal; `aws.west` (key or value) as a traversal.
  const name = (e: Expr): string | undefined => {
    if (e.kind === "literal") return e.value === "aws" ? "" : undefined;
    if (e.kind !== "traversal" || e.root !== "aws") return undefined;
    const [step, ...rest] = e.steps;
    if (!step) return "";
    return step.kind === "attr" && rest.length === 0 ? step.name : undefined;
  };
  for (const item of map.items) if (name(item.key) === alias) return name(item.value);
  return undefined;
}
