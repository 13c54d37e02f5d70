import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { awsS3Versioning } from "../../src/rules/aws-s3-versioning.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsS3Versioning);

describe("aws-s3-versioning details", () => {
  it("adds enabled = true to an inline versioning block that lacks it", async () => {
    const sources = [
      {
        path: "main.tf",
        text: `resource "aws_s3_bucket" "x" {
  bucket = "acme-x"

  versioning {
    mfa_delete = false
  }
}
`,
      },
    ];
    const detections = awsS3Versioning.detect({ index: buildIndex(sources) });
    expect(detections.map((d) => d.line)).toEqual([1]);
    const run = await fixDetections(sources, detections, [awsS3Versioning]);
    expect(run.files.get("main.tf")?.after).toBe(`resource "aws_s3_bucket" "x" {
  bucket = "acme-x"

  versioning {
    mfa_delete = false
    enabled    = true
  }
}
`);
  });

  it("reports a suspended configuration once, on the versioning resource, not on the bucket", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `resource "aws_s3_bucket" "x" {
  bucket = "acme-x"
}

resource "aws_s3_bucket_versioning" "x" {
  bucket = aws_s3_bucket.x.id
  versioning_configuration {
    status = "Disabled"
  }
}
`,
      },
    ]);
    expect(awsS3Versioning.detect({ index }).map((d) => `${d.resource.address}:${d.line}`)).toEqual([
      "aws_s3_bucket_versioning.x:8",
    ]);
  });
});
