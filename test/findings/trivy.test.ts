import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trivyParser } from "../../src/findings/parsers/trivy.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (dir: string, name: string) => JSON.parse(readFileSync(join(root, dir, name), "utf8"));
const own = readdirSync(join(root, "trivy")).filter((f) => f.endsWith(".json"));

// Trivy's own count: the failures in every Result's MisconfSummary.
function summaryFailures(doc: { Results?: { MisconfSummary?: { Failures?: number } }[] }): number {
  return (doc.Results ?? []).reduce((n, r) => n + (r.MisconfSummary?.Failures ?? 0), 0);
}

describe("trivy JSON", () => {
  it("detects every real Trivy sample", () => {
    expect(own.length).toBeGreaterThanOrEqual(4);
    for (const name of own) expect(trivyParser.detect(load("trivy", name)), name).toBe(true);
  });

  it("does not detect the other formats' samples", () => {
    for (const dir of readdirSync(root)) {
      if (dir === "trivy") continue;
      for (const name of readdirSync(join(root, dir)).filter((f) => /\.(json|sarif)$/.test(f))) {
        expect(trivyParser.detect(load(dir, name)), `${dir}/${name}`).toBe(false);
      }
    }
    for (const v of [null, [], "x", 1, {}, { Results: [] }]) expect(trivyParser.detect(v)).toBe(false);
  });

  it("finds exactly the failures Trivy counts in MisconfSummary, and rejects none", () => {
    for (const name of own) {
      const doc = load("trivy", name);
      const r = trivyParser.parse(doc, ctx);
      expect(r.rejected, name).toEqual([]);
      expect(r.findings.filter((f) => f.status === "failed").length, name).toBe(summaryFailures(doc));
    }
    expect(trivyParser.parse(load("trivy", "terraform-remote-module.json"), ctx).findings).toHaveLength(3);
  });

  it("normalizes a Terraform misconfiguration, keeping the raw record", () => {
    const doc = load("trivy", "terraform-remote-module.json");
    const r = trivyParser.parse(doc, ctx);
    expect(r.findings[1]).toEqual({
      source: {
        tool: "trivy",
        format: "trivy",
        findingId: "AWS-0090|terraform-aws-modules/s3-bucket/aws/main.tf|module.bucket|25-36",
      },
      rule: { nativeId: "AWS-0090", catalogId: "aws-s3-versioning" },
      title: "S3 Data should be versioned",
      severity: { native: "MEDIUM", normalized: "medium" },
      resource: {
        cloud: "aws",
        terraformAddress: "module.bucket",
        file: "terraform-aws-modules/s3-bucket/aws/main.tf",
        line: 25,
      },
      status: "failed",
      lastSeen: "2021-08-25T12:20:30.000000005Z",
      context: {
        dataSensitivity: [],
        remediationUrl: "https://avd.aquasec.com/misconfig/aws-0090",
        remediationText: "Enable versioning to protect against accidental/malicious removal or modification",
      },
      raw: doc.Results[1].Misconfigurations[1],
    });
  });

  it("ignores vulnerabilities and secrets in a mixed report; other misconfigurations are kept", () => {
    const doc = load("trivy", "misconfigurations_and_secrets.json");
    const r = trivyParser.parse(doc, ctx);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      source: { findingId: "DS002|Dockerfile||" },
      rule: { nativeId: "DS002", catalogId: null },
      resource: { file: "Dockerfile" },
      context: { remediationText: "Add 'USER <non root user name>' line to the Dockerfile" },
    });
    expect(r.findings[0]!.resource.terraformAddress).toBeUndefined();
  });

  it("reads an image report with no misconfigurations as empty", () => {
    expect(trivyParser.parse(load("trivy", "scheme_2_no_vuln.json"), ctx)).toEqual({
      findings: [],
      rejected: [],
    });
  });

  // No real sample at hand has the older AVD-prefixed ids, a plain resource address or PASS entries
  // (--include-non-failures): these records are written inline in Trivy's documented shape.
  it("maps AVD ids to the catalog, derives the resource type, and keeps passed checks", () => {
    const doc = {
      SchemaVersion: 2,
      ArtifactName: ".",
      ArtifactType: "filesystem",
      Results: [
        {
          Target: "main.tf",
          Class: "config",
          Type: "terraform",
          MisconfSummary: { Successes: 1, Failures: 1 },
          Misconfigurations: [
            {
              ID: "AVD-AWS-0086",
              AVDID: "AVD-AWS-0086",
              Title: "S3 Access block should block public ACL",
              Severity: "HIGH",
              Status: "FAIL",
              CauseMetadata: {
                Resource: "module.store.aws_s3_bucket.bad",
                Provider: "AWS",
                Service: "s3",
                StartLine: 3,
                EndLine: 9,
              },
            },
            {
              ID: "AVD-AWS-0088",
              AVDID: "AVD-AWS-0088",
              Title: "Unencrypted S3 bucket.",
              Severity: "HIGH",
              Status: "PASS",
              CauseMetadata: { Resource: "aws_s3_bucket.good", Provider: "AWS", StartLine: 12, EndLine: 20 },
            },
          ],
        },
      ],
    };
    const r = trivyParser.parse(doc, ctx);
    expect(r.rejected).toEqual([]);
    expect(
      r.findings.map((f) => [f.status, f.rule.catalogId, f.resource.type, f.resource.terraformAddress]),
    ).toEqual([
      ["failed", "aws-s3-public-access-block", "aws_s3_bucket", "module.store.aws_s3_bucket.bad"],
      ["passed", "aws-s3-encryption", "aws_s3_bucket", "aws_s3_bucket.good"],
    ]);
    expect(r.findings[0]!.lastSeen).toBeUndefined();
  });

  it("keeps the ARN of a cloud (trivy aws) misconfiguration apart from Terraform addresses", () => {
    // Inline: no stored `trivy aws` report with provenance was at hand.
    const r = trivyParser.parse(
      {
        SchemaVersion: 2,
        ArtifactName: "12345678",
        ArtifactType: "aws_account",
        Results: [
          {
            Target: "",
            Class: "config",
            Type: "cloud",
            Misconfigurations: [
              {
                ID: "AVD-AWS-0092",
                AVDID: "AVD-AWS-0092",
                Title: "S3 Buckets not publicly accessible through ACL.",
                Severity: "HIGH",
                Status: "FAIL",
                CauseMetadata: { Resource: "arn:aws:s3:::examplebucket", Provider: "aws", Service: "s3" },
              },
            ],
          },
        ],
      },
      ctx,
    );
    expect(r.findings[0]!.resource).toEqual({ arn: "arn:aws:s3:::examplebucket", cloud: "aws" });
    expect(r.findings[0]!.source.findingId).toBe("AVD-AWS-0092||arn:aws:s3:::examplebucket|");
  });

  it("rejects each broken record with its index, JSON path and reason, keeping the good ones", () => {
    // A real report with three of its records broken (edited in the test, not on disk).
    const doc = load("trivy", "terraform-remote-module.json");
    doc.Results[1].Misconfigurations[0].Severity = "SEVERE";
    doc.Results[1].Misconfigurations[2].Status = "EXCEPTION";
    doc.Results.push({ Target: "x.tf", Class: "config", Type: "terraform", Misconfigurations: [{ ID: 7 }] });
    const r = trivyParser.parse(doc, ctx);
    // EXCEPTION (waived by a Trivy exception) is kept, as suppressed.
    expect(r.findings.map((f) => [f.rule.nativeId, f.status])).toEqual([
      ["AWS-0090", "failed"],
      [expect.any(String), "suppressed"],
    ]);
    expect(r.rejected).toEqual([
      {
        index: 0,
        path: "$.Results[1].Misconfigurations[0].Severity",
        reason: 'unknown severity "SEVERE" (expected CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN)',
      },
      {
        index: 3,
        path: "$.Results[2].Misconfigurations[0].ID",
        reason: expect.stringMatching(/expected string/i),
      },
    ]);
  });
});
