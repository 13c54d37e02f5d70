import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tfsecParser } from "../../src/findings/parsers/tfsec.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (dir: string, name: string) => JSON.parse(readFileSync(join(root, dir, name), "utf8"));
const own = readdirSync(join(root, "tfsec")).filter((f) => f.endsWith(".json"));

describe("tfsec JSON", () => {
  it("detects every real tfsec sample (current, legacy, empty)", () => {
    expect(own.length).toBeGreaterThanOrEqual(5);
    for (const name of own) expect(tfsecParser.detect(load("tfsec", name)), name).toBe(true);
  });

  it("does not detect the other formats' samples", () => {
    for (const dir of readdirSync(root)) {
      if (dir === "tfsec") continue;
      for (const name of readdirSync(join(root, dir)).filter((f) => /\.(json|sarif)$/.test(f))) {
        expect(tfsecParser.detect(load(dir, name)), `${dir}/${name}`).toBe(false);
      }
    }
    for (const v of [
      null,
      [],
      {},
      { results: {} },
      { results: [], errors: [] },
      { results: [{ check_id: "x" }] },
    ])
      expect(tfsecParser.detect(v)).toBe(false);
  });

  it("reads every result tfsec reports (tfsec prints no summary: one finding per result)", () => {
    for (const name of own) {
      const doc = load("tfsec", name);
      const r = tfsecParser.parse(doc, ctx);
      expect(r.rejected, name).toEqual([]);
      expect(r.findings, name).toHaveLength(doc.results?.length ?? 0);
    }
    expect(tfsecParser.parse(load("tfsec", "many_findings_current.json"), ctx).findings).toHaveLength(19);
    expect(tfsecParser.parse(load("tfsec", "no_findings.json"), ctx)).toEqual({ findings: [], rejected: [] });
  });

  it("normalizes a 0.6x result: absolute path kept, module address read from the description", () => {
    const doc = load("tfsec", "many_findings_current.json");
    const r = tfsecParser.parse(doc, ctx);
    expect(r.findings[4]).toEqual({
      source: {
        tool: "tfsec",
        format: "tfsec",
        findingId:
          'aws-autoscaling-enable-at-rest-encryption|/tmp/aws-eks/modules/launch-configuration/main.tf|4-48|module.EKS.module.lc["workers"].aws_launch_configuration.this',
      },
      rule: { nativeId: "aws-autoscaling-enable-at-rest-encryption", catalogId: null, otherIds: ["AWS014"] },
      title: "Launch configuration with unencrypted block device.",
      severity: { native: "HIGH", normalized: "high" },
      resource: {
        type: "aws_launch_configuration",
        cloud: "aws",
        terraformAddress: 'module.EKS.module.lc["workers"].aws_launch_configuration.this',
        file: "/tmp/aws-eks/modules/launch-configuration/main.tf",
        line: 4,
      },
      status: "failed",
      context: {
        dataSensitivity: [],
        remediationUrl: "https://tfsec.dev/docs/aws/autoscaling/enable-at-rest-encryption#aws/autoscaling",
        remediationText: "Turn on encryption for all block devices",
      },
      raw: doc.results[4],
    });
    // Two module instances failing one check on one line stay two findings.
    const ids = r.findings.map((f) => f.source.findingId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps the legacy id (AWS050) beside the rule id on the normalized finding", () => {
    const doc = load("tfsec", "many_findings_current.json");
    const r = tfsecParser.parse(doc, ctx);
    const nacl = r.findings.filter((f) => f.rule.nativeId === "aws-vpc-no-excessive-port-access");
    expect(nacl).toHaveLength(4);
    for (const f of nacl) expect(f.rule.otherIds).toEqual(["AWS050"]);
    // Every result of the report names its legacy id, and each one is kept.
    expect(r.findings.every((f, i) => f.rule.otherIds?.[0] === doc.results[i].legacy_rule_id)).toBe(true);
  });

  // tfsec's Result struct declares `LegacyRuleID string \`json:"legacy_rule_id"\`` without omitempty
  // (aquasecurity/tfsec internal/app/tfsec/result/result.go), so a check that has no legacy id is
  // written `"legacy_rule_id": ""`. No stored real report shows one; the record is the 0.6x sample's
  // first result with that field as tfsec writes it for such a check.
  it('accepts legacy_rule_id "" (no legacy id) and finds the catalog rule through the legacy id', () => {
    const doc = load("tfsec", "many_findings_current.json");
    const empty = { ...doc.results[0], legacy_rule_id: "" };
    const viaLegacy = { ...doc.results[0], rule_id: "aws-s3-some-newer-name", legacy_rule_id: "AWS017" };
    const r = tfsecParser.parse({ results: [empty, viaLegacy] }, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings[0]!.rule).toEqual({ nativeId: "aws-vpc-no-excessive-port-access", catalogId: null });
    expect(r.findings[1]!.rule).toEqual({
      nativeId: "aws-s3-some-newer-name",
      catalogId: "aws-s3-encryption",
      otherIds: ["AWS017"],
    });
  });

  it("reads the legacy format: ERROR/WARNING severities, the link sentence, passed checks", () => {
    const doc = load("tfsec", "many_findings_legacy.json");
    const r = tfsecParser.parse(doc, ctx);
    expect(r.findings.map((f) => [f.rule.nativeId, f.status, f.severity.normalized])).toEqual([
      ["GCP008", "passed", "high"],
      ["GCP009", "failed", "high"],
      ["GCP010", "failed", "high"],
      ["GEN003", "failed", "medium"],
    ]);
    expect(r.findings[3]!.resource).toEqual({
      type: "keycloak_oidc_identity_provider",
      terraformAddress: "keycloak_oidc_identity_provider.google",
      file: "tfsec-test/identity.tf",
      line: 226,
    });
    expect(r.findings[1]!.context.remediationUrl).toBe("https://tfsec.dev/docs/google/GCP009/");
    expect(r.findings[1]!.resource.cloud).toBe("gcp");
  });

  it("tolerates a null rule_provider", () => {
    const r = tfsecParser.parse(load("tfsec", "finding_with_null_provider.json"), ctx);
    expect(r.findings[0]!.resource).toEqual({ file: "main.tf", line: 10 });
    expect(r.findings[0]!.source.findingId).toBe("custom-rule-001|main.tf|10-15|");
  });

  // No stored real sample of tfsec v1.x (defsec) output was found with its provenance: these
  // records are written inline in that version's shape (AVD rule_id, long_id, resource, numeric status).
  it("maps v1.x ids to the catalog through long_id, rule_id or legacy_rule_id", () => {
    const v1 = (over: object) => ({
      rule_id: "AVD-AWS-0088",
      long_id: "aws-s3-enable-bucket-encryption",
      rule_description: "Unencrypted S3 bucket.",
      rule_provider: "aws",
      rule_service: "s3",
      links: ["https://aquasecurity.github.io/tfsec/v1.28.1/checks/aws/s3/enable-bucket-encryption/"],
      description: "Bucket does not have encryption enabled",
      severity: "HIGH",
      warning: false,
      status: 0,
      resource: "aws_s3_bucket.data",
      location: { filename: "/home/ci/repo/main.tf", start_line: 1, end_line: 3 },
      ...over,
    });
    const r = tfsecParser.parse(
      {
        results: [
          v1({}),
          v1({ status: 1, resource: "module.logs.aws_s3_bucket.this" }),
          v1({ long_id: undefined, rule_id: "AWS002", legacy_rule_id: "AWS017" }),
        ],
      },
      ctx,
    );
    expect(r.rejected).toEqual([]);
    expect(
      r.findings.map((f) => [f.rule.nativeId, f.rule.catalogId, f.status, f.resource.terraformAddress]),
    ).toEqual([
      ["AVD-AWS-0088", "aws-s3-encryption", "failed", "aws_s3_bucket.data"],
      ["AVD-AWS-0088", "aws-s3-encryption", "passed", "module.logs.aws_s3_bucket.this"],
      ["AWS002", "aws-s3-encryption", "failed", "aws_s3_bucket.data"],
    ]);
    expect(r.findings[0]!.resource.file).toBe("/home/ci/repo/main.tf");
  });

  it("rejects each broken record with its index, JSON path and reason, keeping the good ones", () => {
    // A real report with three of its records broken (edited in the test, not on disk).
    const doc = load("tfsec", "many_findings_legacy.json");
    doc.results[0].severity = "SEVERE";
    doc.results[2].location = { filename: "a.tf" };
    doc.results[3].status = 2;
    const r = tfsecParser.parse(doc, ctx);
    // Status 2 (ignored by a tfsec:ignore comment or --exclude) is kept, as suppressed.
    expect(r.findings.map((f) => [f.rule.nativeId, f.status])).toEqual([
      ["GCP009", "failed"],
      [expect.any(String), "suppressed"],
    ]);
    expect(r.rejected).toEqual([
      {
        index: 0,
        path: "$.results[0].severity",
        reason:
          'unknown severity "SEVERE" (expected CRITICAL, HIGH, MEDIUM, LOW, or legacy ERROR, WARNING, INFO)',
      },
      {
        index: 2,
        path: "$.results[2].location.start_line",
        reason: expect.stringMatching(/expected number/i),
      },
    ]);
  });
});
