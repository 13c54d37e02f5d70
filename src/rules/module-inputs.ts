// Fixes at a module call site: for registry modules the catalog knows, the inputs that apply a
// rule's fix to the resource the module creates. Input names and types were read from the
// modules' own variables.tf (fixtures/corpus/terraform-aws-modules__*).

import { withoutSubdirectory } from "../hcl/module-source.ts";

/** module source (without version or `//subdir`) → catalog rule id → input name → HCL value. */
export const MODULE_INPUT_FIXES: Record<string, Record<string, Record<string, string>>> = {
  "terraform-aws-modules/s3-bucket/aws": {
    "aws-s3-public-access-block": {
      block_public_acls: "true",
      block_public_policy: "true",
      ignore_public_acls: "true",
      restrict_public_buckets: "true",
    },
    "aws-s3-versioning": { versioning: "{ enabled = true }" },
    "aws-s3-encryption": {
      server_side_encryption_configuration:
        '{ rule = { apply_server_side_encryption_by_default = { sse_algorithm = "AES256" } } }',
    },
  },
  "terraform-aws-modules/rds/aws": {
    "aws-rds-encryption": { storage_encrypted: "true" },
    "aws-rds-public": { publicly_accessible: "false" },
  },
};

export function moduleInputFix(
  source: string | undefined,
  ruleId: string | null,
): Record<string, string> | undefined {
  if (!source || !ruleId) return undefined;
  return MODULE_INPUT_FIXES[withoutSubdirectory(source)]?.[ruleId];
}
