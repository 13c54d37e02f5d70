import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { awsS3Encryption } from "../../src/rules/aws-s3-encryption.ts";
import { configuredRules } from "../../src/rules/registry.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { ruleFixtureSuite } from "./harness.ts";

// The fixtures describe the rule with `requireKms: true`: SSE-S3, explicit or by default, is a finding.
// The catalog's instance: it also judges s3-bucket module calls with the option.
const requireKms = configuredRules({ "aws-s3-encryption": { requireKms: true } }).find(
  (r) => r.id === "aws-s3-encryption",
)!;
ruleFixtureSuite(requireKms);

describe("aws-s3-encryption without requireKms (the default)", () => {
  it("reports no bucket: S3 encrypts every new object with SSE-S3 since January 2023", async () => {
    for (const side of ["positive", "negative"]) {
      const sources = await readTerraformTree(
        join(import.meta.dirname, "../../fixtures/rules/aws-s3-encryption", side),
      );
      expect(scanIndex(buildIndex(sources), [awsS3Encryption])).toEqual([]);
    }
  });
});

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
    const [d] = requireKms.detect({ index });
    expect(d?.resource.module).toBe("modules/store");
    const plan = requireKms.fix!(d!, { index });
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
    expect(requireKms.detect({ index })).toEqual([]);
  });
});
