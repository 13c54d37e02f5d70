import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kicsParser, kicsTerraformResource } from "../../src/findings/parsers/kics.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (dir: string, name: string) => JSON.parse(readFileSync(join(root, dir, name), "utf8"));
const own = readdirSync(join(root, "kics")).filter((f) => f.endsWith(".json"));

describe("KICS JSON", () => {
  it("detects every real KICS sample", () => {
    expect(own.length).toBeGreaterThanOrEqual(3);
    for (const name of own) expect(kicsParser.detect(load("kics", name)), name).toBe(true);
  });

  it("does not detect the other formats' samples", () => {
    for (const dir of readdirSync(root)) {
      if (dir === "kics") continue;
      for (const name of readdirSync(join(root, dir)).filter((f) => /\.(json|sarif)$/.test(f))) {
        expect(kicsParser.detect(load(dir, name)), `${dir}/${name}`).toBe(false);
      }
    }
    for (const v of [null, [], {}, { queries: [] }, { queries: [{ name: "x" }] }])
      expect(kicsParser.detect(v)).toBe(false);
  });

  it("finds exactly KICS's total_counter, one finding per files[] entry", () => {
    for (const name of own) {
      const doc = load("kics", name);
      const r = kicsParser.parse(doc, ctx);
      expect(r.rejected, name).toEqual([]);
      const entries = doc.queries.reduce((n: number, q: { files: unknown[] }) => n + q.files.length, 0);
      expect(r.findings, name).toHaveLength(entries);
      if ("total_counter" in doc) expect(r.findings, name).toHaveLength(doc.total_counter);
    }
    expect(kicsParser.parse(load("kics", "no_findings.json"), ctx)).toEqual({ findings: [], rejected: [] });
  });

  it("normalizes a Terraform result, with the address from search_key and similarity_id as id", () => {
    const doc = load("kics", "docs-results-example.json");
    const r = kicsParser.parse(doc, ctx);
    expect(r.findings).toEqual([
      {
        source: {
          tool: "kics",
          format: "kics",
          findingId: "063ed2389809f5f01ff420b63634700a9545c5e5130a6506568f925cdb0f8e13",
        },
        rule: { nativeId: "c878abb4-cca5-4724-92b9-289be68bd47c", catalogId: null },
        title: "Container Allow Privilege Escalation Is True",
        severity: { native: "MEDIUM", normalized: "medium" },
        resource: {
          type: "kubernetes_pod",
          terraformAddress: "kubernetes_pod.test3",
          file: "assets/queries/terraform/kubernetes_pod/container_allow_privilege_escalation_is_true/test/positive.tf",
          line: 11,
        },
        status: "failed",
        context: {
          dataSensitivity: [],
          remediationText: "Attribute 'allow_privilege_escalation' is undefined or false",
        },
        raw: doc.queries[0].files[0],
      },
    ]);
  });

  it("derives distinct ids when a report has no similarity_id", () => {
    const r = kicsParser.parse(load("kics", "findings_with_null_fields.json"), ctx);
    expect(r.findings.map((f) => f.source.findingId)).toEqual([
      "q1-null-expected|main.tf|10|",
      "q2-rule-a|network.tf|20|",
      "q3-rule-b|network.tf|20|",
    ]);
    expect(r.findings[0]!.context.remediationText).toBeUndefined();
  });

  it("reads Terraform addresses from search keys", () => {
    expect(kicsTerraformResource("aws_s3_bucket[positive1].acl")).toEqual({
      type: "aws_s3_bucket",
      address: "aws_s3_bucket.positive1",
    });
    expect(kicsTerraformResource("data.aws_iam_policy_document[p].statement")).toEqual({
      type: "aws_iam_policy_document",
      address: "data.aws_iam_policy_document.p",
    });
    expect(kicsTerraformResource("module[vpc].enable_flow_log")).toEqual({ address: "module.vpc" });
    expect(kicsTerraformResource("aws_security_group[{{default}}].ingress")).toEqual({
      type: "aws_security_group",
      address: "aws_security_group.default",
    });
    expect(kicsTerraformResource("provider[aws].region")).toBeUndefined();
    expect(kicsTerraformResource("Resources.EcsSecurityGroup.Properties")).toBeUndefined();
  });

  // No real KICS report with a catalogued AWS query was found with its provenance: this record
  // is written inline in KICS's shape (query UUID of "S3 Bucket Without Server-side-encryption").
  it("maps a KICS query UUID to the catalog and reads cloud_provider and the scan end", () => {
    const r = kicsParser.parse(
      {
        kics_version: "v2.1.3",
        total_counter: 1,
        severity_counters: { HIGH: 1 },
        end: "2024-05-28T12:51:08.9940487+01:00",
        queries: [
          {
            query_name: "S3 Bucket Without Server-side-encryption",
            query_id: "6726dcc0-5ff5-459d-b473-a780bef7665c",
            severity: "HIGH",
            platform: "Terraform",
            cloud_provider: "AWS",
            files: [
              {
                file_name: "./infra/s3.tf",
                similarity_id: "abc123",
                line: 1,
                resource_type: "aws_s3_bucket",
                resource_name: "my-data",
                search_key: "aws_s3_bucket[data]",
                issue_type: "MissingAttribute",
              },
            ],
          },
        ],
      },
      ctx,
    );
    expect(r.findings[0]).toMatchObject({
      rule: { nativeId: "6726dcc0-5ff5-459d-b473-a780bef7665c", catalogId: "aws-s3-encryption" },
      resource: {
        name: "my-data",
        type: "aws_s3_bucket",
        cloud: "aws",
        terraformAddress: "aws_s3_bucket.data",
        file: "infra/s3.tf",
        line: 1,
      },
      lastSeen: "2024-05-28T12:51:08.9940487+01:00",
    });
  });

  it("rejects each broken record with its index, JSON path and reason, keeping the good ones", () => {
    // A real report with records broken in the test (not on disk).
    const doc = load("kics", "findings_with_null_fields.json");
    doc.queries[0].files[0].line = "ten";
    doc.queries[1].severity = "TRACE";
    const r = kicsParser.parse(doc, ctx);
    expect(r.findings.map((f) => f.rule.nativeId)).toEqual(["q3-rule-b"]);
    expect(r.rejected).toEqual([
      { index: 0, path: "$.queries[0].files[0].line", reason: expect.stringMatching(/expected number/i) },
      {
        index: 1,
        path: "$.queries[1].severity",
        reason: 'unknown severity "TRACE" (expected CRITICAL, HIGH, MEDIUM, LOW or INFO)',
      },
    ]);
  });
});
