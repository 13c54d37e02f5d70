import { attributeRule, isTrue } from "./helpers.ts";

export const awsRdsPublic = attributeRule({
  id: "aws-rds-public",
  title: "RDS DB instance is publicly accessible",
  severity: "high",
  disruptive: true,
  provider: "aws",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster_instance"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_17"],
    trivy: ["AVD-AWS-0180", "AVD-AWS-0082"],
    tfsec: ["aws-rds-no-public-db-access", "AWS011"],
    kics: ["35113e6f-2c6b-414d-beec-7a9482d3b2d1"],
    securityhub: ["RDS.2"],
    prowler: ["rds_instance_no_public_access"],
  },
  rationale:
    "A publicly accessible DB instance gets a DNS name that resolves to a public IP, so the database listener is one security-group rule away from the internet.",
  impact: [
    "Clients that reach the database over its public endpoint (from outside the VPC, without VPN/peering/Direct Connect) lose access; the endpoint name stays the same and now resolves to the private IP.",
    "AWS applies the change in place (ModifyDBInstance); there is a short connectivity blip while the endpoint switches.",
  ],
  blockPath: [],
  names: ["publicly_accessible"],
  compliant: (v) => !isTrue(v),
  fixValue: "false",
  message: (r, v) =>
    `${r.address} sets publicly_accessible = ${JSON.stringify(v)}: the DB endpoint resolves to a public IP`,
});
