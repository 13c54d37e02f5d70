import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ocsfParser } from "../../src/findings/parsers/ocsf.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (name: string) => JSON.parse(readFileSync(join(root, "ocsf", name), "utf8"));
const SAMPLES = readdirSync(join(root, "ocsf")).filter((f) => f.endsWith(".json"));
const NON_EMPTY = SAMPLES.filter((f) => f !== "prowler_no_vuln.ocsf.json");

describe("ocsf parser", () => {
  it.each(NON_EMPTY)("detects the real sample %s", (name) => {
    expect(ocsfParser.detect(load(name))).toBe(true);
  });

  it("does not claim the other formats' samples", () => {
    for (const dir of readdirSync(root).filter((d) => d !== "ocsf")) {
      for (const file of readdirSync(join(root, dir)).filter((f) => /\.(json|sarif)$/.test(f))) {
        const doc = JSON.parse(readFileSync(join(root, dir, file), "utf8"));
        expect(ocsfParser.detect(doc), `${dir}/${file}`).toBe(false);
      }
    }
  });

  it("emits one finding per Prowler record, passed checks included", () => {
    for (const name of SAMPLES) {
      const doc = load(name);
      const r = ocsfParser.parse(doc, ctx);
      expect(r.rejected, name).toEqual([]);
      expect(r.findings, name).toHaveLength(doc.length);
    }
    const v5 = ocsfParser.parse(load("prowler_v5_test_output.ocsf.json"), ctx).findings;
    expect(v5.map((f) => [f.rule.nativeId, f.status])).toEqual([
      ["accessanalyzer_enabled", "failed"],
      ["s3_bucket_public_access_block_enabled", "passed"],
      ["ec2_instance_imdsv2_enabled", "passed"],
    ]);
    // A Prowler check id that the catalog knows.
    expect(v5[2]!.rule).toEqual({ nativeId: "ec2_instance_imdsv2_enabled", catalogId: "aws-ec2-imdsv2" });
  });

  it("normalizes a Prowler 4.x finding; its naive local timestamps are left out, not guessed", () => {
    const doc = load("prowler_one_vuln.ocsf.json");
    expect(ocsfParser.parse(doc, ctx).findings).toEqual([
      {
        source: {
          tool: "prowler",
          format: "ocsf",
          findingId:
            "prowler-aws-iam_role_administratoraccess_policy_permissive_trust_relationship-123456789012-us-east-1-myAdministratorExecutionRole",
        },
        rule: {
          nativeId: "iam_role_administratoraccess_policy_permissive_trust_relationship",
          catalogId: null,
        },
        title:
          "Ensure IAM Roles with attached AdministratorAccess policy have a well defined trust relationship",
        severity: { native: "High", normalized: "high" },
        resource: {
          arn: "arn:aws:iam::123456789012:role/myAdministratorExecutionRole",
          name: "myAdministratorExecutionRole",
          type: "AwsIamRole",
          cloud: "aws",
          account: "123456789012",
          region: "us-east-1",
        },
        status: "failed",
        context: {
          dataSensitivity: [],
          remediationText: doc[0].remediation.desc,
          remediationUrl:
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        },
        raw: doc[0],
      },
    ]);
  });

  it("normalizes a Prowler 5 finding with epoch-second timestamps", () => {
    const doc = load("prowler_v5_test_output.ocsf.json");
    const [f] = ocsfParser.parse(doc, ctx).findings;
    expect(f).toEqual({
      source: {
        tool: "prowler",
        format: "ocsf",
        findingId: "prowler-aws-accessanalyzer_enabled-123456789012-us-east-1-123456789012",
      },
      rule: { nativeId: "accessanalyzer_enabled", catalogId: null },
      title: "Check if IAM Access Analyzer is enabled",
      severity: { native: "Low", normalized: "low" },
      resource: {
        arn: "arn:aws:iam::123456789012:root",
        name: "123456789012",
        type: "Other",
        cloud: "aws",
        account: "123456789012",
        region: "us-east-1",
      },
      status: "failed",
      // created_time 1735570800 (epoch seconds); created_time_dt "2024-12-30T15:00:00.000000" has no offset.
      firstSeen: "2024-12-30T15:00:00.000Z",
      lastSeen: "2024-12-30T15:00:00.000Z",
      context: {
        dataSensitivity: [],
        remediationText: "Enable IAM Access Analyzer for all accounts.",
        // The first reference is a CLI command, not a link.
        remediationUrl: "https://docs.aws.amazon.com/IAM/latest/UserGuide/what-is-access-analyzer.html",
      },
      raw: doc[0],
    });
  });

  it("keeps the resource tags Prowler puts in the resource's metadata (the Name tag locates an instance)", () => {
    const [, bucket, instance] = ocsfParser.parse(load("prowler_v5_test_output.ocsf.json"), ctx).findings;
    expect(bucket!.resource.tags).toEqual({ Environment: "Test" });
    expect(instance!.resource).toMatchObject({
      name: "test-instance",
      type: "instance",
      tags: { Name: "test-instance" },
    });
    // The metadata's name is the resource's name already: nothing new to keep.
    expect(instance!.resource.identifiers).toBeUndefined();
  });

  it("reads Prowler's empty report as no findings; an empty array is not claimed by detection", () => {
    const empty = load("prowler_no_vuln.ocsf.json");
    expect(empty).toEqual([]);
    expect(ocsfParser.parse(empty, ctx)).toEqual({ findings: [], rejected: [] });
    expect(ocsfParser.detect(empty)).toBe(false);
  });

  // Inline edge cases built from the real 4.2.1 record with one field changed each.
  it("rejects each broken record with index, JSON path and reason, keeping the good ones", () => {
    const [good] = load("prowler_one_vuln.ocsf.json");
    const batch = [
      { ...good, severity: "Severe" },
      good,
      { ...good, status_code: "MANUAL" },
      { ...good, finding_info: { ...good.finding_info, uid: 42 } },
      { ...good, metadata: { product: { name: "Prowler" } } },
      { ...good, status_code: "PASS" },
    ];
    const r = ocsfParser.parse(batch, ctx);
    expect(r.rejected).toEqual([
      {
        index: 0,
        path: "$[0].severity",
        reason: 'unknown severity "Severe" (expected Informational, Low, Medium, High, Critical or Fatal)',
      },
      {
        index: 2,
        path: "$[2].status_code",
        reason: "status_code MANUAL: the check needs a manual review, there is no result to fix",
      },
      { index: 3, path: "$[3].finding_info.uid", reason: expect.stringMatching(/expected string/i) },
      {
        index: 4,
        path: "$[4].metadata",
        reason: "no check id: neither metadata.event_code nor compliance.control is set",
      },
    ]);
    expect(r.findings.map((f) => f.status)).toEqual(["failed", "passed"]);
  });

  // Inline: no public Security Hub v2 OCSF sample exists; this object uses only fields of the OCSF 1.x
  // Compliance Finding class (compliance.control / compliance.status, status, resources[].uid, cloud) and the
  // EventBridge envelope documented by AWS ("Findings Imported V2").
  it("reads a Compliance Finding in the Security Hub EventBridge envelope (inline, see comment)", () => {
    const event = {
      "detail-type": "Findings Imported V2",
      source: "aws.securityhub",
      detail: {
        findings: [
          {
            class_uid: 2003,
            finding_info: {
              uid: "inline-example-1",
              title: "S3 general purpose buckets should block public access",
            },
            metadata: { product: { name: "Security Hub" } },
            compliance: { control: "S3.8", status: "Fail" },
            severity: "High",
            severity_id: 4,
            status: "New",
            resources: [{ uid: "arn:aws:s3:::inline-bucket", type: "AWS::S3::Bucket", region: "eu-west-1" }],
            cloud: { provider: "AWS", account: { uid: "111122223333" }, region: "eu-west-1" },
          },
        ],
      },
    };
    expect(ocsfParser.detect(event)).toBe(true);
    const r = ocsfParser.parse(event, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings[0]).toMatchObject({
      source: { tool: "securityhub", format: "ocsf", findingId: "inline-example-1" },
      rule: { nativeId: "S3.8", catalogId: "aws-s3-public-access-block" },
      status: "failed",
      resource: {
        arn: "arn:aws:s3:::inline-bucket",
        name: "inline-bucket",
        cloud: "aws",
        account: "111122223333",
      },
    });
    const resolved = { ...event.detail.findings[0], status: "Resolved" };
    expect(ocsfParser.parse([resolved], ctx).findings[0]!.status).toBe("resolved");
  });

  it("never throws in detect and ignores look-alikes", () => {
    for (const doc of [
      null,
      1,
      "x",
      {},
      [{}],
      [{ class_uid: 2004 }],
      { finding_info: {} },
      [{ class_uid: 4001, finding_info: {} }],
    ]) {
      expect(ocsfParser.detect(doc)).toBe(false);
    }
  });
});
