// Since January 2023 S3 encrypts every new object with SSE-S3 (AES256) whether or not the bucket
// declares it (checkov passes such a bucket, trivy deprecated the check), so a bucket without an
// encryption configuration is not a finding. What remains is an organization's own requirement:
// with the repository option `rules.options.aws-s3-encryption.requireKms`, default encryption must
// be SSE-KMS, and SSE-S3 — explicit or implied by no configuration — is a finding.

import { type Attribute, attribute, type Block } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { managedResources, nestedBlocks } from "./helpers.ts";
import {
  addInlineBlock,
  addSplitResource,
  inlineBlocks,
  isWrittenLiteral,
  linkedResources,
  managedBuckets,
  resolveFor,
  S3_ENCRYPTION,
  setAttributes,
  useInlineForm,
  writtenAs,
} from "./s3-shared.ts";
import type { Detection, FixPlan, Rule } from "./types.ts";

const ID = "aws-s3-encryption";
const INLINE = "server_side_encryption_configuration";
const RULE_TEXT = [
  "rule {",
  "  apply_server_side_encryption_by_default {",
  '    sse_algorithm = "aws:kms"',
  "  }",
  "}",
];

export interface S3EncryptionOptions {
  /** The organization requires SSE-KMS: SSE-S3 (AES256), explicit or by default, is a finding. */
  requireKms: boolean;
}

/** The first `sse_algorithm` statically set to "AES256" under `holder`'s rule blocks. */
function sseS3Algorithm(index: TerraformIndex, resource: Resource, holder: Block): Attribute | undefined {
  for (const rule of nestedBlocks(holder, "rule").blocks) {
    for (const by of nestedBlocks(rule, "apply_server_side_encryption_by_default").blocks) {
      const attr = attribute(by.body, "sse_algorithm");
      if (!attr) continue;
      const v = resolveFor(index, resource, attr.expr);
      if (v.known && v.value === "AES256") return attr;
    }
  }
  return undefined;
}

function detectKms(index: TerraformIndex): Detection[] {
  const out: Detection[] = [];
  const weak = (resource: Resource, attr: Attribute, what: string) =>
    out.push({
      ruleId: ID,
      resource,
      key: "",
      line: attr.line,
      message: `${resource.address} ${what} SSE-S3 (sse_algorithm = "AES256"); this repository requires SSE-KMS (aws:kms)`,
    });
  for (const bucket of managedBuckets(index)) {
    const inline = inlineBlocks(bucket, INLINE);
    if (inline.dynamic) continue;
    if (inline.blocks.length > 0) {
      const attr = inline.blocks.map((b) => sseS3Algorithm(index, bucket, b)).find(Boolean);
      if (attr) weak(bucket, attr, "encrypts with");
      continue;
    }
    const links = linkedResources(index, bucket, S3_ENCRYPTION);
    if (links.bound.length > 0 || links.uncertain.length > 0) continue;
    out.push({
      ruleId: ID,
      resource: bucket,
      key: "",
      line: bucket.line,
      message: `${bucket.address} has no default encryption configuration, so S3 applies SSE-S3 (AES256); this repository requires SSE-KMS (aws:kms)`,
    });
  }
  for (const split of managedResources(index, [S3_ENCRYPTION])) {
    const attr = sseS3Algorithm(index, split, split.block);
    if (attr) weak(split, attr, "sets");
  }
  return out;
}

/** The sse_algorithm to rewrite in an existing configuration, or why it cannot be. */
function rewriteAlgorithm(index: TerraformIndex, resource: Resource): FixPlan {
  const holders = resource.type === S3_ENCRYPTION ? [resource.block] : inlineBlocks(resource, INLINE).blocks;
  for (const holder of holders) {
    const attr = sseS3Algorithm(index, resource, holder);
    if (!attr) continue;
    if (!isWrittenLiteral(attr.expr))
      return {
        kind: "unfixable",
        reason: `sse_algorithm is set from \`${writtenAs(index, resource, attr.expr)}\`; change the value where it is defined`,
      };
    const block = nestedBlocks(holder, "rule")
      .blocks.flatMap((r) => nestedBlocks(r, "apply_server_side_encryption_by_default").blocks)
      .find((b) => attribute(b.body, "sse_algorithm") === attr)!;
    return setAttributes(resource, block, [["sse_algorithm", '"aws:kms"']], 'set sse_algorithm = "aws:kms"');
  }
  return { kind: "unfixable", reason: "the SSE-S3 configuration is no longer present" };
}

export function awsS3EncryptionRule(options: S3EncryptionOptions): Rule {
  return {
    id: ID,
    title: "S3 bucket default encryption is not SSE-KMS (when the repository requires it)",
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
      "Since January 2023 S3 encrypts every new object with SSE-S3 (AES256) whether or not the bucket declares " +
      "it, so a bucket without an encryption configuration is not reported (recent checkov passes it, trivy " +
      "deprecated the check). With `rules.options.aws-s3-encryption.requireKms: true` in .github/fixloop.yml " +
      "(or `--require-kms`), SSE-S3 — explicit or by default — is reported: SSE-KMS adds key-level access " +
      "control and a CloudTrail record of every use of the key.",
    impact: [
      'Sets sse_algorithm = "aws:kms" without kms_master_key_id: S3 uses the AWS managed key aws/s3.',
      "Readers need kms:Decrypt on the key: granted within the account by default; cross-account readers and " +
        "CloudFront origin access control need a customer managed key whose policy allows them.",
      "Only new objects are encrypted with KMS; existing objects keep SSE-S3 until rewritten (S3 Batch " +
        "Operations copy). Every PUT/GET then calls KMS: add bucket_key_enabled = true to keep request costs down.",
      "Adds an aws_s3_bucket_server_side_encryption_configuration resource (AWS provider v4+), or an inline " +
        "server_side_encryption_configuration block where the module pins the provider below v4.",
    ],
    fixable: true,
    detect({ index }): Detection[] {
      return options.requireKms ? detectKms(index) : [];
    },
    fix(detection, { index }): FixPlan {
      const bucket = detection.resource;
      const declared = bucket.type === S3_ENCRYPTION || inlineBlocks(bucket, INLINE).blocks.length > 0;
      if (declared) return rewriteAlgorithm(index, bucket);
      if (useInlineForm(index, bucket, false)) {
        return addInlineBlock(
          bucket,
          [`${INLINE} {`, ...RULE_TEXT.map((l) => `  ${l}`), "}"].join("\n"),
          `add ${INLINE} with sse_algorithm = "aws:kms"`,
        );
      }
      return addSplitResource(
        index,
        bucket,
        S3_ENCRYPTION,
        ["", ...RULE_TEXT],
        'add SSE-KMS default encryption (sse_algorithm = "aws:kms")',
      );
    },
  };
}

/** The catalog's instance: SSE-KMS not required (the default), so nothing is reported. */
export const awsS3Encryption: Rule = awsS3EncryptionRule({ requireKms: false });
