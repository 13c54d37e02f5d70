import { attribute } from "../hcl/ast.ts";
import { contextAttributeRule } from "./attribute-shared.ts";
import { isTrue, resolveIn } from "./helpers.ts";

export const awsAlbDropInvalidHeaders = contextAttributeRule({
  id: "aws-alb-drop-invalid-headers",
  title: "Application load balancer forwards invalid HTTP headers",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_lb", "aws_alb"],
  fixProviderVersions: { versions: ">= 2.41" }, // drop_invalid_header_fields arrived in 2.41
  aliases: {
    checkov: ["CKV_AWS_131"],
    trivy: ["AVD-AWS-0052"],
    tfsec: ["aws-elb-drop-invalid-headers", "AWS083"],
    kics: ["6e3fd2ed-5c83-4c68-9679-7700d224d379"],
    securityhub: ["ELB.4"],
    prowler: ["elbv2_alb_drop_invalid_header_fields_enabled"],
  },
  rationale:
    "An ALB that forwards header fields with invalid names passes smuggling-style headers to the targets, which may parse them differently than the load balancer (HTTP desync / request smuggling).",
  impact: [
    "Requests keep flowing, but header fields whose names are not valid per RFC 7230 (e.g. containing underscores or spaces) are removed before reaching the targets; an application that relies on such a header stops receiving it.",
    "Applied in place, no replacement of the load balancer.",
  ],
  blockPath: [],
  names: ["drop_invalid_header_fields"],
  // Only application load balancers have the setting; network and gateway load balancers are out of scope.
  applies(index, resource) {
    const attr = attribute(resource.block.body, "load_balancer_type");
    if (!attr) return true; // load_balancer_type defaults to "application"
    const r = resolveIn(index, resource, attr)!;
    return r.known && r.value === "application";
  },
  compliant: isTrue,
  fixValue: "true",
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not drop invalid header fields (drop_invalid_header_fields is unset, default false)`
      : `${r.address} sets drop_invalid_header_fields = ${JSON.stringify(v)}`,
});
