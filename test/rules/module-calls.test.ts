// Calls of the registry modules in src/rules/modules/registry.ts: which version is judged how,
// which sources are recognized, what the finding says and what the fix at the call writes.

import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { moduleInputFix } from "../../src/rules/module-inputs.ts";
import { knownModuleOf, moduleCallDetections } from "../../src/rules/modules/calls.ts";
import { KNOWN_MODULES, modulesFor } from "../../src/rules/modules/registry.ts";
import { configuredRules, RULES } from "../../src/rules/registry.ts";
import { scanIndex } from "../../src/rules/scan.ts";

const scan = (text: string) =>
  scanIndex(buildIndex([{ path: "main.tf", text }]), RULES).map((d) => `${d.line} ${d.ruleId}: ${d.message}`);

describe("module calls: versions", () => {
  const call = (version: string | undefined) =>
    `module "b" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n${version ? `  version = "${version}"\n` : ""}}\n`;

  it("judges a missing input by the default of the range the version lies in", () => {
    expect(scan(call("~> 3.15"))).toEqual([
      "1 aws-s3-public-access-block: module.b (terraform-aws-modules/s3-bucket/aws ~> 3.15): block_public_acls = false (the module's default); block_public_policy = false (the module's default); ignore_public_acls = false (the module's default); restrict_public_buckets = false (the module's default)",
      "1 aws-s3-versioning: module.b (terraform-aws-modules/s3-bucket/aws ~> 3.15): versioning is not enabled (the module's default)",
    ]);
  });

  it("does not assume a default it has not read for the version (4.x public access block, no version)", () => {
    expect(scan(call("~> 4.0"))).toEqual([
      "1 aws-s3-versioning: module.b (terraform-aws-modules/s3-bucket/aws ~> 4.0): versioning is not enabled (the module's default)",
    ]);
    expect(scan(call(undefined))).toEqual([]);
    // A range spanning 3.x and 4.x has no single default for block_public_*.
    expect(scan(call(">= 3.0, < 5.0")).map((l) => l.split(":")[0])).toEqual(["1 aws-s3-versioning"]);
  });

  it("judges a written input without a version, and says the version is not pinned", () => {
    expect(
      scan('module "b" {\n  source = "terraform-aws-modules/rds/aws"\n  publicly_accessible = true\n}\n'),
    ).toEqual([
      "3 aws-rds-public: module.b (terraform-aws-modules/rds/aws, no version pinned): publicly_accessible = true",
    ]);
  });

  it("does not judge a version outside the checked range, nor an unknown value", () => {
    expect(
      scan(
        'module "b" {\n  source = "terraform-aws-modules/rds/aws"\n  version = "~> 7.0"\n  publicly_accessible = true\n}\n' +
          'variable "p" {}\nmodule "c" {\n  source = "terraform-aws-modules/rds/aws"\n  publicly_accessible = var.p\n}\n',
      ),
    ).toEqual([]);
  });
});

describe("module calls: sources", () => {
  it.each([
    ["terraform-aws-modules/alb/aws", "alb", undefined],
    ["registry.terraform.io/terraform-aws-modules/alb/aws", "alb", undefined],
    ["git::https://github.com/terraform-aws-modules/terraform-aws-alb.git?ref=v8.7.0", "alb", "= 8.7.0"],
    ["github.com/terraform-aws-modules/terraform-aws-vpc?ref=v5.1.2", "vpc", "= 5.1.2"],
    ["git@github.com:terraform-aws-modules/terraform-aws-rds.git?ref=v6.0.0", "rds", "= 6.0.0"],
    [
      "git::ssh://git@github.com/terraform-aws-modules/terraform-aws-rds-aurora.git?ref=main",
      "rds-aurora",
      undefined,
    ],
  ])("%s is %s", (source, name, version) => {
    const known = knownModuleOf({ source });
    expect(known?.module.name).toBe(name);
    expect(known?.version).toBe(version);
  });

  it.each([
    "terraform-aws-modules/s3-bucket/aws//modules/notification",
    "git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git//modules/object?ref=v4.0.0",
    "./modules/s3-bucket",
    "cloudposse/s3-bucket/aws",
  ])("%s is not a known module's root", (source) => {
    expect(knownModuleOf({ source })).toBeUndefined();
  });
});

describe("module calls: the fix at the call", () => {
  it("sets the inputs in the call and re-scans it clean", async () => {
    const text = `module "db" {
  source            = "terraform-aws-modules/rds/aws"
  version           = "~> 6.0"
  storage_encrypted = false
}
`;
    const sources = [{ path: "main.tf", text }];
    const index = buildIndex(sources);
    const run = await fixDetections(sources, scanIndex(index, RULES), RULES, index);
    expect(run.outcomes.map((o) => [o.status, o.reason])).toEqual([
      ["fixed", "set storage_encrypted = true on module.db (terraform-aws-modules/rds/aws)"],
    ]);
    expect(run.files.get("main.tf")?.after).toBe(
      text.replace("storage_encrypted = false", "storage_encrypted = true"),
    );
    expect(run.outcomes[0]!.impact.join(" ")).toContain("FORCES REPLACEMENT of the DB instance");
  });

  it("declines an input set from an expression, naming it", async () => {
    const text = `locals {\n  acl = "public-read"\n}\nmodule "b" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n  acl    = local.acl\n}\n`;
    const sources = [{ path: "main.tf", text }];
    const index = buildIndex(sources);
    const run = await fixDetections(sources, scanIndex(index, RULES), RULES, index);
    expect(run.outcomes.map((o) => [o.detection.ruleId, o.status, o.reason])).toEqual([
      [
        "aws-s3-public-acl",
        "skipped",
        "acl of module.b is set from an expression; change the value where it is defined",
      ],
    ]);
  });

  it("judges s3-bucket encryption only with requireKms, and then fixes it with SSE-KMS", async () => {
    const text = `module "b" {\n  source  = "terraform-aws-modules/s3-bucket/aws"\n  version = "~> 4.0"\n}\n`;
    const index = buildIndex([{ path: "main.tf", text }]);
    expect(moduleCallDetections(index, "aws-s3-encryption")).toEqual([]);
    const rules = configuredRules({ "aws-s3-encryption": { requireKms: true } });
    const found = scanIndex(index, rules).filter((d) => d.ruleId === "aws-s3-encryption");
    expect(found.map((d) => d.message)).toEqual([
      "module.b (terraform-aws-modules/s3-bucket/aws ~> 4.0): no SSE-KMS encryption configuration (the repository requires SSE-KMS) (the module's default)",
    ]);
    const run = await fixDetections([{ path: "main.tf", text }], found, rules, index);
    expect(run.files.get("main.tf")?.after).toContain(
      'server_side_encryption_configuration = { rule = { apply_server_side_encryption_by_default = { sse_algorithm = "aws:kms" } } }',
    );
  });
});

describe("moduleInputFix (fix --findings at a module call)", () => {
  it("writes SSE-S3 by default and SSE-KMS when the repository requires it", () => {
    const source = "terraform-aws-modules/s3-bucket/aws";
    expect(moduleInputFix(source, "aws-s3-encryption")?.server_side_encryption_configuration).toContain(
      '"AES256"',
    );
    expect(
      moduleInputFix(source, "aws-s3-encryption", { requireKms: true })?.server_side_encryption_configuration,
    ).toContain('"aws:kms"');
  });

  it("keeps the inputs it has always set", () => {
    expect(moduleInputFix("terraform-aws-modules/s3-bucket/aws", "aws-s3-public-access-block")).toEqual({
      block_public_acls: "true",
      block_public_policy: "true",
      ignore_public_acls: "true",
      restrict_public_buckets: "true",
    });
    expect(moduleInputFix("terraform-aws-modules/rds/aws//modules/db_instance", "aws-rds-public")).toEqual({
      publicly_accessible: "false",
    });
  });
});

describe("the registry table", () => {
  it("names only catalog rules, and every module has a check", () => {
    const ids = new Set(RULES.map((r) => r.id));
    for (const m of KNOWN_MODULES) {
      expect(m.checks.length, m.name).toBeGreaterThan(0);
      for (const c of m.checks) expect(ids.has(c.ruleId), `${m.name} ${c.ruleId}`).toBe(true);
    }
    expect(modulesFor("aws-s3-public-acl")).toEqual(["s3-bucket"]);
    expect(modulesFor("aws-sg-open-admin-ports")).toEqual(["security-group", "vpc"]);
  });
});
