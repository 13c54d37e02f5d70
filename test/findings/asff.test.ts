import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asffParser } from "../../src/findings/parsers/asff.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (name: string) => JSON.parse(readFileSync(join(root, "asff", name), "utf8"));
const SAMPLES = readdirSync(join(root, "asff")).filter((f) => f.endsWith(".json"));

describe("asff parser", () => {
  it.each(SAMPLES)("detects the real sample %s", (name) => {
    expect(asffParser.detect(load(name))).toBe(true);
  });

  it("does not claim the other formats' samples", () => {
    for (const dir of readdirSync(root).filter((d) => d !== "asff")) {
      for (const file of readdirSync(join(root, dir)).filter((f) => /\.(json|sarif)$/.test(f))) {
        const doc = JSON.parse(readFileSync(join(root, dir, file), "utf8"));
        expect(asffParser.detect(doc), `${dir}/${file}`).toBe(false);
      }
    }
  });

  it("emits one finding per ASFF finding and resource, as many as the document holds", () => {
    for (const name of SAMPLES) {
      const doc = load(name);
      const list: { Resources: unknown[] }[] = doc.Findings ?? doc.findings ?? doc.detail?.findings ?? [doc];
      const expected = list.reduce((n, f) => n + f.Resources.length, 0);
      const r = asffParser.parse(doc, ctx);
      expect(r.rejected, name).toEqual([]);
      expect(r.findings, name).toHaveLength(expected);
    }
    expect(asffParser.parse(load("guardduty.json"), ctx).findings).toHaveLength(4);
    expect(asffParser.parse(load("config_many_findings.json"), ctx).findings).toHaveLength(3);
  });

  it("normalizes a Security Hub control finding (bare ASFF object) and maps S3.8 to the catalog", () => {
    const doc = load("afsbp-s3.8.json");
    const [f] = asffParser.parse(doc, ctx).findings;
    expect(f).toEqual({
      source: {
        tool: "securityhub",
        format: "asff",
        findingId:
          "arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59",
      },
      rule: { nativeId: "S3.8", catalogId: "aws-s3-public-access-block" },
      title: "S3.8 S3 Block Public Access setting should be enabled at the bucket-level",
      severity: { native: "HIGH", normalized: "high" },
      resource: {
        arn: "arn:aws:s3:::example",
        name: "example",
        type: "AwsS3Bucket",
        cloud: "aws",
        account: "111111111111",
        region: "us-east-1",
      },
      status: "failed",
      firstSeen: "2021-07-14T17:06:07.284Z",
      lastSeen: "2022-02-21T09:49:14.792Z",
      context: {
        dataSensitivity: [],
        remediationUrl: "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation",
        remediationText:
          "For directions on how to fix this issue, consult the AWS Security Hub Foundational Security Best Practices documentation.",
      },
      raw: doc,
    });
  });

  it("normalizes a GuardDuty finding (no control: the finding type is the check id)", () => {
    const doc = load("guardduty.json");
    const r = asffParser.parse(doc, ctx);
    expect(r.findings[1]).toEqual({
      source: {
        tool: "guardduty",
        format: "asff",
        findingId: "arn:aws:guardduty:us-east-1:123456789012:detector/123456789/finding/12312312312312312",
      },
      rule: { nativeId: "TTPs/Discovery/Recon:EC2-Portscan", catalogId: null },
      title: doc.Findings[1].Title,
      severity: { native: "MEDIUM", normalized: "medium" },
      resource: {
        arn: "arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890",
        name: "i-1234567890",
        type: "AwsEc2Instance",
        cloud: "aws",
        account: "123456789012",
        region: "us-east-1",
        tags: doc.Findings[1].Resources[0].Tags,
        identifiers: [{ kind: "vpc", value: "vpc-12354467879", from: "Details.AwsEc2Instance.VpcId" }],
      },
      status: "failed",
      firstSeen: "2024-01-17T11:22:23.000Z",
      lastSeen: "2200-01-17T11:25:23.000Z",
      context: { dataSensitivity: [] },
      raw: doc.Findings[1],
    });
    expect(doc.Findings[1].Resources[0].Tags).toMatchObject({ ManagedBy: "Terraform" });
    // A resource that is not an ARN keeps its id.
    expect(r.findings[3]!.resource).toMatchObject({
      id: "AWS::IAM::AccessKey:123123123",
      type: "AwsIamAccessKey",
    });
  });

  it("keeps what the resource's Details say: a security group's GroupName, id and VPC", () => {
    const doc = load("cis-4.1-ssh-open.json");
    const [f] = asffParser.parse(doc, ctx).findings;
    expect(f!.rule).toEqual({
      nativeId: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1",
      catalogId: "aws-sg-open-admin-ports",
    });
    expect(f!.resource).toEqual({
      arn: "arn:aws:ec2:us-east-1:111111111111:security-group/sg-47dddc34c51b4be58",
      name: "sg-47dddc34c51b4be58",
      type: "AwsEc2SecurityGroup",
      cloud: "aws",
      account: "111111111111",
      region: "us-east-1",
      identifiers: [
        { kind: "name", value: "launch-wizard-1", from: "Details.AwsEc2SecurityGroup.GroupName" },
        { kind: "id", value: "sg-47dddc34c51b4be58", from: "Details.AwsEc2SecurityGroup.GroupId" },
        { kind: "vpc", value: "vpc-a0c6707661638116b", from: "Details.AwsEc2SecurityGroup.VpcId" },
      ],
    });
  });

  it("reads passed checks as passed, never drops them", () => {
    const r = asffParser.parse(load("config_many_findings.json"), ctx);
    expect(r.findings.map((f) => [f.rule.nativeId, f.status, f.severity.normalized])).toEqual([
      ["IAM.5", "passed", "info"],
      ["SSM.2", "passed", "info"],
      ["ELBv2.1", "passed", "info"],
    ]);
    expect(r.findings[0]!.resource).toEqual({
      id: "AWS::::Account:012345678912",
      type: "AwsAccount",
      cloud: "aws",
      account: "012345678912",
      region: "us-east-1",
    });
  });

  it("splits a finding with several resources, one finding id per resource", () => {
    const r = asffParser.parse(load("config_multiple_resources.json"), ctx);
    expect(r.findings.map((f) => f.resource.name)).toEqual([
      "sg-0fff2222bbbb1111a",
      "sg-0aaa1111cccc2222b",
      "vpc-0bbb3333dddd4444c",
      "zeta-reports-bucket",
      "alpha-artifacts-bucket",
    ]);
    expect(new Set(r.findings.map((f) => f.source.findingId)).size).toBe(5);
    expect(r.findings[3]!.source.findingId).toBe(
      "arn:aws:securityhub:us-east-1:001122334455:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/b2c3d4e5-5555-6666-7777-888899990000#arn:aws:s3:::zeta-reports-bucket",
    );
    expect(r.findings[3]!.rule).toEqual({ nativeId: "S3.8", catalogId: "aws-s3-public-access-block" });
  });

  it("reads both EventBridge events, including a finding with only a Normalized severity", () => {
    const imported = asffParser.parse(load("eventbridge-imported-cis-4.2.json"), ctx);
    expect(imported.findings).toHaveLength(1);
    expect(imported.findings[0]).toMatchObject({
      rule: {
        nativeId: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.2",
        // CIS v1.2.0 rule 4.2 is Security Hub's EC2.14 (RDP open to the world).
        catalogId: "aws-sg-open-admin-ports",
      },
      severity: { native: "Normalized 0", normalized: "info" },
      status: "passed",
      resource: {
        arn: "arn:aws:ec2:us-west-2:229111641549:security-group/sg-b92493f2",
        name: "sg-b92493f2",
        type: "AwsEc2SecurityGroup",
        account: "229111641549",
        region: "us-west-2",
        // An AWS Config resource of a type ASFF has no Details object for: `Details.Other`.
        identifiers: [
          { kind: "name", value: "default", from: "Details.Other.groupName" },
          { kind: "id", value: "sg-b92493f2", from: "Details.Other.groupId" },
          { kind: "vpc", value: "vpc-68d17310", from: "Details.Other.vpcId" },
        ],
      },
    });
    const custom = asffParser.parse(load("eventbridge-custom-action-cis-1.6.json"), ctx);
    // Compliance PASSED wins over Workflow RESOLVED.
    expect(custom.findings.map((f) => f.status)).toEqual(["passed"]);
  });

  // Inline edge cases: real records from the fixtures with one field changed each (no real sample has them).
  it("rejects each broken record with index, JSON path and reason, keeping the good ones", () => {
    const good = load("afsbp-s3.8.json");
    const batch = {
      Findings: [
        good,
        { ...good, Severity: { Label: "URGENT" } },
        { ...good, Compliance: { Status: "NOT_AVAILABLE" } },
        { ...good, Resources: [] },
        { ...good, Compliance: { Status: "FAILED" }, Workflow: { Status: "RESOLVED" } },
        { ...good, RecordState: "ARCHIVED" },
      ],
    };
    const r = asffParser.parse(batch, ctx);
    expect(r.rejected).toEqual([
      {
        index: 1,
        path: "$.Findings[1].Severity.Label",
        reason: 'unknown Severity.Label "URGENT" (expected INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL)',
      },
      {
        index: 2,
        path: "$.Findings[2].Compliance.Status",
        reason:
          "Compliance.Status NOT_AVAILABLE: Security Hub could not evaluate the check, so there is nothing to fix",
      },
      { index: 3, path: "$.Findings[3].Resources", reason: expect.stringMatching(/>=1|at least 1/i) },
    ]);
    expect(r.findings.map((f) => f.status)).toEqual(["failed", "resolved", "resolved"]);
  });

  it("reads an empty report as no findings (inline: no real empty ASFF document is public)", () => {
    for (const empty of [
      { Findings: [] },
      {
        "detail-type": "Security Hub Findings - Imported",
        source: "aws.securityhub",
        detail: { findings: [] },
      },
    ]) {
      expect(asffParser.detect(empty)).toBe(true);
      expect(asffParser.parse(empty, ctx)).toEqual({ findings: [], rejected: [] });
    }
  });

  it("does not claim look-alikes and never throws in detect", () => {
    for (const doc of [
      null,
      42,
      "x",
      [],
      {},
      { findings: [] },
      { findings: [{ id: 1 }] },
      { Findings: [{ id: 1 }] },
    ]) {
      expect(asffParser.detect(doc)).toBe(false);
    }
  });
});
