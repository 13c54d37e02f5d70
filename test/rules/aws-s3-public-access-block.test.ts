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
  it("fixes a flag set from a variable at its default, or says where it is defined", () => {
    const text = `variable "open" {
  default = false
}

resource "aws_s3_bucket_public_access_block" "x" {
  bucket                  = "acme-x"
  block_public_acls       = var.open
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`;
    const once = scan(text);
    expect(once.detections.map((d) => d.line)).toEqual([7]);
    expect(awsS3PublicAccessBlock.fix!(once.detections[0]!, { index: once.index })).toMatchObject({
      kind: "edits",
      files: [{ file: "main.tf", ops: [{ kind: "set", name: "default", value: "true" }] }],
      summary:
        "set the default of var.open = true at main.tf:2: block_public_acls is set from `var.open`, which has no other use",
    });
    const twice = scan(`${text}
output "open" {
  value = var.open
}
`);
    expect(awsS3PublicAccessBlock.fix!(twice.detections[0]!, { index: twice.index })).toEqual({
      kind: "unfixable",
      reason:
        "block_public_acls is set from `var.open`, defined by its default at main.tf:2; change it there: var.open is used 2 times in its module, so changing it would change the other uses too",
    });
  });

  it("binds a block whose name is not known statically only to the bucket written the same way", () => {
    const { detections } = scan(`variable "name" {
  type = string
}

resource "aws_s3_bucket" "x" {
  bucket = "acme-x"
}

resource "aws_s3_bucket" "named" {
  bucket = var.name
}

resource "aws_s3_bucket_public_access_block" "y" {
  bucket                  = var.name
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    // var.name has no value fixloop can see: it hides the finding of aws_s3_bucket.named (same
    // expression), not of every bucket in the module.
    expect(detections.map((d) => d.message)).toEqual([
      "aws_s3_bucket.x has no aws_s3_bucket_public_access_block",
    ]);
  });

  it("follows locals to the bucket a block refers to", () => {
    const { index, detections } = scan(`locals {
  logs_id  = aws_s3_bucket.logs.id
  the_logs = local.logs_id
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = local.the_logs
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    expect(detections.map((d) => d.resource.address)).toEqual(["aws_s3_bucket.data"]);
    const pab = index.resources.find((r) => r.type === "aws_s3_bucket_public_access_block")!;
    const logs = index.resources.find((r) => r.address === "aws_s3_bucket.logs")!;
    expect(bindingOf(index, pab, logs)).toBe("bound");
  });

  it("binds a block named from a variable's default or a local to the bucket of that name", () => {
    const { detections } = scan(`variable "bucket_name" {
  default = "acme-logs"
}

locals {
  data_name = "acme-\${var.bucket_name}-data"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-acme-logs-data"
}

resource "aws_s3_bucket" "other" {
  bucket = "acme-other"
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = var.bucket_name
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = local.data_name
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    expect(detections.map((d) => d.resource.address)).toEqual(["aws_s3_bucket.other"]);
  });

  it("matches a literal name against a bucket name of a dozen unknown parts in linear time", () => {
    const vars = "abcdefghijkl".split("");
    const started = performance.now();
    const { detections } = scan(`${vars.map((v) => `variable "${v}" {}\n`).join("")}
resource "aws_s3_bucket" "x" {
  bucket = "${vars.map((v) => `\${var.${v}}`).join("-")}-end"
}

resource "aws_s3_bucket_public_access_block" "y" {
  bucket                  = "${"-".repeat(40)}"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    // A regular expression built from the template backtracked for minutes on this name.
    expect(performance.now() - started).toBeLessThan(500);
    expect(detections.map((d) => d.message)).toEqual([
      "aws_s3_bucket.x has no aws_s3_bucket_public_access_block",
    ]);
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

describe("S3 rules on a large module", () => {
  it("link split resources to buckets in time linear in the module (3,000 buckets)", async () => {
    const { manyBuckets } = await import("../../bench/s3.ts");
    const index = buildIndex(manyBuckets(3_000));
    const started = performance.now();
    expect(awsS3PublicAccessBlock.detect({ index })).toEqual([]);
    // Quadratic linking took ~30 s here; linear, ~0.2 s (generous bound for a loaded machine).
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("split resources repeated by for_each", () => {
  it("bind each instance's bucket name, and nothing else", () => {
    const { detections } = scan(`resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}

resource "aws_s3_bucket" "other" {
  bucket = "acme-other"
}

resource "aws_s3_bucket_public_access_block" "these" {
  for_each                = toset(["acme-logs", "acme-data"])
  bucket                  = each.key
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`);
    expect(detections.map((d) => d.resource.address)).toEqual(["aws_s3_bucket.other"]);
  });
});
