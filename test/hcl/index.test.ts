import { describe, expect, it } from "vitest";
import { describeResolved } from "../../src/hcl/evaluate.ts";
import { buildIndex, findResource, referrers, resolveAttribute, resolveTags } from "../../src/hcl/index.ts";

const tree = [
  {
    path: "main.tf",
    text: [
      'provider "aws" {',
      "  default_tags {",
      '    tags = { ManagedBy = "terraform", Env = var.env }',
      "  }",
      "}",
      "",
      "locals {",
      '  prefix = "${var.org}-${var.env}"',
      "}",
      "",
      'resource "aws_s3_bucket" "backups" {',
      '  bucket = "${local.prefix}-customer-data-backups"',
      '  tags   = { Team = "data" }',
      "}",
      "",
      'resource "aws_s3_bucket_public_access_block" "backups" {',
      "  bucket            = aws_s3_bucket.backups.id",
      "  block_public_acls = true",
      "}",
      "",
      'module "cdn" {',
      '  source = "./modules/cdn"',
      '  name   = "${var.env}-cdn"',
      "}",
      "",
      'module "vpc" {',
      '  source = "terraform-aws-modules/vpc/aws"',
      "}",
      "",
      'data "aws_caller_identity" "me" {}',
    ].join("\n"),
  },
  { path: "variables.tf", text: 'variable "org" {\n  default = "acme"\n}\n\nvariable "env" {}\n' },
  { path: "terraform.tfvars", text: 'env = "prod"\n' },
  {
    path: "modules/cdn/main.tf",
    text: 'variable "name" {}\n\n# ünïcode before the block moves byte offsets\nresource "aws_s3_bucket" "this" {\n  bucket = "${var.name}-assets"\n}\n',
  },
  { path: "broken/main.tf", text: 'resource "aws_s3_bucket" "x" {\n  bucket = \n}\n' },
  { path: "broken/ok.tf", text: 'resource "aws_s3_bucket" "fine" {}\n' },
];

describe("buildIndex", () => {
  const index = buildIndex(tree);

  it("indexes resources, data sources and module calls with addresses, files and lines", () => {
    expect(index.resources.map((r) => `${r.file}:${r.line} ${r.addresses.join(",")}`)).toEqual([
      "broken/ok.tf:1 aws_s3_bucket.fine",
      "main.tf:11 aws_s3_bucket.backups",
      "main.tf:16 aws_s3_bucket_public_access_block.backups",
      "main.tf:30 data.aws_caller_identity.me",
      "modules/cdn/main.tf:4 module.cdn.aws_s3_bucket.this",
    ]);
    expect(index.calls.map((c) => [c.address, c.sourceDir ?? c.source])).toEqual([
      ["module.cdn", "modules/cdn"],
      ["module.vpc", "terraform-aws-modules/vpc/aws"],
    ]);
  });

  it("reports a file with a syntax error and still indexes the rest of the tree", () => {
    expect(index.errors.map((e) => e.message)).toEqual([
      "broken/main.tf:2:12: expected an expression, found a newline",
    ]);
    expect(findResource(index, "aws_s3_bucket.fine")).toHaveLength(1);
  });

  it("gives byte ranges in UTF-8 bytes", () => {
    const [cdn] = findResource(index, "module.cdn.aws_s3_bucket.this");
    const text = tree[3]!.text;
    expect(cdn!.byteRange.start).toBe(Buffer.byteLength(text.slice(0, text.indexOf("resource"))));
    expect(cdn!.byteRange.start).toBeGreaterThan(cdn!.span.start);
  });

  it("records references between resources", () => {
    const [bucket] = findResource(index, "aws_s3_bucket.backups");
    expect(referrers(index, bucket!).map((r) => r.address)).toEqual([
      "aws_s3_bucket_public_access_block.backups",
    ]);
  });

  it("resolves names through locals, variable defaults and terraform.tfvars", () => {
    const [bucket] = findResource(index, "aws_s3_bucket.backups");
    expect(resolveAttribute(index, bucket!, "bucket")).toEqual({
      known: true,
      value: "acme-prod-customer-data-backups",
    });
  });

  it("merges provider default_tags under the resource's own tags", () => {
    const [bucket] = findResource(index, "aws_s3_bucket.backups");
    expect(resolveTags(index, bucket!)).toEqual({ ManagedBy: "terraform", Env: "prod", Team: "data" });
  });

  it("says why a value cannot be resolved instead of guessing", () => {
    const noTfvars = buildIndex(tree.filter((f) => f.path !== "terraform.tfvars"));
    const [bucket] = findResource(noTfvars, "aws_s3_bucket.backups");
    expect(describeResolved(resolveAttribute(noTfvars, bucket!, "bucket")!)).toBe(
      "unknown (var.env has no default and no value in terraform.tfvars or *.auto.tfvars)",
    );
    const [pab] = findResource(index, "aws_s3_bucket_public_access_block.backups");
    expect(describeResolved(resolveAttribute(index, pab!, "bucket")!)).toBe(
      "unknown (aws_s3_bucket.backups… is known only after apply)",
    );
  });
});

describe("buildIndex on large files", () => {
  it("indexes a file with a thousand resources, each at its own line", () => {
    const blocks = Array.from(
      { length: 1000 },
      (_, i) =>
        `resource "aws_s3_bucket" "b${i}" {\n  bucket = "acme-${i}"\n  tags   = { Index = "${i}" }\n}\n`,
    );
    const index = buildIndex([{ path: "big.tf", text: blocks.join("\n") }]);
    expect(index.errors).toEqual([]);
    expect(index.resources).toHaveLength(1000);
    expect(index.resources[999]).toMatchObject({ address: "aws_s3_bucket.b999", line: 999 * 5 + 1 });
    expect(resolveAttribute(index, index.resources[500]!, "bucket")).toEqual({
      known: true,
      value: "acme-500",
    });
  });
});
