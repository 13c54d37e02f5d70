import { type Attribute, attribute, type Block } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { isTrue, managedResources, nestedBlocks } from "./helpers.ts";
import {
  addInlineBlock,
  addSplitResource,
  inlineBlocks,
  isWrittenLiteral,
  linkedResources,
  managedBuckets,
  resolveFor,
  S3_VERSIONING,
  setAttributes,
  useInlineForm,
  writtenAs,
} from "./s3-shared.ts";
import type { Detection, FixPlan, Rule } from "./types.ts";

const ID = "aws-s3-versioning";

type State =
  | { kind: "enabled" | "unknown" }
  /** `attr` undefined: the attribute is unset (inline `enabled` defaults to false). */
  | { kind: "disabled"; block: Block; attr: Attribute | undefined; value: unknown }
  | { kind: "missing" };

/** Inline `versioning { enabled }` of a bucket (provider < 4 form). */
function inlineState(index: TerraformIndex, bucket: Resource): State {
  const { blocks, dynamic } = inlineBlocks(bucket, "versioning");
  if (dynamic) return { kind: "unknown" };
  const block = blocks[0];
  if (!block) return { kind: "missing" };
  const attr = attribute(block.body, "enabled");
  if (!attr) return { kind: "disabled", block, attr, value: undefined };
  const v = resolveFor(index, bucket, attr.expr);
  if (!v.known) return { kind: "unknown" };
  return isTrue(v.value) ? { kind: "enabled" } : { kind: "disabled", block, attr, value: v.value };
}

/** `versioning_configuration { status }` of an aws_s3_bucket_versioning. */
function splitState(index: TerraformIndex, r: Resource): State {
  const { blocks, dynamic } = nestedBlocks(r.block, "versioning_configuration");
  if (dynamic) return { kind: "unknown" };
  const block = blocks[0];
  const attr = block && attribute(block.body, "status");
  if (!block || !attr) return { kind: "unknown" }; // status is required: an invalid configuration
  const v = resolveFor(index, r, attr.expr);
  if (!v.known) return { kind: "unknown" };
  return v.value === "Enabled" ? { kind: "enabled" } : { kind: "disabled", block, attr, value: v.value };
}

export const awsS3Versioning: Rule = {
  id: ID,
  title: "S3 bucket versioning is not enabled",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_s3_bucket", S3_VERSIONING],
  fixProviderVersions: { versions: ">= 3.0" }, // inline below 4.0, split resources from 4.0
  aliases: {
    checkov: ["CKV_AWS_21"],
    trivy: ["AVD-AWS-0090"],
    tfsec: ["aws-s3-enable-versioning", "AWS077"],
    kics: ["568a4d22-3517-44a6-a7ad-6a7eed88722c"],
    securityhub: ["S3.14"],
    prowler: ["s3_bucket_object_versioning"],
  },
  rationale:
    "Without versioning an overwrite or delete (by mistake, a bug or ransomware) destroys the only copy of an " +
    "object; versioning keeps prior versions recoverable.",
  impact: [
    "Every overwrite and delete keeps the previous version, billed as storage until it is removed: add a " +
      "lifecycle rule (aws_s3_bucket_lifecycle_configuration with noncurrent_version_expiration) to cap the cost.",
    "Versioning cannot be turned off again once enabled, only suspended.",
    "Adds an aws_s3_bucket_versioning resource (AWS provider v4+), or sets the inline versioning block where the " +
      "bucket already has one or the module pins the provider below v4.",
  ],
  fixable: true,
  detect({ index }): Detection[] {
    const out: Detection[] = [];
    for (const bucket of managedBuckets(index)) {
      const inline = inlineState(index, bucket);
      if (inline.kind === "disabled") {
        out.push({
          ruleId: ID,
          resource: bucket,
          key: "",
          line: inline.attr?.line ?? bucket.line,
          message: inline.attr
            ? `${bucket.address} sets versioning.enabled = ${JSON.stringify(inline.value)}`
            : `${bucket.address} has a versioning block without enabled = true (default false)`,
        });
        continue;
      }
      if (inline.kind !== "missing") continue;
      const links = linkedResources(index, bucket, S3_VERSIONING);
      if (links.bound.length > 0 || links.uncertain.length > 0) continue; // reported on the resource itself
      out.push({
        ruleId: ID,
        resource: bucket,
        key: "",
        line: bucket.line,
        message: `${bucket.address} has no versioning configuration (versioning is off)`,
      });
    }
    for (const r of managedResources(index, [S3_VERSIONING])) {
      const state = splitState(index, r);
      if (state.kind !== "disabled") continue;
      out.push({
        ruleId: ID,
        resource: r,
        key: "",
        line: state.attr?.line ?? r.line,
        message: `${r.address} sets versioning_configuration.status = ${JSON.stringify(state.value)}`,
      });
    }
    return out;
  },
  fix(detection, { index }): FixPlan {
    const { resource } = detection;
    const state =
      resource.type === S3_VERSIONING ? splitState(index, resource) : inlineState(index, resource);
    if (state.kind === "disabled") {
      const value = resource.type === S3_VERSIONING ? '"Enabled"' : "true";
      const name = resource.type === S3_VERSIONING ? "status" : "enabled";
      const where = resource.type === S3_VERSIONING ? "versioning_configuration" : "versioning";
      if (state.attr && !isWrittenLiteral(state.attr.expr)) {
        return {
          kind: "unfixable",
          reason: `${where}.${name} is set from \`${writtenAs(index, resource, state.attr.expr)}\`; change the value where it is defined`,
        };
      }
      return setAttributes(resource, state.block, [[name, value]], `set ${where}.${name} = ${value}`);
    }
    if (state.kind !== "missing")
      return { kind: "unfixable", reason: "versioning is no longer reported as off" };
    if (useInlineForm(index, resource, false)) {
      return addInlineBlock(
        resource,
        "versioning {\n  enabled = true\n}",
        "add versioning { enabled = true }",
      );
    }
    return addSplitResource(
      index,
      resource,
      S3_VERSIONING,
      ["versioning_configuration {", '  status = "Enabled"', "}"],
      "enable versioning",
    );
  },
};
