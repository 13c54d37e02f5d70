import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sarifParser } from "../../src/findings/parsers/sarif.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (file: string) => JSON.parse(readFileSync(join(root, "sarif", file), "utf8"));
const SAMPLES = readdirSync(join(root, "sarif")).filter((f) => f.endsWith(".sarif"));
const resultCount = (doc: { runs: { results?: unknown[] }[] }) =>
  doc.runs.reduce((n, r) => n + (r.results?.length ?? 0), 0);

/** Inline, not a real sample: the shape Trivy's pkg/report/sarif.go writes for a Terraform
 *  misconfiguration (no real Trivy misconfiguration SARIF file could be found; see SOURCES.md). */
const trivyMisconfig = {
  version: "2.1.0",
  $schema:
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json",
  runs: [
    {
      tool: {
        driver: {
          fullName: "Trivy Vulnerability Scanner",
          informationUri: "https://github.com/aquasecurity/trivy",
          name: "Trivy",
          rules: [
            {
              id: "AWS-0086",
              name: "Misconfiguration",
              shortDescription: { text: "S3 Access block should block public ACL" },
              helpUri: "https://avd.aquasec.com/misconfig/avd-aws-0086",
              properties: {
                precision: "very-high",
                "security-severity": "8.0",
                tags: ["misconfiguration", "security", "HIGH"],
              },
            },
          ],
          version: "0.58.1",
        },
      },
      results: [
        {
          ruleId: "AWS-0086",
          ruleIndex: 0,
          level: "error",
          message: { text: "Artifact: infra/s3.tf\nType: terraform\nVulnerability AWS-0086\nSeverity: HIGH" },
          locations: [
            {
              message: { text: "infra/s3.tf" },
              physicalLocation: {
                artifactLocation: { uri: "infra/s3%20bucket.tf", uriBaseId: "ROOTPATH" },
                region: { startLine: 12, endLine: 12, startColumn: 1, endColumn: 1 },
              },
            },
          ],
        },
      ],
      columnKind: "utf16CodeUnits",
      originalUriBaseIds: { ROOTPATH: { uri: "file:///home/ci/repo/" } },
    },
  ],
};

/** A fresh, freely editable copy of the inline Trivy document. */
const trivyClone = () => JSON.parse(JSON.stringify(trivyMisconfig));

describe("SARIF 2.1.0", () => {
  it("detects every real SARIF sample, and no other format's sample", () => {
    for (const f of SAMPLES) expect(sarifParser.detect(load(f)), f).toBe(true);
    for (const dir of readdirSync(root).filter((d) => d !== "sarif")) {
      for (const f of readdirSync(join(root, dir)).filter((x) => x.endsWith(".json"))) {
        const doc = JSON.parse(readFileSync(join(root, dir, f), "utf8"));
        expect(sarifParser.detect(doc), `${dir}/${f}`).toBe(false);
      }
    }
    expect(sarifParser.detect("{}")).toBe(false);
  });

  it("turns every result into exactly one finding or one rejection", () => {
    for (const f of SAMPLES) {
      const doc = load(f);
      const r = sarifParser.parse(doc, ctx);
      expect(r.findings.length + r.rejected.length, f).toBe(resultCount(doc));
    }
  });

  it("reads empty reports as 0 findings and 0 rejected", () => {
    for (const f of ["checkov-empty.sarif", "trivy-empty.sarif"]) {
      expect(sarifParser.parse(load(f), ctx), f).toEqual({ findings: [], rejected: [] });
    }
  });

  it("normalizes a KICS result fully (backslash paths, rule-level level, query UUID)", () => {
    const doc = load("kics-e2e-cli-079.sarif");
    const r = sarifParser.parse(doc, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings[0]).toEqual({
      source: { tool: "kics", format: "sarif", findingId: expect.stringMatching(/^[0-9a-f]{32}$/) },
      rule: { nativeId: "20f14e1a-a899-4e79-9f09-b6a84cd4649b", catalogId: null },
      title: "Run Block Injection",
      severity: { native: "error", normalized: "high" },
      resource: {
        file: "path/test/fixtures/test_sarif_cwe_report/run_block_injection/test/positive1.yaml",
        line: 10,
      },
      status: "failed",
      context: {
        dataSensitivity: [],
        remediationUrl: "https://securitylab.github.com/research/github-actions-untrusted-input/",
      },
      raw: doc.runs[0].results[0],
    });
    // KICS wrote the same result twice: two findings, two distinct stable ids.
    expect(r.findings[1]!.source.findingId).toBe(`${r.findings[0]!.source.findingId}#2`);
  });

  it("reads Checkov's skipped checks (suppressions) as suppressed, without inventing a severity", () => {
    const doc = load("checkov-suppressed.sarif");
    const r = sarifParser.parse(doc, ctx);
    expect(r.findings).toHaveLength(6);
    expect(r.findings.every((f) => f.status === "suppressed")).toBe(true);
    expect(r.findings[0]).toEqual({
      source: { tool: "checkov", format: "sarif", findingId: expect.any(String) },
      rule: { nativeId: "CKV_AWS_56", catalogId: "aws-s3-public-access-block" },
      title: "Ensure S3 bucket has 'restrict_public_bucket' enabled",
      severity: { native: "", normalized: "info" },
      resource: { file: "buckets.tf", line: 54 },
      status: "suppressed",
      context: { dataSensitivity: [] },
      raw: doc.runs[0].results[0],
    });
    // Failed Checkov results keep status failed; identical duplicates get distinct ids.
    const dup = sarifParser.parse(load("checkov-duplicates.sarif"), ctx);
    expect(dup.findings.map((f) => f.status)).toEqual(["failed", "failed", "failed", "failed"]);
    expect(new Set(dup.findings.map((f) => f.source.findingId)).size).toBe(4);
    expect(dup.findings[0]!.resource).toEqual({
      file: "infrastructure-catalog/modules/vpc/main.tf",
      line: 346,
    });
  });

  it("honours uriBaseId, security-severity and the AVD id of a Trivy misconfiguration (inline)", () => {
    const r = sarifParser.parse(trivyMisconfig, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings[0]).toMatchObject({
      source: { tool: "trivy", format: "sarif" },
      rule: { nativeId: "AWS-0086", catalogId: "aws-s3-public-access-block" },
      title: "S3 Access block should block public ACL",
      severity: { native: "8.0", normalized: "high" },
      resource: { file: "infra/s3 bucket.tf", line: 12 },
      status: "failed",
      context: { remediationUrl: "https://avd.aquasec.com/misconfig/avd-aws-0086" },
    });
  });

  it("makes absolute file URIs relative to the declared root, and keeps them as written when none is declared", () => {
    const doc = load("tfsec-windows-paths.sarif");
    // The real tfsec output names C:\Users\…\Oblig2\main.tf and declares no root: the absolute path
    // is kept (the locate step matches it by suffix), never turned into a guessed relative one.
    const r = sarifParser.parse(doc, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings.map((f) => f.resource.file)).toEqual([
      "C:/Users/Synne Skreosen Dahl/OneDrive - NTNU/Infrastruktur som kode mappe/Oblig2/main.tf",
      "C:/Users/Synne Skreosen Dahl/OneDrive - NTNU/Infrastruktur som kode mappe/Oblig2/main.tf",
    ]);
    // The same output with the root the scanner ran in (inline addition of SARIF's own fields).
    const withRoot = structuredClone(doc);
    withRoot.runs[0].invocations = [
      {
        executionSuccessful: true,
        workingDirectory: {
          uri: "file:///c:/Users/Synne%20Skreosen%20Dahl/OneDrive%20-%20NTNU/Infrastruktur%20som%20kode%20mappe/Oblig2/",
        },
      },
    ];
    const ok = sarifParser.parse(withRoot, ctx);
    expect(ok.rejected).toEqual([]);
    expect(ok.findings[1]).toMatchObject({
      source: { tool: "tfsec" },
      rule: { nativeId: "azure-storage-use-secure-tls-policy", catalogId: "azure-storage-min-tls" },
      severity: { native: "error", normalized: "high" },
      resource: { file: "main.tf", line: 37 },
      context: {
        remediationUrl:
          "https://aquasecurity.github.io/tfsec/v1.28.14/checks/azure/storage/use-secure-tls-policy/",
      },
    });
    // file:///abs with an originalUriBaseIds root, and a Windows file URI.
    const one = (uri: string, bases?: object) => {
      const d = trivyClone();
      d.runs[0].results[0].locations[0].physicalLocation.artifactLocation = { uri };
      d.runs[0].originalUriBaseIds = bases;
      return sarifParser.parse(d, ctx);
    };
    expect(
      one("file:///home/ci/repo/modules/s3/main.tf", { SRC: { uri: "file:///home/ci/repo/" } }).findings[0]!
        .resource.file,
    ).toBe("modules/s3/main.tf");
    expect(
      one("file:///C:/repo/main.tf", { SRC: { uri: "file:///C:/repo/" } }).findings[0]!.resource.file,
    ).toBe("main.tf");
    expect(one("./a/../main.tf").findings[0]!.resource.file).toBe("main.tf");
    expect(one("../outside.tf").rejected[0]!.reason).toMatch(/outside the scanned root/);
  });

  it("maps result kind and suppression status as the SARIF spec defines them", () => {
    const withResult = (extra: object) => {
      const d = trivyClone();
      Object.assign(d.runs[0].results[0], extra);
      return sarifParser.parse(d, ctx);
    };
    expect(withResult({ kind: "pass" }).findings[0]!.status).toBe("passed");
    expect(
      withResult({ suppressions: [{ kind: "external", status: "underReview" }] }).findings[0]!.status,
    ).toBe("failed");
    expect(withResult({ suppressions: [{ kind: "inSource", status: "accepted" }] }).findings[0]!.status).toBe(
      "suppressed",
    );
    expect(withResult({ kind: "notApplicable" }).rejected[0]).toMatchObject({
      path: "$.runs[0].results[0].kind",
    });
    expect(
      withResult({ partialFingerprints: { "primaryLocationLineHash/v1": "abc:1" } }).findings[0]!.source
        .findingId,
    ).toBe("primaryLocationLineHash/v1:abc:1");
    expect(withResult({ guid: "0b3f1d7e-1111-4a2b-9c3d-000000000001" }).findings[0]!.source.findingId).toBe(
      "0b3f1d7e-1111-4a2b-9c3d-000000000001",
    );
  });

  it("rejects a broken result with its index, JSON path and reason, keeping the good ones", () => {
    const doc = load("checkov-duplicates.sarif");
    doc.runs[0].results[1].level = "fatal";
    delete doc.runs[0].results[2].ruleId;
    doc.runs[0].results[2].ruleIndex = 99;
    const r = sarifParser.parse(doc, ctx);
    expect(r.findings).toHaveLength(2);
    expect(r.rejected).toEqual([
      { index: 1, path: "$.runs[0].results[1].level", reason: expect.stringMatching(/invalid option/i) },
      {
        index: 2,
        path: "$.runs[0].results[2].ruleId",
        reason: "the result names no rule (ruleId, rule.id or ruleIndex)",
      },
    ]);
    const bad = trivyClone();
    bad.runs[0].tool.driver.rules[0].properties["security-severity"] = "high";
    expect(sarifParser.parse(bad, ctx).rejected).toEqual([
      {
        index: 0,
        path: "$.runs[0].results[0].ruleId",
        reason: 'rule AWS-0086: security-severity "high" is not a number from 0 to 10',
      },
    ]);
  });
});
