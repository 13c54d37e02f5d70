// The S3 rules on hostile or very large modules (issue 11), in this process:
//  - one module with N buckets, each with its split public access block, versioning and encryption
//    resources (bound by reference, by literal name and through a local): the S3 rules' time vs
//    indexing the same module (the baseline, linear by construction);
//  - a bucket whose name is a template of 12 unknown interpolations next to a split resource whose
//    literal name almost matches it (the input that made a regular expression backtrack for minutes):
//    the scan's time vs the same module with a literal bucket name.
// Usage: node --import tsx bench/s3.ts [buckets]   → one JSON line.

import { buildIndex, type SourceFile } from "../src/hcl/index.ts";
import { awsS3Encryption } from "../src/rules/aws-s3-encryption.ts";
import { awsS3PublicAccessBlock } from "../src/rules/aws-s3-public-access-block.ts";
import { awsS3Versioning } from "../src/rules/aws-s3-versioning.ts";

const S3_RULES = [awsS3PublicAccessBlock, awsS3Versioning, awsS3Encryption];

/** N buckets; a third of the split resources bound by reference, a third by name, a third through a local. */
export function manyBuckets(n: number): SourceFile[] {
  const buckets: string[] = [];
  const splits: string[] = [];
  const locals: string[] = [];
  for (let i = 0; i < n; i++) {
    buckets.push(`resource "aws_s3_bucket" "b${i}" {\n  bucket = "acme-data-${i}"\n}\n`);
    const ref =
      i % 3 === 0 ? `aws_s3_bucket.b${i}.id` : i % 3 === 1 ? `"acme-data-${i}"` : `local.bucket_${i}`;
    if (i % 3 === 2) locals.push(`  bucket_${i} = aws_s3_bucket.b${i}.id`);
    splits.push(
      `resource "aws_s3_bucket_public_access_block" "b${i}" {\n  bucket                  = ${ref}\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n`,
      `resource "aws_s3_bucket_versioning" "b${i}" {\n  bucket = ${ref}\n  versioning_configuration {\n    status = "Enabled"\n  }\n}\n`,
      `resource "aws_s3_bucket_server_side_encryption_configuration" "b${i}" {\n  bucket = ${ref}\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = "aws:kms"\n    }\n  }\n}\n`,
    );
  }
  return [
    { path: "buckets.tf", text: buckets.join("\n") },
    { path: "splits.tf", text: splits.join("\n") },
    { path: "locals.tf", text: `locals {\n${locals.join("\n")}\n}\n` },
  ];
}

/** A bucket named by 12 unknown interpolations and a split resource whose literal name cannot match it. */
export function hostileTemplate(literalName = false): SourceFile[] {
  const vars = "abcdefghijkl".split("");
  const name = literalName ? '"acme"' : `"${vars.map((v) => `\${var.${v}}`).join("-")}-end"`;
  return [
    {
      path: "main.tf",
      text: `${vars.map((v) => `variable "${v}" {}\n`).join("")}
resource "aws_s3_bucket" "x" {
  bucket = ${name}
}

resource "aws_s3_bucket_public_access_block" "y" {
  bucket                  = "${"-".repeat(40)}"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`,
    },
  ];
}

function time<T>(f: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = f();
  return { ms: performance.now() - t0, value };
}

export function measureS3(n: number, skipHostile = false): Record<string, number> {
  const sources = manyBuckets(n);
  const index = time(() => buildIndex(sources));
  const scan = time(() => S3_RULES.flatMap((r) => r.detect({ index: index.value })).length);
  const out: Record<string, number> = {
    buckets: n,
    indexMs: index.ms,
    rulesMs: scan.ms,
    findings: scan.value,
  };
  if (!skipHostile) {
    const baseIndex = buildIndex(hostileTemplate(true));
    const base = time(() => S3_RULES.flatMap((r) => r.detect({ index: baseIndex })).length);
    const hostileIndex = buildIndex(hostileTemplate());
    const hostile = time(() => S3_RULES.flatMap((r) => r.detect({ index: hostileIndex })).length);
    Object.assign(out, { templateMs: hostile.ms, templateFindings: hostile.value, literalMs: base.ms });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 8000);
  const skipHostile = process.argv.includes("--no-hostile");
  process.stdout.write(`${JSON.stringify(measureS3(n, skipHostile))}\n`);
}
