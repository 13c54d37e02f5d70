// Which resources configure a bucket or a security group from outside its block: only certain
// links count, so that a fix never lands on a resource that may belong to another parent.

import { describe, expect, it } from "vitest";
import { buildIndex, type Resource, type TerraformIndex } from "../../src/hcl/index.ts";
import { linkedTo } from "../../src/rules/linked.ts";

const index = buildIndex([
  {
    path: "main.tf",
    text: `variable "other_bucket" {}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket_acl" "logs" {
  bucket = aws_s3_bucket.logs.id
  acl    = "public-read"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_logging" "logs" {
  bucket        = "acme-logs"
  target_bucket = "acme-audit"
  target_prefix = "s3/"
}

resource "aws_s3_bucket_versioning" "unknown" {
  bucket = var.other_bucket
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_security_group" "web" {
  name = "web"
}

resource "aws_security_group" "db" {
  name = "db"
}

resource "aws_security_group_rule" "web_in" {
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_vpc_security_group_egress_rule" "web_out" {
  security_group_id = aws_security_group.web.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_security_group_rule" "db_from_web" {
  type                     = "ingress"
  security_group_id        = aws_security_group.db.id
  source_security_group_id = aws_security_group.web.id
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
}
`,
  },
]);

const named = (i: TerraformIndex, address: string) =>
  i.resources.find((r) => r.address === address) as Resource;
const links = (address: string) =>
  linkedTo(index, named(index, address)).map((l) => `${l.resource.address}: ${l.how}`);

describe("linkedTo", () => {
  it("finds a bucket's split ACL, encryption and logging resources, by reference or by name", () => {
    expect(links("aws_s3_bucket.logs")).toEqual([
      "aws_s3_bucket_acl.logs: its bucket is aws_s3_bucket.logs",
      "aws_s3_bucket_server_side_encryption_configuration.logs: its bucket is aws_s3_bucket.logs",
      "aws_s3_bucket_logging.logs: its bucket is aws_s3_bucket.logs",
    ]);
  });

  it("finds a group's own rules, not the rules that merely name it as a source", () => {
    expect(links("aws_security_group.web")).toEqual([
      "aws_security_group_rule.web_in: its security_group_id is aws_security_group.web.id",
      "aws_vpc_security_group_egress_rule.web_out: its security_group_id is aws_security_group.web.id",
    ]);
    expect(links("aws_security_group.db")).toEqual([
      "aws_security_group_rule.db_from_web: its security_group_id is aws_security_group.db.id",
    ]);
  });

  it("links nothing to other resources", () => {
    expect(links("aws_s3_bucket_acl.logs")).toEqual([]);
  });
});
