// Whether a recomputed fix is the one a reviewer closed without merge: the lines it adds and
// removes, per file — not the line numbers, the context or the indentation around them.

import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/hcl/unified-diff.ts";
import { changedLines, isRejectedFix } from "../../src/remediate/rejected-fix.ts";

const BUCKET = `resource "aws_s3_bucket" "backups" {
  bucket = "prod-backups"
}
`;
const BLOCK = (name: string) => `
resource "aws_s3_bucket_public_access_block" "${name}" {
  bucket                  = aws_s3_bucket.${name}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`;
const fix = (before: string, name = "backups", path = "storage/s3.tf") =>
  unifiedDiff(path, before, before + BLOCK(name));

describe("a fix a reviewer already turned down", () => {
  it("reads the added and removed lines of each file", () => {
    const diff = unifiedDiff("s3.tf", 'a = 1\nb = "x"\n', 'a = 1\nb = "y"\n');
    expect([...changedLines(diff)]).toEqual(['s3.tf\n-b = "x"', 's3.tf\n+b = "y"']);
  });

  it("is the same fix after an unrelated edit moved it, and after a re-indent", () => {
    const rejected = fix(BUCKET);
    const moved = fix(`# Production storage.\n\n${BUCKET}`);
    expect(moved).not.toBe(rejected);
    expect(isRejectedFix(rejected, moved)).toBe(true);
    expect(isRejectedFix(rejected, fix(BUCKET).replaceAll("  bucket", "    bucket"))).toBe(true);
  });

  it("is part of a group's closed fix when every line of it was in the group's diff", () => {
    const group = fix(BUCKET) + unifiedDiff("storage/logs.tf", "", BLOCK("logs"));
    expect(isRejectedFix(group, fix(BUCKET))).toBe(true);
  });

  it("is a new fix when the change itself differs: another resource, another file", () => {
    const rejected = fix(BUCKET);
    expect(
      isRejectedFix(rejected, fix(BUCKET.replace('"backups"', '"customer_backups"'), "customer_backups")),
    ).toBe(false);
    expect(isRejectedFix(rejected, fix(BUCKET, "backups", "storage/main.tf"))).toBe(false);
    expect(isRejectedFix("", rejected)).toBe(false);
  });
});
