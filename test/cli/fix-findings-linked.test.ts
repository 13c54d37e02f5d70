// A cloud tool reports a problem on the parent resource — Security Hub S3.8 names the bucket, CIS 4.1
// (EC2.13) names the security group — while the code that has the problem is a resource of its own
// (aws_s3_bucket_public_access_block, aws_s3_bucket_versioning, aws_security_group_rule,
// aws_vpc_security_group_ingress_rule). `fix --findings` fixes it there, and says so.
// Findings: real Security Hub documents (fixtures/findings/asff/SOURCES.md). The Terraform is ours.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

const ROOT = join(import.meta.dirname, "../..");
const asff = (name: string) => join(ROOT, "fixtures/findings/asff", name);

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-linked-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const PUBLIC_ACCESS_BLOCK = `resource "aws_s3_bucket" "example" {
  bucket = "example"
}

resource "aws_s3_bucket_public_access_block" "example" {
  bucket = aws_s3_bucket.example.id

  block_public_acls       = false
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`;

describe("fix --findings fixes the problem where it is written", () => {
  it("sets the flag on the bucket's public access block for a Security Hub S3.8 finding", async () => {
    const dir = repo({ "s3.tf": PUBLIC_ACCESS_BLOCK });
    const r = await run(["fix", "--allow-disruptive", dir, "--findings", asff("afsbp-s3.8.json")]);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      'fixed   securityhub arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59 [medium 45] → aws_s3_bucket.example (aws_s3_bucket.example.bucket resolves to "example" (s3.tf:1))',
      "    aws-s3-public-access-block: on aws_s3_bucket_public_access_block.example (its bucket is aws_s3_bucket.example): set block_public_acls = true",
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "s3.tf"), "utf8")).toBe(
      PUBLIC_ACCESS_BLOCK.replace("block_public_acls       = false", "block_public_acls       = true"),
    );
  });

  it("enables versioning on the bucket's aws_s3_bucket_versioning for S3.14", async () => {
    const text = `resource "aws_s3_bucket" "data" {
  bucket = "my-test-bucket-no-versioning"
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id

  versioning_configuration {
    status = "Suspended"
  }
}
`;
    const dir = repo({ "s3.tf": text });
    // MEDIUM with no context scores below the default PR threshold: lower it for this run.
    const config = join(dir, "triage.json");
    writeFileSync(config, JSON.stringify({ gates: { prThreshold: 10 } }));
    const r = await run([
      "fix",
      "--allow-disruptive",
      dir,
      "--findings",
      asff("afsbp-s3.14.json"),
      "--triage-config",
      config,
    ]);
    expect(r.stdout.split("\n")[1]).toBe(
      '    aws-s3-versioning: on aws_s3_bucket_versioning.data (its bucket is aws_s3_bucket.data): set versioning_configuration.status = "Enabled"',
    );
    expect(readFileSync(join(dir, "s3.tf"), "utf8")).toBe(text.replace('"Suspended"', '"Enabled"'));
  });

  it("closes SSH on the group's separate aws_security_group_rule for a CIS 4.1 (EC2.13) finding", async () => {
    const text = `resource "aws_security_group" "bastion" {
  name   = "launch-wizard-1"
  vpc_id = "vpc-a0c6707661638116b"
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.bastion.id
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}
`;
    const dir = repo({ "sg.tf": text });
    const r = await run([
      "fix",
      "--allow-disruptive",
      dir,
      "--findings",
      asff("cis-4.1-ssh-open.json"),
      "--format",
      "json",
    ]);
    const [result] = JSON.parse(r.stdout).results;
    expect(result).toMatchObject({
      status: "fixed",
      resource: { address: "aws_security_group.bastion" },
      located: {
        kind: "located",
        candidates: [
          {
            by: "identity",
            evidence:
              'aws_security_group.bastion.name resolves to "launch-wizard-1", the finding\'s Details.AwsEc2SecurityGroup.GroupName; its vpc_id resolves to "vpc-a0c6707661638116b", the finding\'s Details.AwsEc2SecurityGroup.VpcId (sg.tf:1)',
          },
        ],
      },
    });
    expect(result.reason).toMatch(
      /^aws-sg-open-admin-ports: on aws_security_group_rule\.ssh \(its security_group_id is aws_security_group\.bastion\.id\): replace "0\.0\.0\.0\/0" in cidr_blocks with var\.ssh_allowed_cidrs/,
    );
    expect(readFileSync(join(dir, "sg.tf"), "utf8")).toContain(
      "  cidr_blocks       = var.ssh_allowed_cidrs\n",
    );
  });

  it("closes SSH on an aws_vpc_security_group_ingress_rule of the group", async () => {
    const text = `resource "aws_security_group" "bastion" {
  name = "launch-wizard-1"
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.bastion.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 22
  to_port           = 22
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.bastion.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}
`;
    const dir = repo({ "sg.tf": text });
    const r = await run([
      "fix",
      "--allow-disruptive",
      dir,
      "--findings",
      asff("cis-4.1-ssh-open.json"),
      "--format",
      "json",
    ]);
    const [result] = JSON.parse(r.stdout).results;
    expect(result.status).toBe("fixed");
    expect(result.reason).toMatch(
      /^aws-sg-open-admin-ports: on aws_vpc_security_group_ingress_rule\.ssh \(its security_group_id is aws_security_group\.bastion\.id\): /,
    );
    const after = readFileSync(join(dir, "sg.tf"), "utf8");
    // HTTPS stays open to the world: only the admin port's rule changes.
    expect(after.slice(after.indexOf('"https"'))).toBe(text.slice(text.indexOf('"https"')));
    expect(after.slice(0, after.indexOf('"https"'))).not.toContain('"0.0.0.0/0"');
  });

  it("says which resources it looked at when none has the problem", async () => {
    const dir = repo({
      "s3.tf": PUBLIC_ACCESS_BLOCK.replace(
        "block_public_acls       = false",
        "block_public_acls       = true",
      ),
    });
    const r = await run(["fix", "--allow-disruptive", dir, "--findings", asff("afsbp-s3.8.json")]);
    expect(r.stdout.split("\n")[1]).toBe(
      "    fixloop's rule aws-s3-public-access-block finds nothing to fix on aws_s3_bucket.example or the resources that configure it (aws_s3_bucket_public_access_block.example); the source may be stale or see something the code does not show",
    );
  });
});
