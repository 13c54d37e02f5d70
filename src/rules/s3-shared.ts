// Shared logic of the S3 rules: which split resources (AWS provider v4+: aws_s3_bucket_versioning,
// aws_s3_bucket_server_side_encryption_configuration, aws_s3_bucket_acl,
// aws_s3_bucket_public_access_block) belong to a bucket, whether new code should use the inline
// form (provider < 4) or the split form, and how to write a split resource for a bucket.

import { attribute, type Block, blocksOf, type Expr, traversals } from "../hcl/ast.ts";
import type { EditOp } from "../hcl/edit.ts";
import { evaluate, type Resolved } from "../hcl/evaluate.ts";
import { moduleScope, type Resource, type TerraformIndex } from "../hcl/index.ts";
import { managedResources, resolveExpr, sourceText } from "./helpers.ts";
import type { FixPlan } from "./types.ts";

export const S3_BUCKET = "aws_s3_bucket";
export const S3_VERSIONING = "aws_s3_bucket_versioning";
export const S3_ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration";
export const S3_ACL = "aws_s3_bucket_acl";
export const S3_PUBLIC_ACCESS_BLOCK = "aws_s3_bucket_public_access_block";

/**
 * How a split resource relates to a bucket:
 *  - "bound": it configures this bucket (refers to aws_s3_bucket.<name>(.id|.bucket), or names it);
 *  - "maybe": its `bucket` cannot be resolved statically and could be this bucket;
 *  - "other": it configures another bucket.
 */
export type Binding = "bound" | "maybe" | "other";

/** Whether a traversal like `aws_s3_bucket.x[count.index].id` designates the bucket named `name`. */
function designatesBucket(t: Extract<Expr, { kind: "traversal" }>, name: string): boolean {
  const [first, ...rest] = t.steps;
  if (t.root !== S3_BUCKET || first?.kind !== "attr" || first.name !== name) return false;
  const tail = rest[0]?.kind === "index" ? rest.slice(1) : rest;
  const attr = tail[0];
  return attr === undefined || (attr.kind === "attr" && (attr.name === "id" || attr.name === "bucket"));
}

export function bindingOf(index: TerraformIndex, split: Resource, bucket: Resource): Binding {
  const attr = attribute(split.block.body, "bucket");
  if (!attr) return "other";
  if (split.module !== bucket.module) {
    // A split resource in a caller module fed by a module output may configure a bucket in the callee.
    const callees = index.modules.get(split.module)?.calls.filter((c) => c.sourceDir === bucket.module) ?? [];
    const refersToCallee = traversals(attr.expr).some((t) => {
      const first = t.steps[0];
      return t.root === "module" && first?.kind === "attr" && callees.some((c) => c.name === first.name);
    });
    return refersToCallee ? "maybe" : "other";
  }
  const refs = traversals(attr.expr).filter((t) => t.root === S3_BUCKET);
  if (refs.length > 0) return refs.some((t) => designatesBucket(t, bucket.name)) ? "bound" : "other";
  // for_each = aws_s3_bucket.x + bucket = each.value.id / each.value.bucket / each.key
  const forEach = attribute(split.block.body, "for_each");
  const usesEach = traversals(attr.expr).some((t) => t.root === "each");
  if (forEach && usesEach) {
    const eachRefs = traversals(forEach.expr).filter((t) => t.root === S3_BUCKET);
    if (eachRefs.length > 0)
      return eachRefs.some((t) => designatesBucket(t, bucket.name)) ? "bound" : "other";
  }
  const bucketAttr = attribute(bucket.block.body, "bucket");
  if (bucketAttr && sourceText(index, split, attr.expr) === sourceText(index, bucket, bucketAttr.expr))
    return "bound";
  const value = resolveExpr(index, split, attr.expr);
  if (!value.known) return "maybe";
  // A bucket without `bucket` gets a generated name (or one from bucket_prefix) no literal can match.
  if (!bucketAttr) return "other";
  const name = resolveExpr(index, bucket, bucketAttr.expr);
  if (name.known) return name.value === value.value ? "bound" : "other";
  // The name is partly unknown (e.g. "acme-${count.index}"): only a value it could produce may match.
  return typeof value.value === "string" && namePattern(index, bucket, bucketAttr.expr).test(value.value)
    ? "maybe"
    : "other";
}

/** The names a bucket `bucket` expression can produce: known parts literally, unknown parts as `.*`. */
function namePattern(index: TerraformIndex, bucket: Resource, expr: Expr): RegExp {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (expr.kind !== "template" || expr.heredoc) return /^[\s\S]*$/;
  let source = "";
  for (const part of expr.parts) {
    if (part.kind === "text") source += literal(part.value);
    else if (part.kind === "directive") source += "[\\s\\S]*";
    else {
      const v = resolveExpr(index, bucket, part.expr);
      source +=
        v.known && (typeof v.value === "string" || typeof v.value === "number")
          ? literal(String(v.value))
          : "[\\s\\S]*";
    }
  }
  return new RegExp(`^${source}$`);
}

export interface BucketLinks {
  /** Split resources of the type that configure this bucket. */
  bound: Resource[];
  /** Split resources of the type that might configure it (unresolvable `bucket`). */
  uncertain: Resource[];
}

/** The managed split resources of `type` that belong (or may belong) to `bucket`. */
export function linkedResources(index: TerraformIndex, bucket: Resource, type: string): BucketLinks {
  const out: BucketLinks = { bound: [], uncertain: [] };
  // Only the bucket's own module and the modules that call it can configure it (see bindingOf);
  // looking nowhere else keeps a scan linear in the size of the tree.
  const dirs = new Set([
    bucket.module,
    ...(index.modules.get(bucket.module)?.calledBy ?? []).map((c) => c.module),
  ]);
  const candidates = [...dirs].flatMap((d) => index.modules.get(d)?.resources ?? []);
  for (const r of candidates) {
    if (r.mode !== "managed" || r.type !== type) continue;
    const b = bindingOf(index, r, bucket);
    if (b === "bound") out.bound.push(r);
    else if (b === "maybe") out.uncertain.push(r);
  }
  return out;
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

type Version = [number, number, number];

function parseVersion(text: string): { v: Version; segments: number } | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (!m) return undefined;
  const segments = m[3] !== undefined ? 3 : m[2] !== undefined ? 2 : 1;
  return { v: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], segments };
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether some version >= 4.0.0 satisfies a Terraform version constraint string
 * (`~> 3.74`, `>= 3.0, < 4.0`, `= 3.76.1`…); undefined when the string cannot be read.
 */
export function constraintAllowsV4(constraint: string): boolean | undefined {
  let lo: { v: Version; incl: boolean } = { v: [4, 0, 0], incl: true };
  let hi: { v: Version; incl: boolean } | undefined;
  const raise = (v: Version, incl: boolean) => {
    const c = cmp(v, lo.v);
    if (c > 0 || (c === 0 && !incl)) lo = { v, incl };
  };
  const lower = (v: Version, incl: boolean) => {
    const c = hi ? cmp(v, hi.v) : -1;
    if (!hi || c < 0 || (c === 0 && !incl)) hi = { v, incl };
  };
  for (const part of constraint.split(",")) {
    const m = /^\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*$/.exec(part);
    if (!m) return undefined;
    const parsed = parseVersion(m[2]!);
    if (!parsed) return undefined;
    const { v, segments } = parsed;
    switch (m[1] ?? "=") {
      case "=":
        raise(v, true);
        lower(v, true);
        break;
      case "!=":
        break;
      case ">":
        raise(v, false);
        break;
      case ">=":
        raise(v, true);
        break;
      case "<":
        lower(v, false);
        break;
      case "<=":
        lower(v, true);
        break;
      case "~>":
        raise(v, true);
        lower(segments === 3 ? [v[0], v[1] + 1, 0] : [v[0] + 1, 0, 0], false);
        break;
    }
  }
  if (!hi) return true;
  const c = cmp(lo.v, hi.v);
  return c < 0 || (c === 0 && lo.incl && hi.incl);
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
