// Terraform's JSON syntax (`.tf.json`): scanned, located and reported like native HCL; never edited.

import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { HclSyntaxError } from "../../src/hcl/errors.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { parseTerraformJson } from "../../src/hcl/json-syntax.ts";
import { loadTerraformTree } from "../../src/hcl/load.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { RULES } from "../../src/rules/registry.ts";
import { scanIndex } from "../../src/rules/scan.ts";

// Real `cdktf synth` output from the Wing compiler's snapshot tests (see fixtures/tf-json/SOURCES.md).
const WING_DIR = join(import.meta.dirname, "../../fixtures/tf-json/winglang__wing/website");
const WING = readFileSync(join(WING_DIR, "main.tf.json"), "utf8");

// The resources the findings are about (the bucket, its access block, its encryption), written in native syntax (hand translation of the
// JSON above: same values, same references).
const EQUIVALENT_TF = `resource "aws_s3_bucket" "root_cloudWebsite_WebsiteBucket_E28E35CE" {
  bucket_prefix = "cloud-website-c8e58765-"
  force_destroy = false
}

resource "aws_s3_bucket_public_access_block" "root_cloudWebsite_PublicAccessBlock_89CD01D0" {
  block_public_acls       = false
  block_public_policy     = false
  bucket                  = aws_s3_bucket.root_cloudWebsite_WebsiteBucket_E28E35CE.bucket
  ignore_public_acls      = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_server_side_encryption_configuration" "root_cloudWebsite_Encryption_8B168696" {
  bucket = aws_s3_bucket.root_cloudWebsite_WebsiteBucket_E28E35CE.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}
`;

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

describe(".tf.json files", () => {
  it("indexes every resource of real cdktf output with its address and the line of its name key", () => {
    const index = buildIndex([{ path: "main.tf.json", text: WING }]);
    expect(index.errors).toEqual([]);
    expect(index.resources.map((r) => `${r.address} ${r.file}:${r.line}-${r.endLine}`)).toEqual([
      "aws_cloudfront_distribution.root_cloudWebsite_Distribution_6BC863F8 main.tf.json:30-77",
      "aws_s3_bucket.root_cloudWebsite_WebsiteBucket_E28E35CE main.tf.json:80-89",
      "aws_s3_bucket_policy.root_cloudWebsite_PublicPolicy_2884A0C6 main.tf.json:92-101",
      "aws_s3_bucket_public_access_block.root_cloudWebsite_PublicAccessBlock_89CD01D0 main.tf.json:104-116",
      "aws_s3_bucket_server_side_encryption_configuration.root_cloudWebsite_Encryption_8B168696 main.tf.json:119-134",
      "aws_s3_bucket_website_configuration.root_cloudWebsite_BucketWebsiteConfiguration_DEE39F09 main.tf.json:137-148",
      "aws_s3_object.root_cloudWebsite_Fileindexhtml_A07B6D26 main.tf.json:151-165",
      "aws_s3_object.root_cloudWebsite_Fileinnerfolderotherhtml_28F0E842 main.tf.json:166-180",
    ]);
    const lines = WING.split("\n");
    expect(lines[103]).toBe('      "root_cloudWebsite_PublicAccessBlock_89CD01D0": {');
    expect(lines[110]).toBe('        "block_public_acls": false,'); // where `scan` points (below)
    const pab = index.resources[3]!;
    expect(pab.references).toEqual(["aws_s3_bucket.root_cloudWebsite_WebsiteBucket_E28E35CE"]);
  });

  it("reads nested blocks (objects and arrays of objects) and maps as Terraform does", () => {
    const file = parseTerraformJson("main.tf.json", WING);
    const resource = file.body.find(
      (b) => b.kind === "block" && b.labels[0] === "aws_cloudfront_distribution",
    );
    const names =
      resource?.kind === "block"
        ? resource.body.map((i) => `${i.kind}:${i.kind === "block" ? i.type : i.name}`)
        : [];
    expect(names).toEqual([
      "block:default_cache_behavior",
      "attribute:default_root_object",
      "attribute:enabled",
      "block:origin",
      "attribute:price_class",
      "block:restrictions",
      "block:viewer_certificate",
    ]);
  });

  it("finds the same issues in the .tf.json as in the equivalent .tf", () => {
    const fromJson = scanIndex(buildIndex([{ path: "main.tf.json", text: WING }]), RULES);
    const fromHcl = scanIndex(buildIndex([{ path: "main.tf", text: EQUIVALENT_TF }]), RULES);
    const summary = (ds: typeof fromJson) => ds.map((d) => `${d.ruleId} ${d.resource.address}`).sort();
    expect(summary(fromJson)).toEqual(summary(fromHcl));
    expect(summary(fromJson)).toEqual([
      "aws-s3-public-access-block aws_s3_bucket_public_access_block.root_cloudWebsite_PublicAccessBlock_89CD01D0",
      "aws-s3-versioning aws_s3_bucket.root_cloudWebsite_WebsiteBucket_E28E35CE",
    ]);
  });

  it("refuses every fix on a .tf.json file with the reason", async () => {
    const sources = [{ path: "main.tf.json", text: WING }];
    const detections = scanIndex(buildIndex(sources), RULES);
    const run = await fixDetections(sources, detections, RULES);
    const fixable = run.outcomes.filter((o) => o.status !== "skipped");
    expect(fixable.length).toBeGreaterThan(0);
    for (const o of fixable) {
      expect(o.status).toBe("refused");
      expect(o.reason).toBe(
        "main.tf.json: fixloop does not edit .tf.json files yet — apply the change by hand",
      );
    }
    expect(run.files.size).toBe(0);
  });

  it("is scanned by `fixloop scan` and reported at file:line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-tfjson-"));
    cpSync(WING_DIR, dir, { recursive: true });
    const loaded = await loadTerraformTree(dir);
    expect(loaded.sources.map((s) => s.path)).toEqual(["main.tf.json"]);
    const r = await run(["scan", dir, "--rule", "aws-s3-public-access-block"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "main.tf.json:111  high     aws-s3-public-access-block  aws_s3_bucket_public_access_block.root_cloudWebsite_PublicAccessBlock_89CD01D0",
    );
    expect(r.stdout).toContain("1 finding in 1 file");
  });

  it("reads a module call's object input as an argument, not a block", () => {
    const text =
      '{\n  "module": {\n    "logs": {\n      "source": "terraform-aws-modules/s3-bucket/aws",\n      "versioning": { "enabled": false }\n    }\n  }\n}\n';
    const index = buildIndex([{ path: "main.tf.json", text }]);
    const call = index.calls[0]!;
    expect(call.address).toBe("module.logs");
    expect(call.line).toBe(3);
    expect(call.source).toBe("terraform-aws-modules/s3-bucket/aws");
    expect(call.block.body.map((i) => `${i.kind}:${i.kind === "block" ? i.type : i.name}`)).toEqual([
      "attribute:source",
      "attribute:versioning",
    ]);
  });

  it("takes values from terraform.tfvars.json", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: 'variable "rotate" {}\nresource "aws_kms_key" "k" {\n  enable_key_rotation = var.rotate\n}\n',
      },
      { path: "terraform.tfvars.json", text: '{\n  "rotate": true\n}\n' },
    ]);
    expect(index.modules.get(".")?.tfvars.get("rotate")?.file).toBe("terraform.tfvars.json");
    expect(scanIndex(index, RULES).filter((d) => d.ruleId === "aws-kms-rotation")).toEqual([]);
  });

  it.each([
    [
      '{\n  "resource": {\n    "aws_s3_bucket": {\n      "b": {\n        "bucket": "x",\n      }\n',
      "main.tf.json:6:7: expected a quoted key",
    ],
    [
      '{\n  "resource": {\n    "aws_s3_bucket": {\n      "b": {\n        "bucket": "${var.}"\n      }\n    }\n  }\n}\n',
      "main.tf.json:5:19: invalid template in JSON string",
    ],
    ["[\n  1\n]\n", "main.tf.json:1:1: the file must hold one JSON object"],
  ])("reports bad JSON with file, line and column: %j", (text, message) => {
    expect(() => parseTerraformJson("main.tf.json", text)).toThrow(HclSyntaxError);
    expect(() => parseTerraformJson("main.tf.json", text)).toThrow(message);
  });
});
