// Shared logic of the S3 rules: which split resources (AWS provider v4+: aws_s3_bucket_versioning,
// aws_s3_bucket_server_side_encryption_configuration, aws_s3_bucket_acl,
// aws_s3_bucket_public_access_block) belong to a bucket, whether new code should use the inline
// form (provider < 4) or the split form, and how to write a split resource for a bucket.

import { attribute, type Block, blocksOf, type Expr, traversals } from "../hcl/ast.ts";
import type { EditOp } from "../hcl/edit.ts";
import { evaluate, type Resolved } from "../hcl/evaluate.ts";
import { moduleScope, type Resource, type TerraformIndex } from "../hcl/index.ts";
import { knownInstances, managedResources, resolveExpr, sourceText } from "./helpers.ts";
import { constraintsMeet } from "./provider-versions.ts";
import { matchesTemplate, type TemplateShape } from "./template-match.ts";
import type { FixPlan } from "./types.ts";

export const S3_BUCKET = "aws_s3_bucket";
export const S3_VERSIONING = "aws_s3_bucket_versioning";
export const S3_ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration";
export const S3_ACL = "aws_s3_bucket_acl";
export const S3_PUBLIC_ACCESS_BLOCK = "aws_s3_bucket_public_access_block";

/**
 * How a split resource relates to a bucket:
 *  - "bound": it configures this bucket (refers to aws_s3_bucket.<name>(.id|.bucket), directly or
 *    through locals, names it, or sets `bucket` from the same expression as the bucket does);
 *  - "maybe": it could configure this bucket (a module output of the bucket's module; a literal name
 *    the bucket's partly unknown name could produce);
 *  - "other": it configures another bucket, or one fixloop cannot bind to this one. A `bucket` that
 *    is not known statically (`var.bucket_name` without a default) hides nothing but the bucket
 *    whose own name is written the same way: it must not silence the rules for the whole module.
 */
export type Binding = "bound" | "maybe" | "other";

/** Whether a traversal like `aws_s3_bucket.x[count.index].id` designates a bucket; its name if so. */
function designatedBucket(t: Extract<Expr, { kind: "traversal" }>): string | undefined {
  const [first, ...rest] = t.steps;
  if (t.root !== S3_BUCKET || first?.kind !== "attr") return undefined;
  const tail = rest[0]?.kind === "index" ? rest.slice(1) : rest;
  const attr = tail[0];
  const ok = attr === undefined || (attr.kind === "attr" && (attr.name === "id" || attr.name === "bucket"));
  return ok ? first.name : undefined;
}

/** What a split resource's `bucket` designates, worked out once per split resource. */
type SplitTarget =
  /** aws_s3_bucket references (directly, through locals, or the bucket of for_each): these names. */
  | { kind: "refs"; names: string[] }
  /** An output of module calls made here: any bucket in those modules. */
  | { kind: "modules"; callees: string[] }
  /** Statically known names (one, or one per for_each/count instance). */
  | { kind: "values"; values: string[] }
  /** Not known statically: bound only to a bucket whose name is written the same way. */
  | { kind: "unknown"; text: string };

/** An expression with bare `local.x` references followed to their definitions (bounded: cycles). */
function followLocals(
  index: TerraformIndex,
  module: string,
  expr: Expr,
  file: string,
): { expr: Expr; file: string } {
  const locals = index.modules.get(module)?.locals;
  for (let depth = 0; depth < 32; depth++) {
    if (expr.kind === "paren") {
      expr = expr.inner;
      continue;
    }
    const step = expr.kind === "traversal" && expr.root === "local" ? expr.steps : undefined;
    const name = step?.length === 1 && step[0]?.kind === "attr" ? step[0].name : undefined;
    const decl = name === undefined ? undefined : locals?.get(name);
    if (!decl) break;
    expr = decl.attr.expr;
    file = decl.file;
  }
  return { expr, file };
}

/** The written text of a `bucket` expression once locals are followed: equal texts, same bucket. */
function canonicalText(index: TerraformIndex, resource: Resource, expr: Expr): string {
  const found = followLocals(index, resource.module, expr, resource.file);
  return (index.files.get(found.file)?.text ?? "").slice(found.expr.start, found.expr.end);
}

function splitTarget(index: TerraformIndex, split: Resource): SplitTarget | undefined {
  const attr = attribute(split.block.body, "bucket");
  if (!attr) return undefined;
  const followed = followLocals(index, split.module, attr.expr, split.file).expr;
  const all = traversals(followed);
  const refs = all.filter((t) => t.root === S3_BUCKET);
  if (refs.length > 0) return { kind: "refs", names: refs.flatMap((t) => designatedBucket(t) ?? []) };
  // for_each = aws_s3_bucket.x + bucket = each.value.id / each.value.bucket / each.key
  const forEach = attribute(split.block.body, "for_each");
  if (forEach && all.some((t) => t.root === "each")) {
    const eachRefs = traversals(forEach.expr).filter((t) => t.root === S3_BUCKET);
    if (eachRefs.length > 0)
      return { kind: "refs", names: eachRefs.flatMap((t) => designatedBucket(t) ?? []) };
  }
  const calls = index.modules.get(split.module)?.calls ?? [];
  const callees = all.flatMap((t) => {
    const first = t.steps[0];
    if (t.root !== "module" || first?.kind !== "attr") return [];
    return calls.filter((c) => c.name === first.name && c.sourceDir).map((c) => c.sourceDir!);
  });
  if (callees.length > 0) return { kind: "modules", callees };
  const values = instanceValues(index, split, attr.expr);
  if (values) return { kind: "values", values };
  return { kind: "unknown", text: canonicalText(index, split, attr.expr) };
}

/** The statically known string value(s) of `bucket`, or undefined when any is unknown. */
function instanceValues(index: TerraformIndex, split: Resource, expr: Expr): string[] | undefined {
  const value = resolveExpr(index, split, expr);
  if (value.known) return typeof value.value === "string" ? [value.value] : [];
  // `bucket = each.key` over a known for_each: one name per instance.
  const instances = knownInstances(index, split);
  if (instances.length === 0) return undefined;
  const values: string[] = [];
  for (const inst of instances) {
    const v = resolveExpr(index, split, expr, inst);
    if (!v.known) return undefined;
    if (typeof v.value === "string") values.push(v.value);
  }
  return values;
}

/** A bucket's name as literal text and unknown parts, e.g. "acme-${count.index}" → ["acme-", null]. */
function nameShape(index: TerraformIndex, bucket: Resource, expr: Expr): TemplateShape {
  if (expr.kind !== "template" || expr.heredoc) return [null];
  return expr.parts.map((part) => {
    if (part.kind === "text") return part.value;
    if (part.kind === "directive") return null;
    const v = resolveExpr(index, bucket, part.expr);
    return v.known && (typeof v.value === "string" || typeof v.value === "number") ? String(v.value) : null;
  });
}

/** What fixloop knows of a bucket's name: its resolved value, its shape, how it is written. */
interface BucketName {
  value: string | undefined;
  shape: TemplateShape | undefined;
  text: string | undefined;
}

function bucketName(index: TerraformIndex, bucket: Resource): BucketName {
  const attr = attribute(bucket.block.body, "bucket");
  // A bucket without `bucket` gets a generated name (or one from bucket_prefix) no literal can match.
  if (!attr) return { value: undefined, shape: undefined, text: undefined };
  const v = resolveExpr(index, bucket, attr.expr);
  const text = canonicalText(index, bucket, attr.expr);
  if (v.known) return { value: typeof v.value === "string" ? v.value : undefined, shape: undefined, text };
  return { value: undefined, shape: nameShape(index, bucket, attr.expr), text };
}

function bindingTo(
  target: SplitTarget | undefined,
  bucket: Resource,
  name: BucketName,
  sameModule: boolean,
): Binding {
  if (!target) return "other";
  if (!sameModule) {
    // A split resource in a caller module fed by a module output may configure a bucket in the callee.
    return target.kind === "modules" && target.callees.includes(bucket.module) ? "maybe" : "other";
  }
  switch (target.kind) {
    case "refs":
      return target.names.includes(bucket.name) ? "bound" : "other";
    case "modules":
      return "other";
    case "unknown":
      return name.text !== undefined && target.text === name.text ? "bound" : "other";
    case "values":
      if (name.value !== undefined) return target.values.includes(name.value) ? "bound" : "other";
      // The name is partly unknown (e.g. "acme-${count.index}"): only a value it could produce may match.
      if (name.shape) return target.values.some((v) => matchesTemplate(name.shape!, v)) ? "maybe" : "other";
      return "other";
  }
}

export function bindingOf(index: TerraformIndex, split: Resource, bucket: Resource): Binding {
  const sameModule = split.module === bucket.module;
  return bindingTo(splitTarget(index, split), bucket, bucketName(index, bucket), sameModule);
}

export interface BucketLinks {
  /** Split resources of the type that configure this bucket. */
  bound: Resource[];
  /** Split resources of the type that might configure it (unresolvable `bucket`). */
  uncertain: Resource[];
}

/** The split resources of one type in one module, indexed by what their `bucket` designates. */
interface ModuleSplits {
  byName: Map<string, Resource[]>;
  byText: Map<string, Resource[]>;
  byValue: Map<string, Resource[]>;
  /** Known values sorted, for the buckets whose name is partly unknown. */
  values: string[];
}

/** Per index and split type: each module's split resources, and those reaching a module through its outputs. */
interface SplitIndex {
  modules: Map<string, ModuleSplits>;
  viaOutputs: Map<string, Resource[]>;
}

const splitIndexes = new WeakMap<TerraformIndex, Map<string, SplitIndex>>();

function push<K>(map: Map<K, Resource[]>, key: K, r: Resource): void {
  const list = map.get(key);
  if (list) {
    if (list[list.length - 1] !== r) list.push(r);
  } else map.set(key, [r]);
}

/** Built once per index and type (indexes are immutable): this is what keeps the S3 rules linear. */
function splitIndex(index: TerraformIndex, type: string): SplitIndex {
  let byType = splitIndexes.get(index);
  if (!byType) {
    byType = new Map();
    splitIndexes.set(index, byType);
  }
  const cached = byType.get(type);
  if (cached) return cached;
  const out: SplitIndex = { modules: new Map(), viaOutputs: new Map() };
  for (const r of index.resources) {
    if (r.mode !== "managed" || r.type !== type) continue;
    const target = splitTarget(index, r);
    if (!target) continue;
    let mod = out.modules.get(r.module);
    if (!mod) {
      mod = { byName: new Map(), byText: new Map(), byValue: new Map(), values: [] };
      out.modules.set(r.module, mod);
    }
    if (target.kind === "refs") for (const n of target.names) push(mod.byName, n, r);
    else if (target.kind === "unknown") push(mod.byText, target.text, r);
    else if (target.kind === "values") for (const v of target.values) push(mod.byValue, v, r);
    else for (const dir of target.callees) push(out.viaOutputs, dir, r);
  }
  for (const mod of out.modules.values()) mod.values = [...mod.byValue.keys()].sort();
  byType.set(type, out);
  return out;
}

/** Known names a partly unknown name could be: those sharing its literal prefix, then matched. */
function candidatesFor(mod: ModuleSplits, shape: TemplateShape): Resource[] {
  const prefix = typeof shape[0] === "string" ? shape[0] : "";
  let i = lowerBound(mod.values, prefix);
  const out: Resource[] = [];
  for (; i < mod.values.length && mod.values[i]!.startsWith(prefix); i++) {
    const v = mod.values[i]!;
    if (matchesTemplate(shape, v)) out.push(...mod.byValue.get(v)!);
  }
  return out;
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The managed split resources of `type` that belong (or may belong) to `bucket`. */
export function linkedResources(index: TerraformIndex, bucket: Resource, type: string): BucketLinks {
  const splits = splitIndex(index, type);
  const mod = splits.modules.get(bucket.module);
  const name = bucketName(index, bucket);
  const bound = new Set<Resource>(mod?.byName.get(bucket.name) ?? []);
  if (mod && name.text !== undefined) for (const r of mod.byText.get(name.text) ?? []) bound.add(r);
  if (mod && name.value !== undefined) for (const r of mod.byValue.get(name.value) ?? []) bound.add(r);
  const uncertain = new Set<Resource>(splits.viaOutputs.get(bucket.module) ?? []);
  if (mod && name.shape) for (const r of candidatesFor(mod, name.shape)) if (!bound.has(r)) uncertain.add(r);
  return { bound: [...bound], uncertain: [...uncertain] };
}

export function managedBuckets(index: TerraformIndex): Resource[] {
  return managedResources(index, [S3_BUCKET]);
}

/** Inline (or `dynamic`) blocks of `type` in a bucket. */
export function inlineBlocks(bucket: Resource, type: string): { blocks: Block[]; dynamic: boolean } {
  const dynamic = blocksOf(bucket.block.body, "dynamic").some((d) => d.labels[0] === type);
  return { blocks: blocksOf(bucket.block.body, type), dynamic };
}

// ---------------------------------------------------------------------------------------------
// AWS provider version: does the module's constraint allow v4+ (where the split resources exist)?

/**
 * Whether some version >= 4.0.0 satisfies a Terraform version constraint string
 * (`~> 3.74`, `>= 3.0, < 4.0`, `= 3.76.1`…); undefined when the string cannot be read.
 */
export function constraintAllowsV4(constraint: string): boolean | undefined {
  return constraintsMeet(constraint, ">= 4.0.0");
}

/** The aws provider version constraints declared in a module directory. */
function awsConstraints(index: TerraformIndex, dir: string): string[] {
  const mod = index.modules.get(dir);
  if (!mod) return [];
  const scope = moduleScope(mod);
  const out: string[] = [];
  for (const file of mod.files) {
    for (const tf of blocksOf(file.body, "terraform")) {
      for (const rp of blocksOf(tf.body, "required_providers")) {
        const aws = attribute(rp.body, "aws");
        if (!aws) continue;
        const v = evaluate(aws.expr, scope);
        if (!v.known) continue;
        if (typeof v.value === "string") out.push(v.value);
        else if (v.value && typeof v.value === "object" && !Array.isArray(v.value)) {
          const version = v.value.version;
          if (typeof version === "string") out.push(version);
        }
      }
    }
    // Terraform < 0.13 style: provider "aws" { version = "~> 2.0" }
    for (const p of blocksOf(file.body, "provider")) {
      if (p.labels[0] !== "aws") continue;
      const version = attribute(p.body, "version");
      const v = version ? evaluate(version.expr, scope) : undefined;
      if (v?.known && typeof v.value === "string") out.push(v.value);
    }
  }
  return out;
}

/**
 * Whether the AWS provider constraints that apply to a module (its own and those of the modules
 * that call it) allow v4 or later. True when nothing constrains it.
 */
export function awsProviderAllowsV4(index: TerraformIndex, dir: string, seen = new Set<string>()): boolean {
  if (seen.has(dir)) return true;
  seen.add(dir);
  for (const c of awsConstraints(index, dir)) if (constraintAllowsV4(c) === false) return false;
  const mod = index.modules.get(dir);
  for (const call of mod?.calledBy ?? []) if (!awsProviderAllowsV4(index, call.module, seen)) return false;
  return true;
}

/** New configuration for `bucket` goes inline when the provider is pinned below v4 or the bucket already uses the inline form. */
export function useInlineForm(index: TerraformIndex, bucket: Resource, alreadyInline: boolean): boolean {
  return alreadyInline || !awsProviderAllowsV4(index, bucket.module);
}

// ---------------------------------------------------------------------------------------------
// Writing split resources for a bucket.

/** `aws_s3_bucket.x.id`, `aws_s3_bucket.x[count.index].id` or `aws_s3_bucket.x[each.key].id`. */
export function bucketReference(bucket: Resource): string {
  if (attribute(bucket.block.body, "count")) return `${S3_BUCKET}.${bucket.name}[count.index].id`;
  if (attribute(bucket.block.body, "for_each")) return `${S3_BUCKET}.${bucket.name}[each.key].id`;
  return `${S3_BUCKET}.${bucket.name}.id`;
}

/** A resource name of `type` not used yet in the bucket's module: the bucket's name when free. */
export function freeName(index: TerraformIndex, bucket: Resource, type: string): string {
  const taken = new Set(
    index.resources
      .filter((r) => r.module === bucket.module && r.type === type && r.mode === "managed")
      .map((r) => r.name),
  );
  if (!taken.has(bucket.name)) return bucket.name;
  for (let i = 2; ; i++) if (!taken.has(`${bucket.name}_${i}`)) return `${bucket.name}_${i}`;
}

/**
 * A plan adding `resource "<type>" "<bucket name>"` right after the bucket, with the bucket's
 * count/for_each copied and `bucket = <reference>` first, then `body` (lines at two-space indent).
 */
export function addSplitResource(
  index: TerraformIndex,
  bucket: Resource,
  type: string,
  body: string[],
  summary: string,
): FixPlan {
  const name = freeName(index, bucket, type);
  const lines = [`resource "${type}" "${name}" {`];
  for (const meta of ["count", "for_each"]) {
    const attr = attribute(bucket.block.body, meta);
    if (attr) lines.push(`  ${meta} = ${sourceText(index, bucket, attr.expr)}`, "");
  }
  lines.push(`  bucket = ${bucketReference(bucket)}`);
  lines.push(...body.map((l) => (l.length ? `  ${l}` : l)));
  lines.push("}");
  const op: EditOp = { kind: "addBlock", parent: null, after: bucket.block, text: lines.join("\n") };
  return {
    kind: "edits",
    files: [{ file: bucket.file, ops: [op] }],
    summary: `${summary} (${type}.${name})`,
  };
}

/** A plan adding a nested block to the bucket itself (the pre-v4 inline form). */
export function addInlineBlock(bucket: Resource, text: string, summary: string): FixPlan {
  const op: EditOp = { kind: "addBlock", parent: bucket.block, text };
  return { kind: "edits", files: [{ file: bucket.file, ops: [op] }], summary };
}

/** A plan setting attributes of one block of a resource. */
export function setAttributes(
  resource: Resource,
  block: Block,
  values: Array<[string, string]>,
  summary: string,
): FixPlan {
  const ops: EditOp[] = values.map(([name, value]) => ({ kind: "set", block, name, value }));
  return { kind: "edits", files: [{ file: resource.file, ops }], summary };
}

/** Text of an expression as written in its file. */
export function writtenAs(index: TerraformIndex, resource: Resource, expr: Expr): string {
  return sourceText(index, resource, expr);
}

/** Statically known value of an expression in the resource's module scope. */
export function resolveFor(index: TerraformIndex, resource: Resource, expr: Expr): Resolved {
  return resolveExpr(index, resource, expr);
}

/** Whether an expression is a constant written in place (`true`, `"private"`), so a fix may overwrite it. */
export function isWrittenLiteral(expr: Expr): boolean {
  if (expr.kind === "literal") return true;
  return expr.kind === "template" && !expr.heredoc && expr.parts.every((p) => p.kind === "text");
}
