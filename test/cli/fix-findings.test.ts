// `fixloop fix --findings`: a CSPM finding that names only an ARN becomes a verified patch on the
// block that defines the bucket, even though the bucket's name is built from a local, a variable
// and terraform.tfvars — and the bucket of the same name pattern in another environment is untouched.

import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

const ROOT = join(import.meta.dirname, "../..");

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

describe("fixloop fix --findings", () => {
  it("turns the generic CSPM payload into a patch on the right block", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-cspm-"));
    cpSync(join(ROOT, "fixtures/repos/cspm-demo"), dir, { recursive: true });
    const r = await run([
      "fix",
      "--allow-disruptive",
      dir,
      "--findings",
      "fixtures/findings/generic/cspm-batch.json",
      "--format",
      "json",
    ]);
    const json = JSON.parse(r.stdout);
    const [bucket, sg] = json.results;
    expect(bucket).toMatchObject({
      findingId: "f-7f3a9c21",
      source: "generic",
      status: "fixed",
      resource: { address: "aws_s3_bucket.backups" },
      file: "envs/prod/main.tf",
      located: {
        kind: "located",
        candidates: [
          {
            address: "aws_s3_bucket.backups",
            file: "envs/prod/main.tf",
            by: "identity",
            evidence:
              'aws_s3_bucket.backups.bucket resolves to "prod-customer-data-backups" (envs/prod/main.tf:14)',
            confidence: 0.85,
          },
        ],
      },
      risk: { score: 100, tier: "critical" },
      gate: { gate: "pr_after_approval" },
    });
    expect(bucket.reason).toBe(
      "aws-s3-public-access-block: block all public access (aws_s3_bucket_public_access_block.backups)",
    );
    expect(bucket.diff).toContain('+resource "aws_s3_bucket_public_access_block" "backups" {');
    expect(sg).toMatchObject({
      status: "skipped",
      reason:
        "no Terraform block in this checkout defines arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890",
    });
    expect(json.rejected.map((x: { path: string }) => x.path)).toEqual([
      "$[2].severity",
      "$[3].resource_arn",
    ]);
    expect(json.filesChanged).toEqual(["envs/prod/main.tf"]);
    expect(readFileSync(join(dir, "envs/prod/main.tf"), "utf8")).toContain(
      'resource "aws_s3_bucket_public_access_block" "backups"',
    );
    expect(readFileSync(join(dir, "envs/staging/main.tf"), "utf8")).toBe(
      readFileSync(join(ROOT, "fixtures/repos/cspm-demo/envs/staging/main.tf"), "utf8"),
    );
    expect(r.code).toBe(1); // one finding skipped, two records rejected
  });

  it("fixes a bucket created by terraform-aws-modules/s3-bucket at the module call, by setting its inputs", async () => {
    const r = await run([
      "fix",
      "--allow-disruptive",
      "fixtures/repos/cspm-demo",
      "--findings",
      "fixtures/findings/generic/hub-module-bucket.json",
      "--dry-run",
      "--format",
      "json",
    ]);
    const [result] = JSON.parse(r.stdout).results;
    expect(result).toMatchObject({
      ruleId: "aws-s3-public-access-block",
      status: "fixed",
      resource: { address: "module.logs" },
      located: { kind: "located", candidates: [{ by: "module-input", confidence: 0.8 }] },
    });
    expect(result.reason).toContain(
      "the module's code is not in this checkout, so the patch is verified but not re-scanned",
    );
    expect(result.diff).toBe(
      [
        "--- a/envs/prod/main.tf",
        "+++ b/envs/prod/main.tf",
        "@@ -40,6 +40,10 @@",
        '   source  = "terraform-aws-modules/s3-bucket/aws"',
        '   version = "~> 4.0"',
        " ",
        '-  bucket = "${var.environment}-access-logs"',
        '-  acl    = "log-delivery-write"',
        '+  bucket                  = "${var.environment}-access-logs"',
        '+  acl                     = "log-delivery-write"',
        "+  block_public_acls       = true",
        "+  block_public_policy     = true",
        "+  ignore_public_acls      = true",
        "+  restrict_public_buckets = true",
        " }",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(0);
  });

  it("fixloop ingest scores, gates and dedupes the same payload", async () => {
    const r = await run(["ingest", "fixtures/findings/generic/cspm-batch.json", "--json"]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.findings).toHaveLength(2);
    expect(json.findings[0]).toMatchObject({
      source: { tool: "generic", findingId: "f-7f3a9c21" },
      risk: {
        score: 100,
        tier: "critical",
        explanation:
          "Critical risk (100/100): critical severity × internet reachable × PII × on an attack path.",
      },
      slaDue: "2026-11-04T08:15:00.000Z",
      actionable: true,
      dedupeKey: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(json.findings[0].raw).toBeUndefined();
    expect(json.rejected).toHaveLength(2);
  });

  it("exits 2 with one line per file when nothing can be read", async () => {
    const r = await run(["ingest", "package.json", "nope.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "fixloop: package.json: the document matches no supported format; expected one of:",
    );
    expect(r.stderr).toContain("fixloop: nope.json: cannot read it (ENOENT)");
  });
});

describe("--triage-config", () => {
  it("applies weights and thresholds from a JSON file", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(mkdtempSync(join(tmpdir(), "fixloop-tc-")), "triage.json");
    writeFileSync(file, JSON.stringify({ gates: { prThreshold: 90 } }));
    const r = await run([
      "ingest",
      "fixtures/findings/generic/cspm-batch.json",
      "--json",
      "--triage-config",
      file,
    ]);
    expect(JSON.parse(r.stdout).findings[1].gate).toEqual({
      gate: "record_only",
      reason: "risk 68 is below the PR threshold 90",
    });
  });

  it("names the wrong key and applies nothing", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(mkdtempSync(join(tmpdir(), "fixloop-tc-")), "triage.json");
    writeFileSync(file, JSON.stringify({ weights: { internetReachble: 2 } }));
    const r = await run(["ingest", "fixtures/findings/generic/cspm-batch.json", "--triage-config", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `fixloop ingest: ${file}: weights.internetReachble: Unrecognized key: "internetReachble"; nothing from this file was applied\n`,
    );
  });
});

describe("fixloop fix --findings fixes what it is given", () => {
  const checkov = "fixtures/findings/checkov/checkov-report-multiple-check_type.json";
  type Result = { nativeRuleId: string; status: string; reason: string; gate: { gate: string } };
  const byCheck = (stdout: string, id: string) =>
    (JSON.parse(stdout).results as Result[]).find((r) => r.nativeRuleId === id && r.status !== "skipped") ??
    (JSON.parse(stdout).results as Result[]).filter((r) => r.nativeRuleId === id).at(-1);

  it("fixes a Checkov report's findings that carry no severity (the triage gate would record them only)", async () => {
    const r = await run([
      "fix",
      "--allow-disruptive",
      "examples/terragoat",
      "--findings",
      checkov,
      "--dry-run",
      "--format",
      "json",
    ]);
    const rds = byCheck(r.stdout, "CKV_AWS_16")!;
    expect(rds).toMatchObject({
      status: "fixed",
      reason: "aws-rds-encryption: set storage_encrypted = true",
    });
    expect(rds.gate.gate).toBe("record_only"); // what the app would do with it: record it only
    expect(byCheck(r.stdout, "CKV_AWS_17")).toMatchObject({
      status: "fixed",
      reason: "aws-rds-public: set publicly_accessible = false",
    });
    expect(JSON.parse(r.stdout).filesChanged).toEqual(["aws/db-app.tf"]);
  });

  it("--min-risk N holds back the findings below N, saying so", async () => {
    const r = await run([
      "fix",
      "--allow-disruptive",
      "examples/terragoat",
      "--findings",
      checkov,
      "--dry-run",
      "--min-risk",
      "35",
    ]);
    expect(r.stdout).toContain(
      "skipped checkov 84c8e6ae0d715e5fb57369423859ee29 [low 27] → aws_db_instance.default (the finding names aws_db_instance.default; defined in aws/db-app.tf:2)\n    record only: risk 27 is below --min-risk 35\n",
    );
    expect(r.stdout).not.toContain("storage_encrypted       = true");
    const bad = await run([
      "fix",
      "--allow-disruptive",
      "examples/terragoat",
      "--findings",
      checkov,
      "--min-risk",
      "high",
    ]);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'fixloop fix: --min-risk must be a risk score from 0 to 100 (got "high")\n',
    });
    const openPr = await run([
      "fix",
      "examples/terragoat",
      "--findings",
      checkov,
      "--open-pr",
      "--min-risk",
      "9",
    ]);
    expect(openPr.stderr).toBe(
      "fixloop fix: --min-risk does not combine with --open-pr: the repository's triage gate decides which findings get a PR\n",
    );
  });

  it("fixes Security Hub MEDIUM controls (S3.8 on two buckets)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-asff-"));
    // Terraform written for this test: two buckets named as in the real finding's Resources.
    writeFileSync(
      join(dir, "main.tf"),
      'resource "aws_s3_bucket" "reports" {\n  bucket = "zeta-reports-bucket"\n}\n\nresource "aws_s3_bucket" "artifacts" {\n  bucket = "alpha-artifacts-bucket"\n}\n',
    );
    const r = await run([
      "fix",
      "--allow-disruptive",
      dir,
      "--findings",
      "fixtures/findings/asff/config_multiple_resources.json",
    ]);
    expect(r.stdout).toContain(
      "fixed   securityhub arn:aws:securityhub:us-east-1:001122334455:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/b2c3d4e5-5555-6666-7777-888899990000#arn:aws:s3:::zeta-reports-bucket [low 30] → aws_s3_bucket.reports",
    );
    expect(r.stdout).toContain("2 fixed, 3 skipped, 0 refused. Wrote 1 file.\n");
    const main = readFileSync(join(dir, "main.tf"), "utf8");
    expect(main).toContain(
      'resource "aws_s3_bucket_public_access_block" "reports" {\n  bucket = aws_s3_bucket.reports.id\n',
    );
    expect(main).toContain(
      'resource "aws_s3_bucket_public_access_block" "artifacts" {\n  bucket = aws_s3_bucket.artifacts.id\n',
    );
  });
});

describe("fixloop fix --findings on count/for_each instances", () => {
  it("takes a tfsec finding on instance [0] to that instance's problem, and [1] to none", async () => {
    const r = await run([
      "fix",
      "--allow-disruptive",
      "fixtures/repos/instances-demo",
      "--findings",
      "fixtures/findings/tfsec/many_findings_current.json",
      "--dry-run",
      "--format",
      "json",
    ]);
    const results = JSON.parse(r.stdout).results as Array<{
      findingId: string;
      status: string;
      reason: string;
    }>;
    const on = (i: number) =>
      results.find((x) => x.findingId.endsWith(`aws_security_group_rule.ingress_with_cidr_blocks[${i}]`))!;
    expect(on(0)).toMatchObject({
      status: "skipped",
      reason:
        "aws-sg-open-admin-ports: aws_security_group_rule.ingress_with_cidr_blocks[0] is open because of its for_each/count value; change that instance's entry in the collection where it is defined",
    });
    expect(on(1).reason).toBe(
      "fixloop's rule aws-sg-open-admin-ports finds nothing to fix on aws_security_group_rule.ingress_with_cidr_blocks; the source may be stale or see something the code does not show",
    );
  });
});
