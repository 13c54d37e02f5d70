// The app's remediation plans with the same code as `fix --findings`: a Security Hub S3.8 finding on
// a bucket whose public access block has a flag off becomes a patch of that block, and the PR's fix
// line says which resource changed and why. Finding: fixtures/findings/asff/afsbp-s3.8.json (real).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asffParser } from "../../src/findings/parsers/asff.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { triageFinding } from "../../src/ingest/triage-finding.ts";
import { fixCommitMessage, planFix, prTitle } from "../../src/remediate/plan-fix.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../../src/triage/config.ts";

const doc = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/findings/asff/afsbp-s3.8.json"), "utf8"),
);
const [finding] = asffParser.parse(doc, { catalogIdFor: (id) => resolveRuleId(id)?.id ?? null }).findings;

const text = `resource "aws_s3_bucket" "example" {
  bucket = "example"
}

resource "aws_s3_bucket_public_access_block" "example" {
  bucket = aws_s3_bucket.example.id

  block_public_acls       = false
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`;

describe("planFix on a finding whose problem lives on a linked resource", () => {
  it("patches the public access block and says so in the PR and the commit", async () => {
    const sources = [{ path: "s3.tf", text }];
    const triaged = triageFinding(finding!, DEFAULT_TRIAGE_CONFIG, new Date("2026-12-01T00:00:00Z"));
    const plan = await planFix(sources, buildIndex(sources), triaged);
    expect(plan.kind).toBe("patch");
    if (plan.kind !== "patch") return;
    expect(plan.files).toEqual([
      {
        path: "s3.tf",
        content: text.replace("block_public_acls       = false", "block_public_acls       = true"),
      },
    ]);
    expect(plan.fixes).toEqual([
      {
        ruleId: "aws-s3-public-access-block",
        summary:
          "on aws_s3_bucket_public_access_block.example (its bucket is aws_s3_bucket.example): set block_public_acls = true",
      },
    ]);
    expect(plan.target).toMatchObject({ file: "s3.tf", line: 1, address: "aws_s3_bucket.example" });
    expect(prTitle(plan)).toBe(
      "fix(security): aws_s3_bucket.example — S3 bucket does not block public access",
    );
    expect(fixCommitMessage(plan, ["abc"]).split("\n").slice(0, 3)).toEqual([
      "fix(security): aws-s3-public-access-block on aws_s3_bucket.example",
      "",
      "- aws-s3-public-access-block: on aws_s3_bucket_public_access_block.example (its bucket is aws_s3_bucket.example): set block_public_acls = true",
    ]);
  });
});
