import { attributeRule, isTrue } from "./helpers.ts";

export const awsCloudtrailLogValidation = attributeRule({
  id: "aws-cloudtrail-log-validation",
  title: "CloudTrail log file integrity validation is disabled",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_cloudtrail"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_36"],
    trivy: ["AVD-AWS-0016"],
    tfsec: ["aws-cloudtrail-enable-log-validation", "AWS064"],
    kics: ["52ffcfa6-6c70-4ea6-8376-d828d3961669"],
    securityhub: ["CloudTrail.4"],
    prowler: ["cloudtrail_log_file_validation_enabled"],
  },
  rationale:
    "Without log file validation CloudTrail writes no signed digest files, so nobody can prove that delivered log files were not modified or deleted after the fact.",
  impact: [
    "CloudTrail starts writing an hourly digest file next to the logs (small extra S3 storage); validation covers only logs delivered after the change.",
    "Nothing reads the digests automatically: run `aws cloudtrail validate-logs` (or an equivalent job) to get the benefit.",
  ],
  blockPath: [],
  names: ["enable_log_file_validation"],
  compliant: isTrue,
  fixValue: "true",
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not enable log file validation (enable_log_file_validation is unset, default false)`
      : `${r.address} sets enable_log_file_validation = ${JSON.stringify(v)}`,
});
