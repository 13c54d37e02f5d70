import {
  addInlineBlock,
  addSplitResource,
  inlineBlocks,
  linkedResources,
  managedBuckets,
  S3_ENCRYPTION,
  useInlineForm,
} from "./s3-shared.ts";
import type { Detection, FixPlan, Rule } from "./types.ts";

const ID = "aws-s3-encryption";
const INLINE = "server_side_encryption_configuration";
const RULE_TEXT = [
  "rule {",
  "  apply_server_side_encryption_by_default {",
  '    sse_algorithm = "AES256"',
  "  }",
  "}",
];

export const awsS3Encryption: Rule = {
  id: ID,
  title: "S3 bucket has no default server-side encryption configured",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_s3_bucket", S3_ENCRYPTION],
  fixProviderVersions: { versions: ">= 3.0" }, // inline below 4.0, split resources from 4.0
  aliases: {
    checkov: ["CKV_AWS_19"],
    trivy: ["AVD-AWS-0088"],
    tfsec: ["aws-s3-enable-bucket-encryption", "AWS017"],
    kics: ["6726dcc0-5ff5-459d-b473-a780bef7665c"],
    securityhub: ["S3.4"],
    prowler: ["s3_bucket_default_encryption"],
  },
  rationale:
    "The bucket declares no default server-side encryption. Since January 2023 AWS encrypts every new object " +
    "with SSE-S3 (AES256) anyway, so this mainly makes the setting explicit and reviewable; tfsec, KICS, prowler " +
    "and audits that read the configuration still flag it (recent checkov and trivy releases no longer do).",
  impact: [
    "Declares SSE-S3 (AES256), which is what S3 already applies to new objects since January 2023: no change to " +
      "existing objects, to access, or to cost. Use aws:kms with a customer managed key if you need key-level " +
      "access control or audit; that is a separate decision.",
    "Adds an aws_s3_bucket_server_side_encryption_configuration resource (AWS provider v4+), or an inline " +
      "server_side_encryption_configuration block where the module pins the provider below v4.",
  ],
  fixable: true,
  detect({ index }): Detection[] {
    const out: Detection[] = [];
    for (const bucket of managedBuckets(index)) {
      const inline = inlineBlocks(bucket, INLINE);
      if (inline.blocks.length > 0 || inline.dynamic) continue;
      const links = linkedResources(index, bucket, S3_ENCRYPTION);
      if (links.bound.length > 0 || links.uncertain.length > 0) continue;
      out.push({
        ruleId: ID,
        resource: bucket,
        key: "",
        line: bucket.line,
        message: `${bucket.address} has no default server-side encryption configuration`,
      });
    }
    return out;
  },
  fix(detection, { index }): FixPlan {
    const bucket = detection.resource;
    if (useInlineForm(index, bucket, false)) {
      return addInlineBlock(
        bucket,
        [`${INLINE} {`, ...RULE_TEXT.map((l) => `  ${l}`), "}"].join("\n"),
        `add ${INLINE} with sse_algorithm = "AES256"`,
      );
    }
    return addSplitResource(
      index,
      bucket,
      S3_ENCRYPTION,
      ["", ...RULE_TEXT],
      'add SSE-S3 default encryption (sse_algorithm = "AES256")',
    );
  },
};
