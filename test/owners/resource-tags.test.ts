import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIndex, findResource, type SourceFile, type TerraformIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { resourceOwnerTags } from "../../src/owners/resource-tags.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures");
const KEYS = ["team", "owner"];

let demo: SourceFile[];
let s3Module: SourceFile[];
beforeAll(async () => {
  demo = await readTerraformTree(join(FIXTURES, "repos/cspm-demo"));
  s3Module = await readTerraformTree(join(FIXTURES, "corpus/terraform-aws-modules__terraform-aws-s3-bucket"));
});

function only(index: TerraformIndex, address: string) {
  const found = findResource(index, address);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** A provider file added to one environment of the demo repository. */
const provider = (dir: string, tags: string): SourceFile => ({
  path: `${dir}/providers.tf`,
  text: `provider "aws" {\n  region = "us-east-1"\n\n  default_tags {\n    tags = ${tags}\n  }\n}\n`,
});

describe("resourceOwnerTags on the demo repository", () => {
  it("reads the resource's own literal tag, matching the key case-insensitively", () => {
    const index = buildIndex(demo);
    const bucket = findResource(index, "aws_s3_bucket.backups").find((r) => r.module === "envs/prod")!;
    expect(bucket.file).toBe("envs/prod/main.tf");
    expect(resourceOwnerTags(index, bucket, KEYS)).toEqual({
      tags: [
        { key: "Team", value: "data-platform", origin: "resource", file: "envs/prod/main.tf", line: 14 },
      ],
      ignored: [],
    });
  });

  it("finds nothing on an untagged resource without provider default_tags", () => {
    const index = buildIndex(demo);
    const staging = findResource(index, "aws_s3_bucket.backups").find((r) => r.module === "envs/staging")!;
    expect(resourceOwnerTags(index, staging, KEYS)).toEqual({ tags: [], ignored: [] });
  });

  it("falls back to the aws provider's default_tags, key by key, the resource's own tag winning", () => {
    const index = buildIndex([
      ...demo,
      provider("envs/prod", '{ Team = "platform", Owner = "storage-oncall", Environment = var.environment }'),
    ]);
    const bucket = findResource(index, "aws_s3_bucket.backups").find((r) => r.module === "envs/prod")!;
    expect(resourceOwnerTags(index, bucket, KEYS)).toEqual({
      tags: [
        { key: "Team", value: "data-platform", origin: "resource", file: "envs/prod/main.tf", line: 14 },
        {
          key: "Owner",
          value: "storage-oncall",
          origin: "default_tags",
          file: "envs/prod/providers.tf",
          line: 1,
        },
      ],
      ignored: [],
    });
    // The configured order decides which key comes first.
    expect(resourceOwnerTags(index, bucket, ["OWNER"]).tags.map((t) => t.value)).toEqual(["storage-oncall"]);
  });

  it("applies default_tags to aws resources only", () => {
    const index = buildIndex([
      { ...provider(".", '{ Team = "platform" }'), path: "providers.tf" },
      {
        path: "storage.tf",
        text: 'resource "azurerm_storage_account" "exports" {\n  name = "exports"\n}\n\nresource "aws_s3_bucket" "exports" {\n  bucket = "exports"\n}\n',
      },
    ]);
    expect(resourceOwnerTags(index, only(index, "azurerm_storage_account.exports"), KEYS)).toEqual({
      tags: [],
      ignored: [],
    });
    expect(resourceOwnerTags(index, only(index, "aws_s3_bucket.exports"), KEYS).tags).toEqual([
      { key: "Team", value: "platform", origin: "default_tags", file: "providers.tf", line: 1 },
    ]);
  });

  it("ignores a value that is not literal, with the reason, and does not fall back for that key", () => {
    const index = buildIndex([
      ...demo.filter((f) => f.path !== "envs/staging/main.tf"),
      provider("envs/staging", '{ Team = "platform" }'),
      {
        path: "envs/staging/main.tf",
        text: [
          'resource "aws_s3_bucket" "backups" {',
          '  bucket = "staging-customer-data-backups"',
          "  tags = {",
          "    Team  = data.external.owner.result.team",
          '    Owner = "storage-oncall"',
          "  }",
          "}",
          "",
        ].join("\n"),
      },
    ]);
    const staging = findResource(index, "aws_s3_bucket.backups").find((r) => r.module === "envs/staging")!;
    expect(resourceOwnerTags(index, staging, KEYS)).toEqual({
      tags: [
        { key: "Owner", value: "storage-oncall", origin: "resource", file: "envs/staging/main.tf", line: 1 },
      ],
      ignored: [
        {
          key: "Team",
          origin: "resource",
          file: "envs/staging/main.tf",
          line: 1,
          reason: "data.external is read from the cloud by a data source",
        },
      ],
    });
  });

  it("reads merge() argument by argument, and distrusts keys a later unknown argument may override", () => {
    const tagged = (tags: string) =>
      buildIndex([
        {
          path: "main.tf",
          text: `resource "aws_s3_bucket" "exports" {\n  bucket = "exports"\n  tags = ${tags}\n}\n`,
        },
        { path: "variables.tf", text: 'variable "common_tags" {\n  type = map(string)\n}\n' },
      ]);
    let index = tagged('merge(var.common_tags, { Team = "payments", Name = aws_s3_bucket.exports.id })');
    expect(resourceOwnerTags(index, only(index, "aws_s3_bucket.exports"), KEYS)).toEqual({
      tags: [{ key: "Team", value: "payments", origin: "resource", file: "main.tf", line: 1 }],
      ignored: [
        {
          key: null,
          origin: "resource",
          file: "main.tf",
          line: 1,
          reason:
            "tags cannot be read statically (var.common_tags has no default and no value in terraform.tfvars or *.auto.tfvars)",
        },
      ],
    });
    index = tagged('merge({ Team = "payments" }, var.common_tags)');
    expect(resourceOwnerTags(index, only(index, "aws_s3_bucket.exports"), ["team"]).ignored).toEqual([
      {
        key: "Team",
        origin: "resource",
        file: "main.tf",
        line: 1,
        reason:
          "may be overridden by a later merge() argument (tags cannot be read statically (var.common_tags has no default and no value in terraform.tfvars or *.auto.tfvars))",
      },
      {
        key: null,
        origin: "resource",
        file: "main.tf",
        line: 1,
        reason:
          "tags cannot be read statically (var.common_tags has no default and no value in terraform.tfvars or *.auto.tfvars)",
      },
    ]);
  });
});

describe("resourceOwnerTags through module calls (terraform-aws-modules/s3-bucket)", () => {
  const underModules = () =>
    s3Module
      .filter((f) => !f.path.startsWith("examples/"))
      .map((f) => ({ ...f, path: `modules/s3-bucket/${f.path}` }));
  const root = (text: string): SourceFile[] => [...underModules(), { path: "envs/prod/main.tf", text }];
  const ROOT_PROVIDERS = `provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = {
      Owner       = "platform"
      Environment = "prod"
    }
  }
}

provider "aws" {
  alias  = "us"
  region = "us-east-1"

  default_tags {
    tags = {
      Owner = "edge-team"
    }
  }
}
`;

  it("evaluates var.tags with the single caller's input and inherits the root provider's default_tags", () => {
    const index = buildIndex(
      root(`${ROOT_PROVIDERS}
module "exports" {
  source = "../../modules/s3-bucket"

  bucket = "prod-exports"
  tags = {
    Team = "payments"
  }
}
`),
    );
    const bucket = only(index, "module.exports.aws_s3_bucket.this");
    expect(resourceOwnerTags(index, bucket, KEYS)).toEqual({
      tags: [
        {
          key: "Team",
          value: "payments",
          origin: "resource",
          file: "modules/s3-bucket/main.tf",
          line: bucket.line,
        },
        { key: "Owner", value: "platform", origin: "default_tags", file: "envs/prod/main.tf", line: 1 },
      ],
      ignored: [],
    });
  });

  it("follows a providers map to the aliased provider configuration", () => {
    const index = buildIndex(
      root(`${ROOT_PROVIDERS}
module "cdn_logs" {
  source = "../../modules/s3-bucket"

  providers = {
    aws = aws.us
  }

  bucket = "prod-cdn-logs"
}
`),
    );
    const bucket = only(index, "module.cdn_logs.aws_s3_bucket.this");
    expect(resourceOwnerTags(index, bucket, KEYS).tags).toEqual([
      { key: "Owner", value: "edge-team", origin: "default_tags", file: "envs/prod/main.tf", line: 12 },
    ]);
  });

  it("does not pick one caller's value when the module's callers disagree (the module's own example)", () => {
    const index = buildIndex(s3Module);
    const bucket = index.resources.find((r) => r.address === "aws_s3_bucket.this" && r.module === ".")!;
    expect(bucket.addresses.length).toBeGreaterThan(1);
    const result = resourceOwnerTags(index, bucket, KEYS);
    expect(result.tags).toEqual([]);
    expect(result.ignored).toHaveLength(1);
    expect(result.ignored[0]).toMatchObject({
      key: null,
      origin: "resource",
      file: "main.tf",
      line: bucket.line,
    });
    expect(result.ignored[0]!.reason).toMatch(
      /^tags cannot be read statically \(var\.tags differs between the \d+ module calls \(module\.log_bucket in examples\/complete, /,
    );
  });
});
