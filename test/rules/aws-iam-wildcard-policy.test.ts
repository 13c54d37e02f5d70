import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { awsIamWildcardPolicy } from "../../src/rules/aws-iam-wildcard-policy.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsIamWildcardPolicy);

const scan = (text: string) => scanIndex(buildIndex([{ path: "main.tf", text }]), [awsIamWildcardPolicy]);

describe("aws-iam-wildcard-policy in JSON documents", () => {
  // `# expect:` markers cannot live inside JSON, so heredoc documents are checked here.
  const heredoc = `resource "aws_iam_user_policy" "userpolicy" {
  name = "excess_policy"
  user = aws_iam_user.user.name

  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Action": ["ec2:*", "s3:*"],
      "Effect": "Allow",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "*",
      "Resource": "\${aws_s3_bucket.data.arn}"
    },
    {
      "Effect": "Allow",
      "Action": ["*"],
      "Resource": ["*"]
    }
  ]
}
EOF
}
`;

  it("reports the Action line of the full-admin statement in a heredoc", () => {
    const found = scan(heredoc);
    expect(found.map((d) => [d.line, d.key])).toEqual([[21, "Statement[2]"]]);
    expect(found[0]!.message).toContain("full administrator access");
  });

  it("reads an indented heredoc (<<-EOT) with interpolated variables", () => {
    const text = `variable "everything" {
  type    = string
  default = "*"
}

resource "aws_iam_role_policy" "admin" {
  name = "admin"
  role = "admin"
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": {
        "Effect": "Allow",
        "Action": "\${var.everything}",
        "Resource": "*"
      }
    }
  EOT
}
`;
    expect(scan(text).map((d) => d.line)).toEqual([14]);
  });

  it("reports a policy held in a local, on the policy attribute", () => {
    const text = `locals {
  admin = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "admin" {
  name   = "admin"
  policy = local.admin
}
`;
    expect(scan(text).map((d) => [d.line, d.key])).toEqual([[7, "Statement[0]"]]);
  });

  it("declines to fix, saying why", async () => {
    const sources = [{ path: "main.tf", text: heredoc }];
    const run = await fixDetections(sources, scan(heredoc), [awsIamWildcardPolicy]);
    expect(run.files.size).toBe(0);
    expect(run.outcomes.map((o) => o.status)).toEqual(["skipped"]);
    expect(run.outcomes[0]!.reason).toMatch(/Access Analyzer/);
  });
});
