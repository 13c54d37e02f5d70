import { attributeRule } from "./helpers.ts";

export const awsKmsRotation = attributeRule({
  id: "aws-kms-rotation",
  title: "KMS key rotation is disabled",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_kms_key"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_7"],
    trivy: ["AVD-AWS-0065"],
    tfsec: ["aws-kms-auto-rotate-keys", "AWS019"],
    kics: ["22fbfeac-7b5a-421a-8a27-7a2178bb910b"],
    securityhub: ["KMS.4"],
    prowler: ["kms_cmk_rotation_enabled"],
  },
  rationale:
    "Without automatic rotation a customer managed key keeps the same key material forever, so a leaked key stays useful.",
  impact: [
    "AWS rotates the key material yearly; existing ciphertext stays decryptable, nothing is re-encrypted.",
  ],
  blockPath: [],
  names: ["enable_key_rotation"],
  compliant: (v) => v === true,
  fixValue: "true",
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not enable key rotation (enable_key_rotation is unset, default false)`
      : `${r.address} sets enable_key_rotation = ${JSON.stringify(v)}`,
});
