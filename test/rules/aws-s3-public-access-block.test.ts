import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { awsS3PublicAccessBlock } from "../../src/rules/aws-s3-public-access-block.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { bindingOf, constraintAllowsV4 } from "../../src/rules/s3-shared.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsS3PublicAccessBlock);

const scan = (text: string) => {
  const sources = [{ path: "main.tf", text }];
  const index = buildIndex(sources);
  return { sources, index, detections: awsS3PublicAccessBlock.detect({ index }) };
};

describe("aws-s3-public-access-block details", () => {
  it("declines a flag set from a variable, naming the expression", () => {
    const { index, detections } = scan(`variable "open" {
  default = false
}

resource "aws_s3_bucket_public_access_block" "x" {
  bucket                  = "acme-x"
  block_public_acls       = var.open
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    expect(detections.map((d) => d.line)).toEqual([7]);
    expect(awsS3PublicAccessBlock.fix!(detections[0]!, { index })).toEqual({
      kind: "unfixable",
      reason: "block_public_acls is set from `var.open`; change the value where it is defined",
    });
  });

  it("does not report a bucket whose block is attached by an unresolvable name", () => {
    const { detections } = scan(`variable "name" {
  type = string
}

resource "aws_s3_bucket" "x" {
  bucket = "acme-x"
}

resource "aws_s3_bucket_public_access_block" "y" {
  bucket                  = var.name
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    expect(detections).toEqual([]);
  });

  it("reports a bucket whose only block belongs to another bucket", () => {
    const { index, detections } = scan(`resource "aws_s3_bucket" "a" {
  bucket = "acme-a"
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-b"
}

resource "aws_s3_bucket_public_access_block" "a" {
  bucket                  = aws_s3_bucket.a.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    expect(detections.map((d) => d.resource.address)).toEqual(["aws_s3_bucket.b"]);
    const bucketB = index.resources.find((r) => r.address === "aws_s3_bucket.b")!;
    const pab = index.resources.find((r) => r.type === "aws_s3_bucket_public_access_block")!;
    expect(bindingOf(index, pab, bucketB)).toBe("other");
  });

  it("names the new block after the bucket, or a free variant when taken", async () => {
    const { sources, detections } = scan(`resource "aws_s3_bucket" "a" {
  bucket = "acme-a"
}

resource "aws_s3_bucket_public_access_block" "a" {
  bucket                  = "acme-other"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    const run = await fixDetections(sources, detections, [awsS3PublicAccessBlock]);
    expect(run.outcomes.map((o) => o.status)).toEqual(["fixed"]);
    expect(run.files.get("main.tf")?.after).toContain(`resource "aws_s3_bucket_public_access_block" "a_2" {
  bucket = aws_s3_bucket.a.id
`);
  });

  it("reads AWS provider constraints", () => {
    expect(constraintAllowsV4("~> 3.74")).toBe(false);
    expect(constraintAllowsV4("~> 3.74.0")).toBe(false);
    expect(constraintAllowsV4("~> 3")).toBe(false);
    expect(constraintAllowsV4(">= 3.50, < 4.0")).toBe(false);
    expect(constraintAllowsV4("= 3.76.1")).toBe(false);
    expect(constraintAllowsV4("3.76.1")).toBe(false);
    expect(constraintAllowsV4("<= 4.0")).toBe(true);
    expect(constraintAllowsV4(">= 3.0")).toBe(true);
    expect(constraintAllowsV4("~> 4.0")).toBe(true);
    expect(constraintAllowsV4(">= 4.9, < 6.0")).toBe(true);
    expect(constraintAllowsV4("not a version")).toBeUndefined();
  });
});
