import {
  controlName,
  EBS_ACCOUNT_REASON,
  ebsEncryptionByDefault,
  withAccountControl,
} from "./account-controls.ts";
import { attributeRule, isTrue } from "./helpers.ts";
import type { Rule } from "./types.ts";

const volumeLevel = attributeRule({
  id: "aws-ebs-volume-encryption",
  title: "EBS volume is not encrypted",
  severity: "high",
  disruptive: true,
  provider: "aws",
  resourceTypes: ["aws_ebs_volume"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_3"],
    trivy: ["AVD-AWS-0026"],
    tfsec: ["aws-ec2-enable-volume-encryption", "aws-ebs-enable-volume-encryption"],
    kics: ["cc997676-481b-4e93-aa81-d19f8c5e9b12"],
    securityhub: ["EC2.3"],
    prowler: ["ec2_ebs_volume_encryption"],
  },
  rationale:
    "An unencrypted EBS volume stores its data, and every snapshot taken from it, in clear text; anyone who gets hold of a snapshot (e.g. one shared by mistake) can read it.",
  impact: [
    "FORCES REPLACEMENT: `encrypted` cannot change on an existing volume, so Terraform destroys it and creates a new, EMPTY encrypted volume. Snapshot the volume first and create the replacement from that snapshot (snapshot_id), or copy the data over, before applying.",
    "The volume is detached from its instance during the replacement; plan a maintenance window.",
    "Without kms_key_id the AWS managed key aws/ebs is used; snapshots encrypted with it cannot be shared with other accounts.",
    "With aws_ebs_encryption_by_default on in the same configuration, a volume created after it was enabled is " +
      "already encrypted: setting encrypted = true plans no replacement; an older volume is replaced.",
    "Where encryption by default covers the volume the setting is still proposed, so that the volume stays " +
      "encrypted wherever the code is applied, and because Security Hub EC2.3 checks each volume.",
  ],
  blockPath: [],
  names: ["encrypted"],
  compliant: isTrue,
  fixValue: "true",
  message: (r, v) =>
    v === undefined
      ? `${r.address} is not encrypted (encrypted is unset, default false unless EBS encryption by default is on for the account and region)`
      : `${r.address} sets encrypted = ${JSON.stringify(v)}`,
});

export const awsEbsVolumeEncryption: Rule = withAccountControl(
  volumeLevel,
  ebsEncryptionByDefault,
  (c, d) =>
    `${controlName(c, d.resource)} in this configuration encrypts new volumes in its account and region, which covers this volume if it was created there after it was enabled`,
  EBS_ACCOUNT_REASON,
);
