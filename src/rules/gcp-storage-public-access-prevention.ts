import { attributeRule } from "./helpers.ts";

export const gcpStoragePublicAccessPrevention = attributeRule({
  id: "gcp-storage-public-access-prevention",
  title: "Cloud Storage bucket does not enforce public access prevention",
  severity: "high",
  disruptive: true,
  provider: "gcp",
  resourceTypes: ["google_storage_bucket"],
  fixProviderVersions: { versions: ">= 4.0" },
  aliases: { checkov: ["CKV_GCP_114"], trivy: [], tfsec: [], kics: [], securityhub: [], prowler: [] },
  rationale:
    "Unless public access prevention is enforced, a single IAM binding or ACL for allUsers/allAuthenticatedUsers makes the bucket's data public.",
  impact: [
    "Existing allUsers / allAuthenticatedUsers grants stop working immediately: public websites, download links and unauthenticated clients served from this bucket break.",
    "Signed URLs and authenticated access keep working.",
  ],
  blockPath: [],
  names: ["public_access_prevention"],
  compliant: (v) => v === "enforced",
  fixValue: '"enforced"',
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not set public_access_prevention (unset means "inherited": only an organization policy could block public access)`
      : `${r.address} sets public_access_prevention = ${JSON.stringify(v)}`,
});
