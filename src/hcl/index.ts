// The resource index: every resource, data source and module call in a tree of Terraform files,
// with its address(es), file, lines, offsets, statically known attributes, tags and references.
// Pure: it takes file contents and returns the index; reading the disk lives in load.ts.

import { posix } from "node:path";
import {
  type Attribute,
  attribute,
  type Block,
  blocksOf,
  type Expr,
  type HclFile,
  traversals,
} from "./ast.ts";
import { HclSyntaxError } from "./errors.ts";
import {
  evaluate,
  type InstanceBinding,
  type Resolved,
  type Scope,
  unknown,
  type Value,
} from "./evaluate.ts";
import { isJsonSyntax, parseTerraformJson } from "./json-syntax.ts";
import { withoutTrailingSlashes } from "./module-source.ts";
import { parseHcl } from "./parser.ts";
import { byteOffset } from "./positions.ts";

export interface SourceFile {
  /** Path relative to the index root, with forward slashes. */
  path: string;
  text: string;
  /** Why the file was not read (its text is then empty): reported like a syntax error. */
  skipped?: string;
}

/**
 * Largest Terraform file fixloop reads: 4 MB. The largest files of the real modules in
 * fixtures/corpus are ~60 KB; a 4 MB file of nothing but interpolations already costs ~6 s and
 * ~450 MB to parse, and 50 MB exhausted the memory of the process.
 */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The "skipped" reason for a file of `bytes` bytes, or undefined when it is small enough. */
export function tooLarge(bytes: number): string | undefined {
  if (bytes <= MAX_FILE_BYTES) return undefined;
  return `skipped: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB (${bytes} bytes)`;
}

export interface Resource {
  /** Address within its own module: `aws_s3_bucket.logs`, `data.aws_iam_policy_document.x`. */
  address: string;
  /** Full addresses from every root module that reaches this one: `module.cdn.aws_s3_bucket.this`. */
  addresses: string[];
  mode: "managed" | "data";
  type: string;
  name: string;
  file: string;
  /** Directory (module) the resource belongs to, relative to the root ("." for the root). */
  module: string;
  line: number;
  endLine: number;
  span: { start: number; end: number };
  byteRange: { start: number; end: number };
  block: Block;
  /** Other resources this one refers to, as local addresses (`aws_s3_bucket.y`). */
  references: string[];
  /** `count`/`for_each` present: the address stands for several instances. */
  repeated: boolean;
}

export interface ModuleCall {
  name: string;
  address: string; // module.<name>
  source: string | undefined;
  /** Directory of a local source (`./modules/x`), relative to the root; undefined for registry/git sources. */
  sourceDir: string | undefined;
  file: string;
  module: string;
  line: number;
  block: Block;
}

export interface ModuleDir {
  dir: string;
  files: HclFile[];
  variables: Map<string, { block: Block; file: string }>;
  locals: Map<string, { attr: Attribute; file: string }>;
  /** Values from terraform.tfvars / *.auto.tfvars in this directory. */
  tfvars: Map<
    string,
    {
      value: Resolved;
      file: string;
      /** The entry as written (its line, its expression for a fix at the definition). */
      attr: Attribute;
      /** Other entries for the same variable in this directory's tfvars files. */
      others: Array<{ file: string; line: number }>;
    }
  >;
  resources: Resource[];
  calls: ModuleCall[];
  /** `default_tags { tags = … }` of the aws providers declared here. */
  defaultTags: Expr[];
  /** Called by a local module call elsewhere in the tree (so not a root module). */
  calledBy: ModuleCall[];
}

export interface TerraformIndex {
  files: Map<string, HclFile>;
  modules: Map<string, ModuleDir>;
  resources: Resource[];
  calls: ModuleCall[];
  errors: HclSyntaxError[];
}

const NON_RESOURCE_ROOTS = new Set([
  "var",
  "local",
  "module",
  "data",
  "each",
  "count",
  "path",
  "terraform",
  "self",
]);

/** `beforeFile` is told each file before it is parsed (the app's worker times each file with it). */
export function buildIndex(
  sources: SourceFile[],
  hooks: { beforeFile?: (path: string) => void } = {},
): TerraformIndex {
  const files = new Map<string, HclFile>();
  const errors: HclSyntaxError[] = [];
  const modules = new Map<string, ModuleDir>();
  const moduleFor = (dir: string): ModuleDir => {
    let m = modules.get(dir);
    if (!m) {
      m = {
        dir,
        files: [],
        variables: new Map(),
        locals: new Map(),
        tfvars: new Map(),
        resources: [],
        calls: [],
        defaultTags: [],
        calledBy: [],
      };
      modules.set(dir, m);
    }
    return m;
  };

  for (const src of [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const dir = posix.dirname(src.path);
    const isVars = src.path.endsWith(".tfvars") || src.path.endsWith(".tfvars.json");
    hooks.beforeFile?.(src.path);
    const skipped = src.skipped ?? tooLarge(Buffer.byteLength(src.text, "utf8"));
    if (skipped) {
      errors.push(new HclSyntaxError(src.path, 1, 1, skipped));
      continue;
    }
    let hcl: HclFile;
    try {
      hcl = isJsonSyntax(src.path) ? parseTerraformJson(src.path, src.text) : parseHcl(src.path, src.text);
    } catch (e) {
      if (e instanceof HclSyntaxError) {
        errors.push(e);
        continue;
      }
      throw e;
    }
    const mod = moduleFor(dir);
    if (isVars) {
      const base = posix.basename(src.path);
      if (/^terraform\.tfvars(\.json)?$|\.auto\.tfvars(\.json)?$/.test(base)) {
        for (const item of hcl.body) {
          if (item.kind !== "attribute") continue;
          const earlier = mod.tfvars.get(item.name);
          // Terraform loads terraform.tfvars, then terraform.tfvars.json, then *.auto.tfvars(.json) in
          // lexical order, each overriding the one before; paths are sorted, so only the rank can
          // make an earlier file win (a.auto.tfvars sorts before terraform.tfvars but overrides it).
          if (earlier && tfvarsRank(earlier.file) > tfvarsRank(src.path)) {
            earlier.others.push({ file: src.path, line: item.line });
            continue;
          }
          const others = earlier ? [...earlier.others, { file: earlier.file, line: earlier.attr.line }] : [];
          mod.tfvars.set(item.name, {
            value: evaluate(item.expr, EMPTY_SCOPE),
            file: src.path,
            attr: item,
            others,
          });
        }
      }
      continue;
    }
    files.set(src.path, hcl);
    mod.files.push(hcl);
    collectFile(hcl, mod);
  }

  const calls = [...modules.values()].flatMap((m) => m.calls);
  for (const call of calls) {
    if (call.sourceDir) modules.get(call.sourceDir)?.calledBy.push(call);
  }
  for (const m of modules.values()) {
    const prefixes = modulePrefixes(m, modules, new Set());
    for (const r of m.resources) r.addresses = prefixes.map((p) => p + r.address);
  }
  const resources = [...modules.values()].flatMap((m) => m.resources);
  return { files, modules, resources, calls, errors };
}

/** Load order of a variable file Terraform reads by itself: later ranks override earlier ones. */
function tfvarsRank(path: string): number {
  const base = posix.basename(path);
  return base === "terraform.tfvars" ? 0 : base === "terraform.tfvars.json" ? 1 : 2;
}

function collectFile(hcl: HclFile, mod: ModuleDir): void {
  const bytes = byteOffsets(hcl.text);
  for (const block of blocksOf(hcl.body)) {
    switch (block.type) {
      case "resource":
      case "data":
        if (block.labels.length === 2) mod.resources.push(toResource(hcl, block, mod.dir, bytes));
        break;
      case "module":
        if (block.labels.length === 1) mod.calls.push(toCall(hcl, block, mod.dir));
        break;
      case "variable":
        if (block.labels[0]) mod.variables.set(block.labels[0], { block, file: hcl.path });
        break;
      case "locals":
        for (const item of block.body) {
          if (item.kind === "attribute") mod.locals.set(item.name, { attr: item, file: hcl.path });
        }
        break;
      case "provider":
        if (block.labels[0] === "aws") {
          for (const dt of blocksOf(block.body, "default_tags")) {
            const tags = attribute(dt.body, "tags");
            if (tags) mod.defaultTags.push(tags.expr);
          }
        }
        break;
    }
  }
}

/** String offset → UTF-8 byte offset, computed incrementally for offsets asked in increasing order. */
function byteOffsets(text: string): (offset: number) => number {
  // ASCII only: bytes and offsets agree.
  if (Buffer.byteLength(text, "utf8") === text.length) return (offset) => offset;
  let lastOffset = 0;
  let lastBytes = 0;
  return (offset) => {
    if (offset < lastOffset) return byteOffset(text, offset);
    lastBytes += Buffer.byteLength(text.slice(lastOffset, offset), "utf8");
    lastOffset = offset;
    return lastBytes;
  };
}

function toResource(hcl: HclFile, block: Block, dir: string, bytes: (offset: number) => number): Resource {
  const [type, name] = block.labels as [string, string];
  const mode = block.type === "data" ? "data" : "managed";
  const address = mode === "data" ? `data.${type}.${name}` : `${type}.${name}`;
  const references = new Set<string>();
  collectReferences(block, references);
  references.delete(address);
  return {
    address,
    addresses: [address],
    mode,
    type,
    name,
    file: hcl.path,
    module: dir,
    line: block.line,
    endLine: block.endLine,
    span: { start: block.start, end: block.end },
    byteRange: { start: bytes(block.start), end: bytes(block.end) },
    block,
    references: [...references].sort(),
    repeated: Boolean(attribute(block.body, "count") || attribute(block.body, "for_each")),
  };
}

function collectReferences(block: Block, out: Set<string>): void {
  for (const item of block.body) {
    if (item.kind === "block") {
      collectReferences(item, out);
      continue;
    }
    for (const t of traversals(item.expr)) {
      const first = t.steps[0];
      if (first?.kind !== "attr") continue;
      if (t.root === "data") {
        const second = t.steps[1];
        if (second?.kind === "attr") out.add(`data.${first.name}.${second.name}`);
      } else if (t.root === "module") out.add(`module.${first.name}`);
      else if (!NON_RESOURCE_ROOTS.has(t.root)) out.add(`${t.root}.${first.name}`);
    }
  }
}

function toCall(hcl: HclFile, block: Block, dir: string): ModuleCall {
  const name = block.labels[0]!;
  const sourceAttr = attribute(block.body, "source");
  const source = sourceAttr?.expr.kind === "literal" ? String(sourceAttr.expr.value) : undefined;
  const isLocal = source !== undefined && (source.startsWith("./") || source.startsWith("../"));
  const sourceDir = isLocal ? posix.normalize(posix.join(dir, withoutTrailingSlashes(source))) : undefined;
  return {
    name,
    address: `module.${name}`,
    source,
    sourceDir,
    file: hcl.path,
    module: dir,
    line: block.line,
    block,
  };
}

/** Address prefixes for a module dir: "" for a root, `module.a.module.b.` for nested calls. */
function modulePrefixes(m: ModuleDir, modules: Map<string, ModuleDir>, seen: Set<string>): string[] {
  if (m.calledBy.length === 0 || seen.has(m.dir)) return [""];
  seen.add(m.dir);
  const out: string[] = [];
  for (const call of m.calledBy) {
    const caller = modules.get(call.module);
    const callerPrefixes = caller ? modulePrefixes(caller, modules, new Set(seen)) : [""];
    for (const p of callerPrefixes) out.push(`${p}module.${call.name}.`);
  }
  return out;
}

const EMPTY_SCOPE: Scope = { variable: () => undefined, local: () => undefined };

/**
 * Evaluation scope of a module: var.* from the given inputs (a module call), else tfvars, else the
 * variable's default; local.* evaluated lazily with cycle detection.
 */
export function moduleScope(mod: ModuleDir, inputs?: Map<string, Resolved>, data?: Scope["data"]): Scope {
  const localCache = new Map<string, Resolved>();
  const inProgress = new Set<string>();
  const scope: Scope = {
    ...(data ? { data } : {}),
    variable(name) {
      const decl = mod.variables.get(name);
      if (!decl) return undefined;
      const input = inputs?.get(name);
      if (input) return input;
      const tfvar = inputs ? undefined : mod.tfvars.get(name);
      if (tfvar) return tfvar.value;
      const def = attribute(decl.block.body, "default");
      if (def) return evaluate(def.expr, EMPTY_SCOPE);
      return unknown(
        inputs
          ? `var.${name} is not set by the module call and has no default`
          : `var.${name} has no default and no value in terraform.tfvars or *.auto.tfvars`,
      );
    },
    local(name) {
      const decl = mod.locals.get(name);
      if (!decl) return undefined;
      const cached = localCache.get(name);
      if (cached) return cached;
      if (inProgress.has(name)) return unknown(`local.${name} refers to itself`);
      inProgress.add(name);
      const v = evaluate(decl.attr.expr, scope);
      inProgress.delete(name);
      localCache.set(name, v);
      return v;
    },
  };
  return scope;
}

/** One instance of a resource with for_each or count whose collection is known statically. */
export interface Instance {
  /** The instance key: a for_each key (string) or a count index. */
  key: string | number;
  /** As Terraform writes it after the address: `["ssh"]`, `[0]`. */
  label: string;
  binding: InstanceBinding;
}

export type Instances =
  | { kind: "single" }
  | { kind: "known"; list: Instance[] }
  | { kind: "unknown"; reason: string };

/** More instances than this are not expanded (an untrusted `count = 1e9` must not cost memory). */
export const MAX_INSTANCES = 1_000;

/**
 * The instances of a resource: one when it has neither for_each nor count; each key of a known
 * for_each map (sorted, as Terraform orders them) or item of a known set of strings; each index of
 * a known count. A collection fixloop cannot read is "unknown, because …", never guessed.
 */
export function resourceInstances(index: TerraformIndex, resource: Resource): Instances {
  const forEach = attribute(resource.block.body, "for_each");
  const count = attribute(resource.block.body, "count");
  if (!forEach && !count) return { kind: "single" };
  const mod = index.modules.get(resource.module);
  const scope = mod ? moduleScope(mod) : EMPTY_SCOPE;
  if (count) {
    const n = evaluate(count.expr, scope);
    if (!n.known) return { kind: "unknown", reason: `count ${n.reason}` };
    if (typeof n.value !== "number" || !Number.isInteger(n.value) || n.value < 0)
      return { kind: "unknown", reason: `count is ${JSON.stringify(n.value)}, not a whole number` };
    if (n.value > MAX_INSTANCES)
      return { kind: "unknown", reason: `count is ${n.value}; fixloop expands at most ${MAX_INSTANCES}` };
    const list = Array.from({ length: n.value }, (_, i) => ({
      key: i,
      label: `[${i}]`,
      binding: { countIndex: i },
    }));
    return { kind: "known", list };
  }
  const v = evaluate(forEach!.expr, scope);
  if (!v.known) return { kind: "unknown", reason: `for_each ${v.reason}` };
  let entries: Array<[string, Value]>;
  if (Array.isArray(v.value)) {
    if (!v.value.every((x) => typeof x === "string"))
      return { kind: "unknown", reason: "for_each is a list of values that are not all strings" };
    entries = [...new Set(v.value as string[])].map((x) => [x, x]);
  } else if (v.value && typeof v.value === "object") entries = Object.entries(v.value);
  else return { kind: "unknown", reason: `for_each is ${JSON.stringify(v.value)}, not a map or a set` };
  if (entries.length > MAX_INSTANCES)
    return {
      kind: "unknown",
      reason: `for_each has ${entries.length} items; fixloop expands at most ${MAX_INSTANCES}`,
    };
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const list = entries.map(([key, value]) => ({
    key,
    label: `[${JSON.stringify(key)}]`,
    binding: { each: { key, value } },
  }));
  return { kind: "known", list };
}

/** A module scope in which `each.*` / `count.index` are those of one instance. */
export function instanceScope(scope: Scope, instance: Instance | undefined): Scope {
  return instance ? { ...scope, instance: instance.binding } : scope;
}

/** The scope a module call's inputs are evaluated in gives the scope inside the called module. */
export function callScope(index: TerraformIndex, call: ModuleCall, callerScope: Scope): Scope | undefined {
  const target = call.sourceDir ? index.modules.get(call.sourceDir) : undefined;
  if (!target) return undefined;
  const inputs = new Map<string, Resolved>();
  for (const item of call.block.body) {
    if (item.kind === "attribute") inputs.set(item.name, evaluate(item.expr, callerScope));
  }
  return moduleScope(target, inputs, callerScope.data);
}

/** Statically known value of a resource's top-level attribute, in the resource's own module scope. */
export function resolveAttribute(
  index: TerraformIndex,
  resource: Resource,
  name: string,
): Resolved | undefined {
  const attr = attribute(resource.block.body, name);
  if (!attr) return undefined;
  const mod = index.modules.get(resource.module);
  return evaluate(attr.expr, mod ? moduleScope(mod) : EMPTY_SCOPE);
}

/** Tags of a resource: provider `default_tags` merged under the resource's own `tags`, where known. */
export function resolveTags(index: TerraformIndex, resource: Resource): Record<string, Value> {
  const mod = index.modules.get(resource.module);
  const scope = mod ? moduleScope(mod) : EMPTY_SCOPE;
  const out: Record<string, Value> = {};
  for (const expr of mod?.defaultTags ?? []) Object.assign(out, objectValue(evaluate(expr, scope)));
  const tags = attribute(resource.block.body, "tags");
  if (tags) Object.assign(out, objectValue(evaluate(tags.expr, scope)));
  return out;
}

function objectValue(r: Resolved): Record<string, Value> {
  return r.known && r.value && typeof r.value === "object" && !Array.isArray(r.value) ? r.value : {};
}

export function findResource(index: TerraformIndex, address: string): Resource[] {
  return index.resources.filter((r) => r.address === address || r.addresses.includes(address));
}

/** Resources in the same module whose body refers to `target` (e.g. a public access block → bucket). */
export function referrers(index: TerraformIndex, target: Resource): Resource[] {
  return index.resources.filter((r) => r.module === target.module && r.references.includes(target.address));
}

export { unknown };
