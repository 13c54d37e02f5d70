import { attributeRule, isTrue } from "./helpers.ts";

export const gcpStorageUniformAccess = attributeRule({
  id: "gcp-storage-uniform-access",
  title: "Cloud Storage bucket does not use uniform bucket-level access",
  severity: "medium",
  disruptive: true,
  provider: "gcp",
  resourceTypes: ["google_storage_bucket"],
  fixProviderVersions: { versions: ">= 3.0" },
  aliases: {
    checkov: ["CKV_GCP_29"],
    trivy: ["AVD-GCP-0002"],
    tfsec: ["google-storage-enable-ubla"],
    kics: ["bb0db090-5509-4853-a827-75ced0b3caa0"],
    securityhub: [],
    prowler: ["cloudstorage_bucket_uniform_bucket_level_access"],
  },
  rationale:
    "Without uniform bucket-level access every object can carry its own ACL, so access cannot be audited or revoked from IAM alone and a single object ACL can make data public.",
  impact: [
    "Object and bucket ACLs stop granting access: principals that read objects only through ACLs (including public-read ACLs) lose access until they get an IAM role on the bucket.",
    "After 90 days with uniform access enabled it can no longer be turned off.",
  ],
  blockPath: [],
  // bucket_policy_only is the pre-4.0 google provider spelling.
  names: ["uniform_bucket_level_access", "bucket_policy_only"],
  compliant: isTrue,
  fixValue: "true",
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not enable uniform bucket-level access (unset, default false: object ACLs apply)`
      : `${r.address} sets uniform bucket-level access to ${JSON.stringify(v)}`,
});
