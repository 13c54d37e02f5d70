// Where a problem reported on one resource is written in the code. A cloud tool reports a bucket's
// public access block, ACL, encryption, versioning or logging on the bucket (Security Hub S3.8
// names `arn:aws:s3:::bucket`), but since AWS provider v4 each of these is its own resource; it
// reports a security group's open rule on the group, while the rule may be an
// aws_security_group_rule or an aws_vpc_security_group_ingress_rule. A finding located on the
// parent is fixed on these.

import { attribute, traversals } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import {
  linkedResources,
  S3_ACL,
  S3_BUCKET,
  S3_ENCRYPTION,
  S3_PUBLIC_ACCESS_BLOCK,
  S3_VERSIONING,
} from "./s3-shared.ts";

export interface LinkedResource {
  resource: Resource;
  /** Why it belongs to the parent: "its bucket is aws_s3_bucket.logs". */
  how: string;
}

const S3_SPLIT_TYPES = [
  S3_PUBLIC_ACCESS_BLOCK,
  S3_ACL,
  S3_ENCRYPTION,
  S3_VERSIONING,
  "aws_s3_bucket_logging",
];

const SG_RULE_TYPES = [
  "aws_security_group_rule",
  "aws_vpc_security_group_ingress_rule",
  "aws_vpc_security_group_egress_rule",
];

/**
 * The resources that configure `parent` from outside its block. Only certain links count (a split
 * resource whose `bucket` could be this bucket or another one is not this bucket's): fixing a
 * resource that may belong to another bucket would be a guess.
 */
export function linkedTo(index: TerraformIndex, parent: Resource): LinkedResource[] {
  if (parent.mode !== "managed") return [];
  if (parent.type === S3_BUCKET) {
    return S3_SPLIT_TYPES.flatMap((type) =>
      linkedResources(index, parent, type).bound.map((resource) => ({
        resource,
        how: `its bucket is ${parent.address}`,
      })),
    );
  }
  if (parent.type === "aws_security_group") return securityGroupRules(index, parent);
  return [];
}

/** Rules in the group's module whose security_group_id is `aws_security_group.<name>.id`. */
function securityGroupRules(index: TerraformIndex, group: Resource): LinkedResource[] {
  const resources = index.modules.get(group.module)?.resources ?? [];
  return resources
    .filter((r) => r.mode === "managed" && SG_RULE_TYPES.includes(r.type))
    .filter((r) => {
      const attr = attribute(r.block.body, "security_group_id");
      if (!attr) return false;
      return traversals(attr.expr).some((t) => {
        const [name, ...rest] = t.steps;
        const tail = rest[0]?.kind === "index" ? rest.slice(1) : rest;
        return (
          t.root === "aws_security_group" &&
          name?.kind === "attr" &&
          name.name === group.name &&
          tail[0]?.kind === "attr" &&
          tail[0].name === "id"
        );
      });
    })
    .map((resource) => ({ resource, how: `its security_group_id is ${group.address}.id` }));
}
