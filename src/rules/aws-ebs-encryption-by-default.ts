import { attributeRule, isFalse } from "./helpers.ts";

export const awsEbsEncryptionByDefault = attributeRule({
  id: "aws-ebs-encryption-by-default",
  title: "EBS encryption by default is turned off",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_ebs_encryption_by_default"],
  fixProviderVersions: { versions: ">= 2.24" }, // the resource arrived in 2.24
  aliases: {
    checkov: ["CKV_AWS_106"],
    trivy: [],
    tfsec: [],
    kics: ["3d3f6270-546b-443c-adb4-bb6fb2187ca6"],
    securityhub: ["EC2.7"],
    prowler: ["ec2_ebs_default_encryption"],
  },
  rationale:
    "With EBS encryption by default off, every volume and snapshot copy created in the region without an explicit encryption setting is stored unencrypted.",
  impact: [
    "Applies only to volumes created after the change, in this account and region; existing unencrypted volumes and snapshots stay unencrypted.",
    "New volumes use the default EBS KMS key (aws/ebs unless aws_ebs_default_kms_key says otherwise); snapshots encrypted with aws/ebs cannot be shared with other accounts, and instance types without EBS encryption support cannot launch.",
  ],
  blockPath: [],
  names: ["enabled"],
  // The resource exists to turn the setting on: `enabled` defaults to true.
  compliant: (v) => !isFalse(v),
  fixValue: "true",
  message: (r, v) =>
    `${r.address} sets enabled = ${JSON.stringify(v)}: new EBS volumes are not encrypted by default`,
});
