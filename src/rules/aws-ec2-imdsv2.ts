import { blocksOf } from "../hcl/ast.ts";
import type { TerraformIndex } from "../hcl/index.ts";
import { contextAttributeRule, valueIn } from "./attribute-shared.ts";
import { managedResources } from "./helpers.ts";

/** Whether an `aws_ec2_instance_metadata_defaults` in the tree makes IMDSv2 the regional default. */
function regionalDefaultRequired(index: TerraformIndex): boolean {
  const defaults = managedResources(index, ["aws_ec2_instance_metadata_defaults"]);
  return (
    defaults.length > 0 && defaults.every((d) => valueIn(index, d, d.block, "http_tokens") === "required")
  );
}

export const awsEc2Imdsv2 = contextAttributeRule({
  id: "aws-ec2-imdsv2",
  title: "EC2 instance metadata service accepts IMDSv1",
  severity: "high",
  disruptive: true,
  provider: "aws",
  resourceTypes: ["aws_instance", "aws_launch_template", "aws_launch_configuration"],
  fixProviderVersions: {
    versions: ">= 2.58", // metadata_options on aws_instance arrived in 2.58
    byResourceType: { aws_launch_configuration: ">= 3.22" }, // and on aws_launch_configuration in 3.22
  },
  aliases: {
    checkov: ["CKV_AWS_79"],
    trivy: ["AVD-AWS-0028", "AVD-AWS-0130"],
    tfsec: ["aws-ec2-enforce-http-token-imds", "AWS079", "aws-autoscaling-enforce-http-token-imds"],
    kics: ["c306ac53-ee5b-41d3-86a9-0fd2722b4e67"],
    securityhub: ["EC2.8"],
    prowler: ["ec2_instance_imdsv2_enabled", "ec2_launch_template_imdsv2_required"],
  },
  rationale:
    "IMDSv1 answers plain GET requests, so an SSRF bug or a misconfigured proxy on the instance can read the instance role's credentials; IMDSv2 requires a session token obtained with a PUT.",
  impact: [
    "Software on the instance that still uses IMDSv1 breaks (no credentials, no instance metadata): check that AWS SDKs/CLI, agents (CloudWatch, SSM, CodeDeploy…) and custom scripts are IMDSv2-capable versions; the CloudWatch metric MetadataNoToken shows remaining IMDSv1 calls.",
    "Containers that reach IMDS through a bridge network (Docker, EKS pods without host networking) also need metadata_options.http_put_response_hop_limit = 2, which this fix does not change.",
    "aws_instance: applied in place without restart. aws_launch_template: creates a new template version; running instances keep the old settings until they are replaced (e.g. an Auto Scaling instance refresh).",
    "aws_launch_configuration: launch configurations cannot change, so Terraform replaces it (the Auto Scaling group using it needs create_before_destroy on the configuration, as for any change); running instances keep IMDSv1 until they are replaced.",
  ],
  blockPath: ["metadata_options"],
  names: ["http_tokens"],
  compliant: (v) => v === "required",
  judge(value, index, resource, at) {
    if (value === "required") return true;
    if (at.block) {
      // An instance whose metadata endpoint is off has no IMDS to abuse.
      const endpoint = valueIn(index, resource, at.block, "http_endpoint");
      if (endpoint === "unknown") return undefined;
      if (endpoint === "disabled") return true;
    }
    if (value !== undefined) return false;
    // An instance launched from a template takes its metadata options from the template (checked on its own).
    if (
      resource.type === "aws_instance" &&
      !at.block &&
      blocksOf(resource.block.body, "launch_template").length > 0
    ) {
      return undefined;
    }
    // Unset: the provider default is "optional" (IMDSv1 allowed) unless the regional default says otherwise.
    return regionalDefaultRequired(index);
  },
  fixValue: '"required"',
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not require IMDSv2 (metadata_options.http_tokens is unset: "optional" unless the AMI is registered with ImdsSupport v2.0)`
      : `${r.address} sets metadata_options.http_tokens = ${JSON.stringify(v)}: IMDSv1 is accepted`,
});
