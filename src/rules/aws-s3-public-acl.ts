import { type Attribute, attribute, type Block, blocksOf } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import {
  accountPublicAccessBlock,
  controlName,
  S3_ACCOUNT_REASON,
  withAccountControl,
} from "./account-controls.ts";
import { managedResources, nestedBlocks } from "./helpers.ts";
import { isWrittenLiteral, resolveFor, S3_ACL, S3_BUCKET, setAttributes, writtenAs } from "./s3-shared.ts";
import type { Detection, FixPlan, Rule } from "./types.ts";
import { fixAtDefinition } from "./value-origin.ts";

const ID = "aws-s3-public-acl";
const PUBLIC_CANNED = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GROUPS: Record<string, string> = {
  "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers (anyone on the internet)",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers (any AWS account)",
};

interface PublicGrant {
  key: string;
  uri: Attribute;
  group: string;
}

/** Grants to the AllUsers/AuthenticatedUsers groups: inline `grant` (aws_s3_bucket, provider < 4) or access_control_policy.grant.grantee. */
function publicGrants(index: TerraformIndex, resource: Resource): PublicGrant[] {
  const out: PublicGrant[] = [];
  const check = (key: string, holder: Block) => {
    const uri = attribute(holder.body, "uri");
    if (!uri) return;
    const v = resolveFor(index, resource, uri.expr);
    if (!v.known || typeof v.value !== "string") return;
    const group = PUBLIC_GROUPS[v.value.replace(/^https:/, "http:")];
    if (group) out.push({ key, uri, group });
  };
  if (resource.type === S3_BUCKET) {
    blocksOf(resource.block.body, "grant").forEach((g, i) => {
      check(`grant[${i}]`, g);
    });
  } else {
    blocksOf(resource.block.body, "access_control_policy").forEach((acp, i) => {
      const prefix = `access_control_policy${i > 0 ? `[${i}]` : ""}`;
      blocksOf(acp.body, "grant").forEach((g, j) => {
        for (const grantee of nestedBlocks(g, "grantee").blocks) check(`${prefix}.grant[${j}]`, grantee);
      });
    });
  }
  return out;
}

function cannedAcl(
  index: TerraformIndex,
  resource: Resource,
): { attr: Attribute; value: string } | undefined {
  const attr = attribute(resource.block.body, "acl");
  if (!attr) return undefined;
  const v = resolveFor(index, resource, attr.expr);
  if (!v.known || typeof v.value !== "string" || !PUBLIC_CANNED.has(v.value)) return undefined;
  return { attr, value: v.value };
}

const aclRule: Rule = {
  id: ID,
  title: "S3 bucket ACL grants public access",
  severity: "high",
  disruptive: true,
  provider: "aws",
  resourceTypes: [S3_BUCKET, S3_ACL],
  fixProviderVersions: { versions: ">= 3.0" }, // inline below 4.0, split resources from 4.0
  aliases: {
    checkov: ["CKV_AWS_20", "CKV_AWS_57"],
    trivy: ["AVD-AWS-0092"],
    tfsec: ["aws-s3-no-public-access-with-acl", "AWS001"],
    kics: ["38c5ee0d-7f22-4260-ab72-5073048df100", "57b9893d-33b1-4419-bcea-a717ea87e139"],
    securityhub: ["S3.2", "S3.3"],
    prowler: ["s3_bucket_public_access", "s3_bucket_public_write_acl", "s3_bucket_public_list_acl"],
  },
  rationale:
    "A public-read, public-read-write or authenticated-read ACL lets anyone on the internet (or any AWS account) " +
    "list or read the bucket, and public-read-write lets them write to it: the most common cause of S3 data leaks.",
  impact: [
    "Setting the ACL to private removes anonymous access: a static website, public download or dataset served " +
      "straight from the bucket stops working. Serve it through CloudFront with origin access control instead.",
    "Only the bucket ACL changes; objects uploaded with their own public-read ACL stay public until a public " +
      "access block with ignore_public_acls (rule aws-s3-public-access-block) is in place.",
    "An account-level public access block (all four flags) in the same configuration makes S3 ignore this ACL " +
      "today, and the finding says so; the fix is still proposed because the ACL would grant access again if " +
      "that setting is turned off or the code is reused elsewhere.",
  ],
  fixable: true,
  detect({ index }): Detection[] {
    const out: Detection[] = [];
    for (const resource of managedResources(index, [S3_BUCKET, S3_ACL])) {
      const acl = cannedAcl(index, resource);
      if (acl) {
        out.push({
          ruleId: ID,
          resource,
          key: "",
          line: acl.attr.line,
          message: `${resource.address} sets acl = "${acl.value}"`,
        });
      }
      for (const g of publicGrants(index, resource)) {
        out.push({
          ruleId: ID,
          resource,
          key: g.key,
          line: g.uri.line,
          message: `${resource.address} ${g.key} grants access to the ${g.group} group`,
        });
      }
    }
    return out;
  },
  fix(detection, { index }): FixPlan {
    const { resource } = detection;
    if (detection.key !== "") {
      const grant = publicGrants(index, resource).find((g) => g.key === detection.key);
      return {
        kind: "unfixable",
        reason:
          `${detection.key} grants access to the ${grant?.group ?? "a public"} group; remove that grant by hand ` +
          "(fixloop does not rewrite explicit grants: the remaining grants, owner and permissions need a human decision)",
      };
    }
    const acl = cannedAcl(index, resource);
    if (!acl) return { kind: "unfixable", reason: "the public acl is no longer present" };
    if (!isWrittenLiteral(acl.attr.expr)) {
      const atDefinition = fixAtDefinition(index, resource, "acl", acl.attr.expr, '"private"');
      if (atDefinition) return atDefinition;
      return {
        kind: "unfixable",
        reason: `acl is set from \`${writtenAs(index, resource, acl.attr.expr)}\`; change the value where it is defined`,
      };
    }
    return setAttributes(resource, resource.block, [["acl", '"private"']], 'set acl = "private"');
  },
};

export const awsS3PublicAcl: Rule = withAccountControl(
  aclRule,
  accountPublicAccessBlock,
  (c, d) =>
    `the account-level ${controlName(c, d.resource)} makes S3 ignore public ACLs and reject public grants in the whole account, so this grants no public access while it is in place`,
  S3_ACCOUNT_REASON,
);
