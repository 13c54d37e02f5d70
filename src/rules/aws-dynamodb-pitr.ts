import { attributeRule, isTrue } from "./helpers.ts";

export const awsDynamodbPitr = attributeRule({
  id: "aws-dynamodb-pitr",
  title: "DynamoDB point-in-time recovery is disabled",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_dynamodb_table"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_28"],
    trivy: ["AVD-AWS-0024"],
    tfsec: ["aws-dynamodb-enable-recovery", "AWS086"],
    kics: ["741f1291-47ac-4a85-a07b-3d32a9d6bd3e"],
    securityhub: ["DynamoDB.2"],
    prowler: ["dynamodb_tables_pitr_enabled"],
  },
  rationale:
    "Without point-in-time recovery a bad write, a buggy migration or a deleted item can only be recovered from an on-demand backup, if one exists.",
  impact: [
    "Adds continuous-backup storage cost, billed per GB-month of table size (see DynamoDB pricing); no effect on table performance.",
    "Recovery is possible only from the moment PITR is enabled, and restores create a new table.",
  ],
  blockPath: ["point_in_time_recovery"],
  names: ["enabled"],
  compliant: isTrue,
  fixValue: "true",
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not enable point-in-time recovery (point_in_time_recovery.enabled is unset, default false)`
      : `${r.address} sets point_in_time_recovery.enabled = ${JSON.stringify(v)}`,
});
