import { type Attribute, attribute } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import {
  accountPublicAccessBlock,
  controlName,
  S3_ACCOUNT_REASON,
  withAccountControl,
} from "./account-controls.ts";
import { isTrue, managedResources } from "./helpers.ts";
import {
  addSplitResource,
  isWrittenLiteral,
  linkedResources,
  managedBuckets,
  resolveFor,
  S3_PUBLIC_ACCESS_BLOCK,
  setAttributes,
  writtenAs,
} from "./s3-shared.ts";
import type { Detection, FixPlan, Rule } from "./types.ts";
import { fixAtDefinition } from "./value-origin.ts";

const ID = "aws-s3-public-access-block";
const FLAGS = [
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
] as const;

interface FlagState {
  name: string;
  attr: Attribute | undefined;
  /** "off": false or unset (the provider default is false); "on": true; "unknown": not statically known. */
  state: "on" | "off" | "unknown";
}

function flagStates(index: TerraformIndex, pab: Resource): FlagState[] {
  return FLAGS.map((name) => {
    const attr = attribute(pab.block.body, name);
    if (!attr) return { name, attr, state: "off" };
    const v = resolveFor(index, pab, attr.expr);
    if (!v.known) return { name, attr, state: "unknown" };
    return { name, attr, state: isTrue(v.value) ? "on" : "off" };
  });
}

const bucketLevel: Rule = {
  id: ID,
  title: "S3 bucket does not block public access",
  severity: "high",
  disruptive: true,
  provider: "aws",
  resourceTypes: ["aws_s3_bucket", S3_PUBLIC_ACCESS_BLOCK],
  fixProviderVersions: { versions: ">= 3.0" },
  aliases: {
    checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"],
    trivy: ["AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0094"],
    tfsec: [
      "aws-s3-block-public-acls",
      "aws-s3-block-public-policy",
      "aws-s3-ignore-public-acls",
      "aws-s3-no-public-buckets",
      "aws-s3-specify-public-access-block",
      "AWS074",
      "AWS076",
      "AWS073",
      "AWS075",
      "AWS098",
    ],
    kics: [
      "d0cc8694-fcad-43ff-ac86-32331d7e867f",
      "1a4bc881-9f69-4d44-8c9a-d37d08f54c50",
      "4fa66806-0dd9-4f8d-9480-3174d39c7c91",
      "1ec253ab-c220-4d63-b2de-5b40e0af9293",
    ],
    securityhub: ["S3.8"],
    prowler: ["s3_bucket_level_public_access_block"],
  },
  rationale:
    "A bucket-level public access block is the guard rail that stops a later ACL or bucket policy from making " +
    "the bucket or its objects public; without all four settings one mistaken grant exposes the data.",
  impact: [
    "Blocking public access breaks anything that relies on public objects or a public bucket policy: static " +
      "websites served straight from S3, public datasets or downloads, anonymous ACL grants. Serve such content " +
      "through CloudFront with origin access control instead, or keep this bucket out of the fix.",
    "ignore_public_acls makes S3 ignore existing public ACLs at once; block_public_policy makes S3 reject any new " +
      "bucket policy that grants public access (a later apply of such a policy fails).",
    "An account-level aws_s3_account_public_access_block (all four flags) in the same configuration covers the " +
      "bucket and the finding says so; the bucket block is still proposed: Security Hub S3.8 checks each bucket, " +
      "and it outlives a change of the account setting.",
  ],
  fixable: true,
  detect({ index }): Detection[] {
    const out: Detection[] = [];
    for (const bucket of managedBuckets(index)) {
      const links = linkedResources(index, bucket, S3_PUBLIC_ACCESS_BLOCK);
      if (links.bound.length > 0 || links.uncertain.length > 0) continue;
      out.push({
        ruleId: ID,
        resource: bucket,
        key: "",
        line: bucket.line,
        message: `${bucket.address} has no aws_s3_bucket_public_access_block`,
      });
    }
    for (const pab of managedResources(index, [S3_PUBLIC_ACCESS_BLOCK])) {
      const off = flagStates(index, pab).filter((f) => f.state === "off");
      if (off.length === 0) continue;
      const firstSet = off.find((f) => f.attr);
      out.push({
        ruleId: ID,
        resource: pab,
        key: "",
        line: firstSet?.attr?.line ?? pab.line,
        message: `${pab.address} does not enable ${off
          .map((f) => (f.attr ? `${f.name} (false)` : `${f.name} (unset, default false)`))
          .join(", ")}`,
      });
    }
    return out;
  },
  fix(detection, { index }): FixPlan {
    const { resource } = detection;
    if (resource.type !== S3_PUBLIC_ACCESS_BLOCK) {
      return addSplitResource(
        index,
        resource,
        S3_PUBLIC_ACCESS_BLOCK,
        ["", ...FLAGS.map((f) => `${f.padEnd(23)} = true`)],
        "block all public access",
      );
    }
    const off = flagStates(index, resource).filter((f) => f.state === "off");
    const computed = off.find((f) => f.attr && !isWrittenLiteral(f.attr.expr));
    if (computed?.attr) {
      // At the variable's definition when that is the only flag to change, or to say where it is.
      const atDefinition = fixAtDefinition(index, resource, computed.name, computed.attr.expr, "true");
      if (atDefinition && (atDefinition.kind === "unfixable" || off.length === 1)) return atDefinition;
      return {
        kind: "unfixable",
        reason: `${computed.name} is set from \`${writtenAs(index, resource, computed.attr.expr)}\`; change the value where it is defined`,
      };
    }
    return setAttributes(
      resource,
      resource.block,
      off.map((f) => [f.name, "true"]),
      `set ${off.map((f) => f.name).join(", ")} = true`,
    );
  },
};

export const awsS3PublicAccessBlock: Rule = withAccountControl(
  bucketLevel,
  accountPublicAccessBlock,
  (c, d) =>
    `the account-level ${controlName(c, d.resource)} blocks public access for the whole account, which covers this bucket`,
  S3_ACCOUNT_REASON,
);
