import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkovParser, stripModulePrefix } from "../../src/findings/parsers/checkov.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (file: string) => JSON.parse(readFileSync(join(root, "checkov", file), "utf8"));

const SAMPLES = [
  "checkov-report-0-vuln.json",
  "checkov-report-many-vuln.json",
  "checkov-report-multiple-check_type.json",
  "checkov-report-severity.json",
  "checkov2-report-0-vuln.json",
];

/** What Checkov itself counted, summed over the reports of a document. */
function summary(doc: unknown) {
  const reports = (Array.isArray(doc) ? doc : [doc]) as { summary?: Record<string, number> }[];
  const sum = { passed: 0, failed: 0, skipped: 0 };
  for (const r of reports) {
    const s = r.summary ?? (r as Record<string, number>);
    sum.passed += s.passed ?? 0;
    sum.failed += s.failed ?? 0;
    sum.skipped += s.skipped ?? 0;
  }
  return sum;
}

const count = (findings: { status: string }[], status: string) =>
  findings.filter((f) => f.status === status).length;

describe("checkov JSON", () => {
  it("detects every real Checkov report, and no other format's sample", () => {
    for (const f of SAMPLES) expect(checkovParser.detect(load(f)), f).toBe(true);
    for (const dir of readdirSync(root).filter((d) => d !== "checkov")) {
      for (const f of readdirSync(join(root, dir)).filter((x) => /\.(json|sarif)$/.test(x))) {
        const doc = JSON.parse(readFileSync(join(root, dir, f), "utf8"));
        expect(checkovParser.detect(doc), `${dir}/${f}`).toBe(false);
      }
    }
    expect(checkovParser.detect(null)).toBe(false);
    expect(checkovParser.detect([])).toBe(false);
  });

  it("turns every passed, failed and skipped check into one finding: counts equal Checkov's summary", () => {
    for (const f of ["checkov-report-multiple-check_type.json", "checkov-report-severity.json"]) {
      const doc = load(f);
      const r = checkovParser.parse(doc, ctx);
      const s = summary(doc);
      expect(r.rejected, f).toEqual([]);
      expect(count(r.findings, "passed"), f).toBe(s.passed);
      expect(count(r.findings, "failed"), f).toBe(s.failed);
      expect(count(r.findings, "suppressed"), f).toBe(s.skipped);
    }
    // List of reports: terraform 14 passed + 11 failed, dockerfile 1 passed + 2 failed.
    const multi = checkovParser.parse(load("checkov-report-multiple-check_type.json"), ctx);
    expect(multi.findings).toHaveLength(28);
  });

  it("reports the records the document holds even where its summary disagrees", () => {
    // DefectDojo's many-vuln sample lists 3 failed checks under a summary that says 2.
    const r = checkovParser.parse(load("checkov-report-many-vuln.json"), ctx);
    expect(r.findings.map((f) => f.rule.nativeId)).toEqual(["CKV_AZURE_41", "CKV_AZURE_42", "CKV_AZURE_43"]);
    expect(new Set(r.findings.map((f) => f.source.findingId)).size).toBe(3);
  });

  it("reads empty reports, including the summary-only document, as 0 findings and 0 rejected", () => {
    for (const f of ["checkov-report-0-vuln.json", "checkov2-report-0-vuln.json"]) {
      expect(checkovParser.parse(load(f), ctx), f).toEqual({ findings: [], rejected: [] });
    }
  });

  it("normalizes a failed check with a platform severity fully", () => {
    const doc = load("checkov-report-severity.json");
    const r = checkovParser.parse(doc, ctx);
    expect(r.findings[0]).toEqual({
      source: { tool: "checkov", format: "checkov", findingId: expect.stringMatching(/^[0-9a-f]{32}$/) },
      rule: { nativeId: "CKV_GCP_29", catalogId: "gcp-storage-uniform-access" },
      title: "Ensure that Cloud Storage buckets have uniform bucket-level access enabled",
      severity: { native: "MEDIUM", normalized: "medium" },
      resource: {
        file: "gcs.tf",
        line: 1,
        terraformAddress: "google_storage_bucket.terragoat_website",
        type: "google_storage_bucket",
        name: "terragoat_website",
      },
      status: "failed",
      context: { dataSensitivity: [], remediationUrl: "https://docs.bridgecrew.io/docs/bc_gcp_gcs_2" },
      raw: doc.results.failed_checks[0],
    });
    expect(r.findings.map((f) => f.severity.normalized)).toEqual(["medium", "medium", "low", "high"]);
  });

  it("does not invent a severity when Checkov OSS reports none, and keeps passed checks", () => {
    const doc = load("checkov-report-multiple-check_type.json");
    const r = checkovParser.parse(doc, ctx);
    const rds = r.findings.find((f) => f.rule.nativeId === "CKV_AWS_16")!;
    expect(rds).toMatchObject({
      rule: { nativeId: "CKV_AWS_16", catalogId: "aws-rds-encryption" },
      severity: { native: "", normalized: "info" },
      resource: { file: "aws/db-app.tf", terraformAddress: "aws_db_instance.default", line: 1 },
      status: "failed",
    });
    expect(rds.resource.tags).toMatchObject({ git_repo: "terragoat" });
    const passed = r.findings.find((f) => f.rule.nativeId === "CKV_AWS_23")!;
    expect(passed).toMatchObject({ status: "passed", resource: { line: 116 } });
    // Dockerfile checks: no Terraform address, and Checkov's line 0 means "no line".
    const docker = r.findings.find((f) => f.rule.nativeId === "CKV_DOCKER_3")!;
    expect(docker.resource).toEqual({ file: "aws/resources/Dockerfile" });
  });

  it("reads skipped checks as suppressed and module resources as the address inside the module (inline: no real sample found)", () => {
    // Shape of a Checkov skipped check / module resource (checkov/common/output/record.py).
    const doc = {
      check_type: "terraform",
      results: {
        passed_checks: [],
        failed_checks: [
          {
            check_id: "CKV_AWS_145",
            check_name: "Ensure that S3 buckets are encrypted with KMS by default",
            check_result: { result: "FAILED" },
            file_path: "/modules/s3/main.tf",
            file_line_range: [300, 309],
            resource: 'module.s3.module.inner["a.b"].aws_s3_bucket.logging[0]',
            severity: null,
          },
        ],
        skipped_checks: [
          {
            check_id: "CKV_AWS_20",
            check_name: "S3 Bucket has an ACL defined which allows public READ access.",
            check_result: { result: "SKIPPED", suppress_comment: "public website bucket" },
            file_path: "/main.tf",
            file_line_range: [1, 5],
            resource: "aws_s3_bucket.site",
            guideline: "https://docs.bridgecrew.io/docs/s3_1-acl-read-permissions-everyone",
          },
        ],
        parsing_errors: [],
      },
      summary: { passed: 0, failed: 1, skipped: 1, parsing_errors: 0 },
    };
    const r = checkovParser.parse(doc, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings[0]!.resource).toEqual({
      file: "modules/s3/main.tf",
      line: 300,
      terraformAddress: "aws_s3_bucket.logging[0]",
      type: "aws_s3_bucket",
      name: "logging",
    });
    expect(r.findings[1]).toMatchObject({
      rule: { nativeId: "CKV_AWS_20", catalogId: "aws-s3-public-acl" },
      status: "suppressed",
      context: { remediationUrl: "https://docs.bridgecrew.io/docs/s3_1-acl-read-permissions-everyone" },
    });
    expect(r.findings[1]!.context.remediationText).toBeUndefined();
    expect(stripModulePrefix("data.aws_iam_policy_document.x")).toBe("data.aws_iam_policy_document.x");
  });

  it("rejects a broken check with its index, JSON path and reason, keeping the good ones", () => {
    const doc = load("checkov-report-multiple-check_type.json");
    const broken = structuredClone(doc);
    broken[0].results.failed_checks[1].severity = "URGENT";
    delete broken[1].results.failed_checks[0].check_id;
    const r = checkovParser.parse(broken, ctx);
    expect(r.findings).toHaveLength(26);
    expect(r.rejected).toEqual([
      {
        index: 15, // 14 passed + failed[1] of the first report
        path: "$[0].results.failed_checks[1].severity",
        reason: 'unknown severity "URGENT" (expected CRITICAL, HIGH, MEDIUM, LOW, INFO or null)',
      },
      {
        index: 26, // 25 checks of the first report + 1 passed in the second
        path: "$[1].results.failed_checks[0].check_id",
        reason: expect.stringMatching(/expected string/i),
      },
    ]);
    const single = load("checkov-report-severity.json");
    single.results.failed_checks[2].file_line_range = "1-15";
    expect(checkovParser.parse(single, ctx).rejected).toEqual([
      { index: 2, path: "$.results.failed_checks[2].file_line_range", reason: expect.any(String) },
    ]);
  });
});
