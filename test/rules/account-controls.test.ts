// Account-level controls in the same configuration change what the bucket- and volume-level rules
// say: still reported, with the control named, and the fix says why it is still wanted.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { awsEbsVolumeEncryption } from "../../src/rules/aws-ebs-volume-encryption.ts";
import { awsS3PublicAccessBlock } from "../../src/rules/aws-s3-public-access-block.ts";
import { awsS3PublicAcl } from "../../src/rules/aws-s3-public-acl.ts";
import type { Rule } from "../../src/rules/types.ts";

async function scanned(rule: Rule) {
  const sources = await readTerraformTree(
    join(import.meta.dirname, "../../fixtures/rules", rule.id, "positive"),
  );
  const index = buildIndex(sources);
  const detections = rule.detect({ index });
  const covered = detections.filter((d) => d.resource.file.startsWith("account-level/"));
  const others = detections.filter((d) => !d.resource.file.startsWith("account-level/"));
  return {
    covered: covered.map((d) => {
      const plan = rule.fix!(d, { index });
      return { message: d.message, summary: plan.kind === "edits" ? plan.summary : plan.reason };
    }),
    others: others.map((d) => d.message),
  };
}

const S3_WHY =
  "still wanted: Security Hub (S3.8) and the scanners check the bucket level, and the bucket stays protected if the account setting is turned off or this code is applied to another account";

describe("account-level controls", () => {
  it("aws-s3-public-access-block names the account-level block and says why the bucket block is still wanted", async () => {
    const r = await scanned(awsS3PublicAccessBlock);
    expect(r.covered).toEqual([
      {
        message:
          "aws_s3_bucket.reports has no aws_s3_bucket_public_access_block; the account-level aws_s3_account_public_access_block.account blocks public access for the whole account, which covers this bucket",
        summary: `block all public access (aws_s3_bucket_public_access_block.reports) — ${S3_WHY}`,
      },
    ]);
    // Other root modules do not apply that account block: no such context.
    expect(r.others.length).toBeGreaterThan(0);
    expect(r.others.filter((m) => m.includes("account-level"))).toEqual([]);
  });

  it("aws-s3-public-acl says the account block makes S3 ignore the ACL", async () => {
    const r = await scanned(awsS3PublicAcl);
    expect(r.covered).toEqual([
      {
        message:
          'aws_s3_bucket_acl.site sets acl = "public-read"; the account-level aws_s3_account_public_access_block.account makes S3 ignore public ACLs and reject public grants in the whole account, so this grants no public access while it is in place',
        summary: `set acl = "private" — ${S3_WHY}`,
      },
    ]);
    expect(r.others.filter((m) => m.includes("account-level"))).toEqual([]);
  });

  it("aws-ebs-volume-encryption names encryption by default and says why encrypted = true is still wanted", async () => {
    const r = await scanned(awsEbsVolumeEncryption);
    expect(r.covered).toEqual([
      {
        message:
          "aws_ebs_volume.cache is not encrypted (encrypted is unset, default false unless EBS encryption by default is on for the account and region); aws_ebs_encryption_by_default.this in this configuration encrypts new volumes in its account and region, which covers this volume if it was created there after it was enabled",
        summary:
          "set encrypted = true — still wanted: encryption by default applies only to volumes created in that account and region after it was enabled, Security Hub (EC2.3) checks each volume, and the volume stays encrypted if the code is applied to another account or region",
      },
    ]);
    expect(r.others.filter((m) => m.includes("encryption_by_default"))).toEqual([]);
  });

  it("an account block with a flag off covers nothing", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `resource "aws_s3_account_public_access_block" "account" {
  block_public_acls   = true
  block_public_policy = true
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-b"
}
`,
      },
    ]);
    expect(awsS3PublicAccessBlock.detect({ index }).map((d) => d.message)).toEqual([
      "aws_s3_bucket.b has no aws_s3_bucket_public_access_block",
    ]);
  });
});
