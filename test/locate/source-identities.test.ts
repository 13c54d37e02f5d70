// A CSPM finding names a security group by its sg- id, which Terraform code never contains; what the
// code writes is the group's name, which Security Hub gives in Details.AwsEc2SecurityGroup.GroupName.
// Real documents: fixtures/findings/asff/cis-4.1-ssh-open.json (CIS 4.1 = EC2.13, SSH open, group
// "launch-wizard-1") and guardduty.json (an instance with a Name tag), both parsed by the ASFF parser.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings/model.ts";
import { asffParser } from "../../src/findings/parsers/asff.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { locate } from "../../src/locate/locate.ts";
import { resolveRuleId, ruleById } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const asff = (name: string): Finding[] =>
  asffParser.parse(
    JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/findings/asff", name), "utf8")),
    ctx,
  ).findings;

const [ssh] = asff("cis-4.1-ssh-open.json") as [Finding];
const sg = { resourceTypes: ruleById("aws-sg-open-admin-ports")!.resourceTypes };

const bastion = `resource "aws_security_group" "bastion" {
  name   = "launch-wizard-1"
  vpc_id = var.vpc_id

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`;

describe("locating by what the source says about the resource", () => {
  it("finds the security group a real EC2.13 (CIS 4.1) finding names only by GroupName", () => {
    const index = buildIndex([
      { path: "network/sg.tf", text: bastion },
      { path: "network/variables.tf", text: 'variable "vpc_id" {}\n' },
    ]);
    expect(locate(ssh, index, sg)).toEqual({
      kind: "located",
      candidate: expect.objectContaining({
        by: "identity",
        evidence:
          'aws_security_group.bastion.name resolves to "launch-wizard-1", the finding\'s Details.AwsEc2SecurityGroup.GroupName (network/sg.tf:1)',
        confidence: 0.85,
      }),
      alternatives: [],
    });
  });

  it("resolves the name through a variable default and a local", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `variable "role" {
  default = "wizard"
}

locals {
  sg_name = "launch-\${var.role}-1"
}

resource "aws_security_group" "bastion" {
  name = local.sg_name
}
`,
      },
    ]);
    const loc = locate(ssh, index, sg);
    expect(loc.kind === "located" && loc.candidate.resource?.address).toBe("aws_security_group.bastion");
  });

  it("never guesses between two groups of that name in two roots", () => {
    const index = buildIndex([
      { path: "envs/prod/sg.tf", text: bastion },
      { path: "envs/staging/sg.tf", text: bastion },
    ]);
    expect(locate(ssh, index, sg)).toMatchObject({
      kind: "ambiguous",
      reason:
        "2 blocks match equally well (aws_security_group.bastion in envs/prod/sg.tf, aws_security_group.bastion in envs/staging/sg.tf); fixloop does not guess",
    });
  });

  it("tells two groups of that name apart by the VPC the finding names", () => {
    const env = (vpc: string) => [
      { path: `envs/${vpc}/sg.tf`, text: bastion },
      { path: `envs/${vpc}/variables.tf`, text: 'variable "vpc_id" {}\n' },
    ];
    const index = buildIndex([
      ...env("prod"),
      { path: "envs/prod/terraform.tfvars", text: 'vpc_id = "vpc-a0c6707661638116b"\n' },
      ...env("staging"),
      { path: "envs/staging/terraform.tfvars", text: 'vpc_id = "vpc-0b5e3c1d2a4f6e7d8"\n' },
    ]);
    expect(locate(ssh, index, sg)).toEqual({
      kind: "located",
      candidate: expect.objectContaining({
        evidence:
          'aws_security_group.bastion.name resolves to "launch-wizard-1", the finding\'s Details.AwsEc2SecurityGroup.GroupName; its vpc_id resolves to "vpc-a0c6707661638116b", the finding\'s Details.AwsEc2SecurityGroup.VpcId (envs/prod/sg.tf:1)',
        confidence: 0.86,
      }),
      // The staging group is in another VPC: not the finding's group at all.
      alternatives: [],
    });
  });

  it("finds an instance by the Name tag the finding carries, never a group with the same tag", () => {
    const guardduty = asff("guardduty.json")[1]!;
    expect(guardduty.resource.tags?.Name).toBe("asdf-namenamename");
    const index = buildIndex([
      {
        path: "main.tf",
        text: `resource "aws_instance" "app" {
  ami  = "ami-asdfasdf"
  tags = { Name = "asdf-namenamename" }
}

resource "aws_security_group" "app" {
  name = "app"
  tags = { Name = "asdf-namenamename" }
}
`,
      },
    ]);
    // GuardDuty's finding type maps to no catalog rule: the resource type (AwsEc2Instance) narrows.
    expect(locate(guardduty, index)).toMatchObject({
      kind: "located",
      candidate: {
        evidence:
          'aws_instance.app.tags.Name resolves to "asdf-namenamename", the finding\'s tag Name (main.tf:1)',
      },
      alternatives: [],
    });
  });

  // Constructed findings (no public finding names a group created with name_prefix): the suffix is
  // the shape Terraform generates, e.g. "asg-staging02-20220510183629183700000003".
  const named = (groupName: string): Finding => ({
    ...ssh,
    resource: {
      ...ssh.resource,
      identifiers: [{ kind: "name", value: groupName, from: "Details.AwsEc2SecurityGroup.GroupName" }],
    },
  });

  it("matches a name Terraform generated from name_prefix", () => {
    const index = buildIndex([
      { path: "sg.tf", text: 'resource "aws_security_group" "web" {\n  name_prefix = "web-"\n}\n' },
    ]);
    expect(locate(named("web-20220510183629183700000003"), index, sg)).toMatchObject({
      kind: "located",
      candidate: {
        evidence:
          'aws_security_group.web.name_prefix resolves to "web-"; the finding\'s Details.AwsEc2SecurityGroup.GroupName "web-20220510183629183700000003" is that prefix plus the suffix Terraform generates (sg.tf:1)',
      },
    });
    // Not a generated suffix: no match.
    expect(locate(named("web-prod"), index, sg).kind).toBe("not-found");
  });

  it("matches terraform-aws-modules/security-group's prefixed name at the module call", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: 'module "ssh" {\n  source  = "terraform-aws-modules/security-group/aws"\n  version = "~> 5.0"\n  name    = "bastion"\n}\n',
      },
    ]);
    expect(locate(named("bastion-20220510183629183700000003"), index, sg)).toMatchObject({
      kind: "located",
      candidate: {
        by: "module-input",
        evidence:
          'module.ssh (terraform-aws-modules/security-group/aws) sets name = "bastion", which the module extends with a generated suffix (main.tf:1); the finding\'s Details.AwsEc2SecurityGroup.GroupName is "bastion-20220510183629183700000003"',
      },
    });
  });
});
