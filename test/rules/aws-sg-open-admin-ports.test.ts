import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { awsSgOpenAdminPorts } from "../../src/rules/aws-sg-open-admin-ports.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsSgOpenAdminPorts);

const POSITIVE = join(import.meta.dirname, "../../fixtures/rules/aws-sg-open-admin-ports/positive");

async function fixPositives() {
  const sources = await readTerraformTree(POSITIVE);
  const detections = scanIndex(buildIndex(sources), [awsSgOpenAdminPorts]);
  return { detections, run: await fixDetections(sources, detections, [awsSgOpenAdminPorts]) };
}

describe("aws-sg-open-admin-ports details", () => {
  it("creates variables.tf in a module that declares no variables, with exactly this text", async () => {
    const { run } = await fixPositives();
    const created = run.files.get("vpc-rules/variables.tf");
    expect(created?.before).toBe("");
    expect(created?.after).toBe(
      [
        'variable "ssh_allowed_cidrs" {',
        '  description = "CIDR ranges allowed to reach SSH (22), e.g. a VPN or bastion range. Empty means no access."',
        "  type        = list(string)",
        "  default     = []",
        "}",
        "",
        'variable "ssh_allowed_ipv6_cidrs" {',
        '  description = "IPv6 CIDR ranges allowed to reach SSH (22), e.g. a VPN or bastion range. Empty means no access."',
        "  type        = list(string)",
        "  default     = []",
        "}",
        "",
        'variable "everything_admin_allowed_cidrs" {',
        '  description = "CIDR ranges allowed to reach all ports of aws_vpc_security_group_ingress_rule.everything (including SSH (22) and RDP (3389)), e.g. a VPN or bastion range. Empty means no access."',
        "  type        = list(string)",
        "  default     = []",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("declares a variable once per module and reuses it for the next fix", async () => {
    const { run } = await fixPositives();
    const vars = run.files.get("sg-module/variables.tf")?.after ?? "";
    expect(vars.match(/variable "ssh_allowed_cidrs"/g)).toHaveLength(1);
    const main = run.files.get("sg-module/main.tf")?.after ?? "";
    // ssh keeps 10.0.0.0/8 (no guard); ftp_to_ssh is guarded by count on the same variable.
    expect(main.match(/var\.ssh_allowed_cidrs/g)).toHaveLength(3);
    // inline-vars keeps its variables in main.tf: the new ones go after the last variable block there.
    expect(run.files.has("inline-vars/variables.tf")).toBe(false);
    expect(run.files.get("inline-vars/main.tf")?.after).toMatch(
      /variable "bastion_cidr"[\s\S]*variable "ssh_allowed_cidrs"[\s\S]*locals \{/,
    );
  });

  it("reports one finding per ingress block with a clear message", async () => {
    const { detections } = await fixPositives();
    const messages = detections.map((d) => `${d.resource.file}:${d.key}: ${d.message}`);
    expect(messages).toContain(
      "inline-vars/main.tf:ingress[0]: aws_security_group.bastion ingress[0] allows SSH (22) from 0.0.0.0/0",
    );
    expect(messages).toContain(
      "sg-module/main.tf:: aws_security_group_rule.ftp_to_ssh allows SSH (22) from 0.0.0.0/0 (the rule opens 20-30)",
    );
    expect(messages).toContain(
      "sg-module/main.tf:: aws_security_group_rule.all_all allows SSH (22) and RDP (3389) from ::/0 (the rule opens all ports)",
    );
  });

  it("declines what it cannot fix in place, with the reason", async () => {
    const { run } = await fixPositives();
    const skipped = Object.fromEntries(
      run.outcomes.filter((o) => o.status === "skipped").map((o) => [o.detection.resource.address, o.reason]),
    );
    expect(skipped).toEqual({
      "aws_security_group_rule.from_default":
        "cidr_blocks is set from `var.ingress_cidr_blocks`, so 0.0.0.0/0 is not written in aws_security_group_rule.from_default; change the value where it is defined",
      "aws_vpc_security_group_ingress_rule.rdp_per_az":
        "aws_vpc_security_group_ingress_rule.rdp_per_az already uses count/for_each; restrict its cidr_ipv4/cidr_ipv6 values by hand",
    });
  });

  it("warns that the for_each conversion changes the resource address", async () => {
    const { run } = await fixPositives();
    const ssh = run.outcomes.find(
      (o) => o.detection.resource.address === "aws_vpc_security_group_ingress_rule.ssh",
    );
    expect(ssh?.status).toBe("fixed");
    expect(ssh?.reason).toContain('The address changes to aws_vpc_security_group_ingress_rule.ssh["<cidr>"]');
    expect(ssh?.reason).toContain("closes SSH (22) from the internet; set var.ssh_allowed_cidrs");
  });

  it("still reports a for_each rule whose CIDR set includes the world", () => {
    const text = [
      'variable "cidrs" {',
      "  type    = list(string)",
      '  default = ["0.0.0.0/0"]',
      "}",
      "",
      'resource "aws_vpc_security_group_ingress_rule" "ssh" {',
      "  for_each          = toset(var.cidrs)",
      '  security_group_id = "sg-1"',
      "  cidr_ipv4         = each.value",
      "  from_port         = 22",
      '  ip_protocol       = "tcp"',
      "  to_port           = 22",
      "}",
      "",
    ].join("\n");
    const found = scanIndex(buildIndex([{ path: "main.tf", text }]), [awsSgOpenAdminPorts]);
    expect(found.map((d) => d.line)).toEqual([9]);
  });

  it("creates a rule whose only source is the variable only while the variable is set (count)", async () => {
    const text = [
      'resource "aws_security_group_rule" "ssh" {',
      '  type              = "ingress"',
      "  from_port         = 22",
      "  to_port           = 22",
      '  protocol          = "tcp"',
      '  cidr_blocks       = ["0.0.0.0/0"]',
      '  security_group_id = "sg-1"',
      "}",
      "",
    ].join("\n");
    const run = await fixText(text);
    expect(run.outcomes[0]?.reason).toBe(
      'replace "0.0.0.0/0" in cidr_blocks with var.ssh_allowed_cidrs; set count = length(var.ssh_allowed_cidrs) > 0 ? 1 : 0; ' +
        "declare var.ssh_allowed_cidrs (default []). closes SSH (22) from the internet; set var.ssh_allowed_cidrs to the CIDRs " +
        "that need access (e.g. a VPN/bastion range). While var.ssh_allowed_cidrs is empty the rule is not created: SSH (22) " +
        "from anywhere stops until someone sets the allowed CIDRs",
    );
    expect(run.files.get("main.tf")?.after).toBe(
      [
        'resource "aws_security_group_rule" "ssh" {',
        "  count = length(var.ssh_allowed_cidrs) > 0 ? 1 : 0",
        "",
        '  type              = "ingress"',
        "  from_port         = 22",
        "  to_port           = 22",
        '  protocol          = "tcp"',
        "  cidr_blocks       = var.ssh_allowed_cidrs",
        '  security_group_id = "sg-1"',
        "}",
        "",
      ].join("\n"),
    );
  });

  it("does not guard a rule that keeps another source", async () => {
    const text = [
      'resource "aws_security_group_rule" "ssh" {',
      '  type              = "ingress"',
      "  from_port         = 22",
      "  to_port           = 22",
      '  protocol          = "tcp"',
      '  cidr_blocks       = ["0.0.0.0/0"]',
      '  prefix_list_ids   = ["pl-123"]',
      '  security_group_id = "sg-1"',
      "}",
      "",
    ].join("\n");
    const after = (await fixText(text)).files.get("main.tf")?.after ?? "";
    expect(after).not.toContain("count");
    expect(after).toContain("  cidr_blocks       = var.ssh_allowed_cidrs\n");
  });

  it("refuses the count guard where the rule is referred to or already repeated, with the reason", async () => {
    const rule = (extra: string) =>
      [
        'resource "aws_security_group_rule" "ssh" {',
        extra,
        '  type              = "ingress"',
        "  from_port         = 22",
        "  to_port           = 22",
        '  protocol          = "tcp"',
        '  cidr_blocks       = ["0.0.0.0/0"]',
        '  security_group_id = "sg-1"',
        "}",
        "",
      ].join("\n");
    const referred = `${rule("")}\noutput "rule_id" {\n  value = aws_security_group_rule.ssh.id\n}\n`;
    const a = await fixText(referred);
    expect(a.outcomes.map((o) => [o.status, o.reason])).toEqual([
      [
        "skipped",
        "aws_security_group_rule.ssh is referred to at main.tf:12; creating it only when var.ssh_allowed_cidrs is set (count) would break those references",
      ],
    ]);
    const b = await fixText(rule('  for_each          = toset(["a"])'));
    expect(b.outcomes.map((o) => o.reason)).toEqual([
      "aws_security_group_rule.ssh already uses count/for_each, so it cannot also be created only when var.ssh_allowed_cidrs is set; restrict its sources by hand",
    ]);
  });

  it("turns an inline ingress block into a dynamic block and keeps the other blocks' keys", async () => {
    const text = [
      'resource "aws_security_group" "web" {',
      '  name = "web"',
      "",
      "  ingress {",
      '    description = "SSH" # ops',
      "    from_port   = 22",
      "    to_port     = 22",
      '    protocol    = "tcp"',
      '    cidr_blocks = ["0.0.0.0/0"]',
      "  }",
      "",
      "  ingress {",
      "    from_port   = 3389",
      "    to_port     = 3389",
      '    protocol    = "tcp"',
      '    cidr_blocks = ["0.0.0.0/0"]',
      "  }",
      "}",
      "",
    ].join("\n");
    const run = await fixText(text);
    expect(run.outcomes.map((o) => `${o.detection.key} ${o.status}`)).toEqual([
      "ingress[0] fixed",
      "ingress[1] fixed",
    ]);
    expect(run.files.get("main.tf")?.after).toBe(
      [
        'resource "aws_security_group" "web" {',
        '  name = "web"',
        "",
        '  dynamic "ingress" {',
        "    for_each = length(var.ssh_allowed_cidrs) > 0 ? [1] : []",
        "    content {",
        '      description = "SSH" # ops',
        "      from_port   = 22",
        "      to_port     = 22",
        '      protocol    = "tcp"',
        "      cidr_blocks = var.ssh_allowed_cidrs",
        "    }",
        "  }",
        "",
        '  dynamic "ingress" {',
        "    for_each = length(var.rdp_allowed_cidrs) > 0 ? [1] : []",
        "    content {",
        "      from_port   = 3389",
        "      to_port     = 3389",
        '      protocol    = "tcp"',
        "      cidr_blocks = var.rdp_allowed_cidrs",
        "    }",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("reports the ingress = [{ … }] attribute form per object, detect-only with the reason", async () => {
    const text = [
      'resource "aws_security_group" "attr" {',
      '  name = "attr"',
      "  ingress = [",
      "    {",
      "      from_port        = 443",
      "      to_port          = 443",
      '      protocol         = "tcp"',
      '      cidr_blocks      = ["0.0.0.0/0"]',
      "      ipv6_cidr_blocks = []",
      "      prefix_list_ids  = []",
      "      security_groups  = [aws_security_group.lb.id]",
      "      self             = false",
      '      description      = "https"',
      "    },",
      "    {",
      "      from_port        = 22",
      "      to_port          = 22",
      '      protocol         = "tcp"',
      '      cidr_blocks      = ["0.0.0.0/0"]',
      "      ipv6_cidr_blocks = []",
      "      prefix_list_ids  = []",
      "      security_groups  = [aws_security_group.lb.id]",
      "      self             = false",
      '      description      = "ssh"',
      "    },",
      "  ]",
      "}",
      "",
    ].join("\n");
    const run = await fixText(text);
    expect(run.outcomes.map((o) => [o.detection.line, o.detection.message, o.status, o.reason])).toEqual([
      [
        19,
        "aws_security_group.attr ingress[1] allows SSH (22) from 0.0.0.0/0",
        "skipped",
        "aws_security_group.attr sets its rules with the ingress = [{ … }] attribute form, where every object must spell out all of its fields; fixloop does not rewrite it: restrict the CIDRs of ingress[1] by hand",
      ],
    ]);
  });

  it("checks and fixes aws_default_security_group like aws_security_group", async () => {
    const text = [
      'resource "aws_default_security_group" "default" {',
      "  vpc_id = aws_vpc.main.id",
      "",
      "  ingress {",
      '    protocol    = "-1"',
      "    from_port   = 0",
      "    to_port     = 0",
      '    cidr_blocks = ["0.0.0.0/0"]',
      "  }",
      "}",
      "",
    ].join("\n");
    const run = await fixText(text);
    expect(run.outcomes.map((o) => [o.detection.message, o.status])).toEqual([
      [
        "aws_default_security_group.default ingress[0] allows SSH (22) and RDP (3389) from 0.0.0.0/0 (the rule opens all ports)",
        "fixed",
      ],
    ]);
    expect(run.files.get("main.tf")?.after).toContain(
      [
        '  dynamic "ingress" {',
        "    for_each = length(var.default_admin_allowed_cidrs) > 0 ? [1] : []",
        "    content {",
        '      protocol    = "-1"',
        "      from_port   = 0",
        "      to_port     = 0",
        "      cidr_blocks = var.default_admin_allowed_cidrs",
        "    }",
        "  }",
      ].join("\n"),
    );
  });

  it("refuses the for_each conversion of a rule other code refers to", async () => {
    const text = [
      'resource "aws_vpc_security_group_ingress_rule" "ssh" {',
      '  security_group_id = "sg-1"',
      '  cidr_ipv4         = "0.0.0.0/0"',
      "  from_port         = 22",
      '  ip_protocol       = "tcp"',
      "  to_port           = 22",
      "}",
      "",
      'output "ssh_rule" {',
      "  value = aws_vpc_security_group_ingress_rule.ssh.security_group_rule_id",
      "}",
      "",
    ].join("\n");
    const run = await fixText(text);
    expect(run.outcomes.map((o) => [o.status, o.reason])).toEqual([
      [
        "skipped",
        "aws_vpc_security_group_ingress_rule.ssh is referred to at main.tf:10; one rule per allowed CIDR (for_each) would break those references",
      ],
    ]);
  });
});

async function fixText(text: string) {
  const sources = [{ path: "main.tf", text }];
  const detections = scanIndex(buildIndex(sources), [awsSgOpenAdminPorts]);
  return fixDetections(sources, detections, [awsSgOpenAdminPorts]);
}
