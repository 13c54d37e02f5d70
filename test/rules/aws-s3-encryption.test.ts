import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { awsS3Encryption } from "../../src/rules/aws-s3-encryption.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsS3Encryption);

describe("aws-s3-encryption details", () => {
  it("uses the inline block in a module whose caller pins the AWS provider below v4", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 3.0"
    }
  }
}

module "store" {
  source = "./modules/store"
}
`,
      },
      {
        path: "modules/store/main.tf",
        text: `resource "aws_s3_bucket" "this" {\n  bucket = "acme-store"\n}\n`,
      },
    ]);
    const [d] = awsS3Encryption.detect({ index });
    expect(d?.resource.module).toBe("modules/store");
    const plan = awsS3Encryption.fix!(d!, { index });
    expect(plan.kind === "edits" && plan.files[0]!.ops[0]).toMatchObject({
      kind: "addBlock",
      parent: d!.resource.block,
    });
  });

  it("does not report a bucket with a dynamic encryption block", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `variable "sse" {
  type = list(string)
}

resource "aws_s3_bucket" "x" {
  bucket = "acme-x"

  dynamic "server_side_encryption_configuration" {
    for_each = var.sse
    content {
      rule {
        apply_server_side_encryption_by_default {
          sse_algorithm = server_side_encryption_configuration.value
        }
      }
    }
  }
}
`,
      },
    ]);
    expect(awsS3Encryption.detect({ index })).toEqual([]);
  });
});
