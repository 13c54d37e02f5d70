// The rule catalog: one table, keyed by id. Adding a rule = one file + one line here.

import { awsAlbDropInvalidHeaders } from "./aws-alb-drop-invalid-headers.ts";
import { awsCloudtrailLogValidation } from "./aws-cloudtrail-log-validation.ts";
import { awsDynamodbPitr } from "./aws-dynamodb-pitr.ts";
import { awsEbsEncryptionByDefault } from "./aws-ebs-encryption-by-default.ts";
import { awsEbsVolumeEncryption } from "./aws-ebs-volume-encryption.ts";
import { awsEc2Imdsv2 } from "./aws-ec2-imdsv2.ts";
import { awsIamWildcardPolicy } from "./aws-iam-wildcard-policy.ts";
import { awsKmsRotation } from "./aws-kms-rotation.ts";
import { awsRdsEncryption } from "./aws-rds-encryption.ts";
import { awsRdsPublic } from "./aws-rds-public.ts";
import { awsS3Encryption, awsS3EncryptionRule } from "./aws-s3-encryption.ts";
import { awsS3PublicAccessBlock } from "./aws-s3-public-access-block.ts";
import { awsS3PublicAcl } from "./aws-s3-public-acl.ts";
import { awsS3Versioning } from "./aws-s3-versioning.ts";
import { awsSgOpenAdminPorts } from "./aws-sg-open-admin-ports.ts";
import { azureNsgOpenAdminPorts } from "./azure-nsg-open-admin-ports.ts";
import { azureStorageHttpsOnly } from "./azure-storage-https-only.ts";
import { azureStorageMinTls } from "./azure-storage-min-tls.ts";
import { azureStoragePublicNestedItems } from "./azure-storage-public-nested-items.ts";
import { gcpFirewallOpenAdminPorts } from "./gcp-firewall-open-admin-ports.ts";
import { gcpStoragePublicAccessPrevention } from "./gcp-storage-public-access-prevention.ts";
import { gcpStorageUniformAccess } from "./gcp-storage-uniform-access.ts";
import { withModuleCalls } from "./modules/calls.ts";
import { ALIAS_TOOLS, type Rule } from "./types.ts";

// Each rule also judges the calls of the registry modules that create its resources (modules/registry.ts).
export const RULES: readonly Rule[] = [
  awsAlbDropInvalidHeaders,
  awsCloudtrailLogValidation,
  awsDynamodbPitr,
  awsEbsEncryptionByDefault,
  awsEbsVolumeEncryption,
  awsEc2Imdsv2,
  awsIamWildcardPolicy,
  awsKmsRotation,
  awsRdsEncryption,
  awsRdsPublic,
  awsS3Encryption,
  awsS3PublicAccessBlock,
  awsS3PublicAcl,
  awsS3Versioning,
  awsSgOpenAdminPorts,
  azureNsgOpenAdminPorts,
  azureStorageHttpsOnly,
  azureStorageMinTls,
  azureStoragePublicNestedItems,
  gcpFirewallOpenAdminPorts,
  gcpStoragePublicAccessPrevention,
  gcpStorageUniformAccess,
].map((rule) => withModuleCalls(rule));

/** Per-rule options a repository configuration may set (`rules.options` in .github/fixloop.yml). */
export interface RuleOptions {
  "aws-s3-encryption"?: { requireKms?: boolean };
}

/**
 * The catalog with a repository's rule options applied: same ids and order, the rules that take an
 * option replaced by an instance built with it. Without options (or with all defaults): RULES.
 */
export function configuredRules(options: RuleOptions | undefined): readonly Rule[] {
  const requireKms = options?.["aws-s3-encryption"]?.requireKms === true;
  if (!requireKms) return RULES;
  const s3 = withModuleCalls(awsS3EncryptionRule({ requireKms }), { requireKms });
  return RULES.map((r) => (r.id === s3.id ? s3 : r));
}

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** Newer Trivy reports `AWS-0086` where older ones said `AVD-AWS-0086`; both name one check. */
function normalizeAlias(id: string): string {
  return id.trim().toLowerCase().replace(/^avd-/, "");
}

/** Every id and alias, normalized, → its rule; built once (ingest resolves thousands of ids). */
const BY_ALIAS = (() => {
  const map = new Map<string, Rule>();
  for (const rule of RULES) {
    map.set(rule.id, rule);
    for (const tool of ALIAS_TOOLS)
      for (const alias of rule.aliases[tool]) map.set(normalizeAlias(alias), rule);
  }
  return map;
})();

/** Finds a rule by its catalog id or by any alias (CKV_AWS_7, AVD-AWS-0065, KMS.4 …), case-insensitively. */
export function resolveRuleId(id: string): Rule | undefined {
  return BY_ALIAS.get(normalizeAlias(id));
}
