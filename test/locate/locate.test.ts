import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings/model.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { locate } from "../../src/locate/locate.ts";

const repo = buildIndex([
  {
    path: "envs/prod/main.tf",
    text: `locals {
  prefix = "\${var.env}-customer-data"
}

resource "aws_s3_bucket" "backups" {
  bucket = "\${local.prefix}-backups"
  tags   = { yor_trace = "0d3f1c2e-backups" }
}

resource "aws_s3_bucket" "exports" {
  bucket = "\${var.env}-exports"
}

module "assets" {
  source = "../../modules/bucket"
  name   = "\${var.env}-assets"
}

module "logs" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 4.0"
  bucket  = "acme-\${var.env}-logs"
}
`,
  },
  { path: "envs/prod/variables.tf", text: 'variable "env" {}\n' },
  { path: "envs/prod/terraform.tfvars", text: 'env = "prod"\n' },
  {
    path: "envs/staging/main.tf",
    text: 'resource "aws_s3_bucket" "backups" {\n  bucket = "staging-customer-data-backups"\n}\n',
  },
  {
    path: "modules/bucket/main.tf",
    text: 'variable "name" {}\n\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n',
  },
  { path: "dup/a.tf", text: 'resource "aws_s3_bucket" "one" {\n  bucket = "twin"\n}\n' },
  { path: "dup/b.tf", text: 'resource "aws_s3_bucket" "two" {\n  bucket = "twin"\n}\n' },
]);

function finding(resource: Finding["resource"]): Finding {
  return {
    source: { tool: "generic", format: "generic", findingId: "f1" },
    rule: { nativeId: "S3.8", catalogId: "aws-s3-public-access-block" },
    title: "t",
    severity: { native: "HIGH", normalized: "high" },
    resource,
    status: "failed",
    context: { dataSensitivity: [] },
    raw: {},
  };
}

const s3 = { resourceTypes: ["aws_s3_bucket"] };

describe("locate", () => {
  it("finds a bucket whose name is built from a local, a variable and terraform.tfvars", () => {
    const loc = locate(finding({ arn: "arn:aws:s3:::prod-customer-data-backups", cloud: "aws" }), repo, s3);
    expect(loc.kind).toBe("located");
    if (loc.kind !== "located") return;
    expect(loc.candidate.resource?.address).toBe("aws_s3_bucket.backups");
    expect(loc.candidate.resource?.file).toBe("envs/prod/main.tf");
    expect(loc.candidate.evidence).toBe(
      'aws_s3_bucket.backups.bucket resolves to "prod-customer-data-backups" (envs/prod/main.tf:5)',
    );
    expect(loc.candidate.confidence).toBe(0.85);
  });

  it("resolves a module's variable through the local module call that sets it", () => {
    const loc = locate(finding({ arn: "arn:aws:s3:::prod-assets" }), repo, s3);
    expect(loc.kind === "located" && loc.candidate.evidence).toBe(
      'aws_s3_bucket.this.bucket resolves to "prod-assets" when called as module.assets from envs/prod/main.tf:14 (modules/bucket/main.tf:3)',
    );
  });

  it("locates a resource created by a known registry module at the call site", () => {
    const loc = locate(finding({ arn: "arn:aws:s3:::acme-prod-logs" }), repo, s3);
    expect(loc.kind === "located" && loc.candidate).toMatchObject({
      by: "module-input",
      moduleCall: { address: "module.logs" },
      evidence:
        'module.logs (terraform-aws-modules/s3-bucket/aws) sets bucket = "acme-prod-logs" (envs/prod/main.tf:19)',
    });
  });

  it("prefers yor trace tags and explicit mappings over name matching", () => {
    const tagged = locate(finding({ name: "whatever", tags: { yor_trace: "0d3f1c2e-backups" } }), repo, s3);
    expect(tagged.kind === "located" && tagged.candidate.by).toBe("tags");
    const mapped = locate(finding({ id: "bucket-id-1" }), repo, {
      ...s3,
      mappings: [{ resource: "bucket-id-1", address: "aws_s3_bucket.backups", file: "envs/staging/main.tf" }],
    });
    expect(mapped.kind === "located" && mapped.candidate.resource?.file).toBe("envs/staging/main.tf");
  });

  it("uses file and line from a scanner, whatever root the scanner saw", () => {
    for (const file of [
      "envs/prod/main.tf",
      "/home/runner/work/infra/envs/prod/main.tf",
      "C:\\src\\infra\\envs\\prod\\main.tf",
    ]) {
      const loc = locate(finding({ file, line: 11 }), repo);
      expect(loc.kind === "located" && loc.candidate.resource?.address, file).toBe("aws_s3_bucket.exports");
    }
  });

  it("uses a Terraform address, narrowed by file when the address is in several roots", () => {
    const loc = locate(
      finding({ terraformAddress: "aws_s3_bucket.backups", file: "envs/staging/main.tf", line: 1 }),
      repo,
    );
    expect(loc.kind === "located" && loc.candidate.resource?.file).toBe("envs/staging/main.tf");
  });

  it("never guesses between two equally good blocks", () => {
    const loc = locate(finding({ arn: "arn:aws:s3:::twin" }), repo, s3);
    expect(loc).toMatchObject({
      kind: "ambiguous",
      reason:
        "2 blocks match equally well (aws_s3_bucket.one in dup/a.tf, aws_s3_bucket.two in dup/b.tf); fixloop does not guess",
    });
  });

  it("says what it looked for when nothing matches", () => {
    expect(locate(finding({ arn: "arn:aws:s3:::nobody-has-this" }), repo, s3)).toEqual({
      kind: "not-found",
      reason: "no Terraform block in this checkout defines arn:aws:s3:::nobody-has-this",
    });
  });
});
