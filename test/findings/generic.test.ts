import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFindings, UnknownFormatError } from "../../src/findings/registry.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const batch = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/findings/generic/cspm-batch.json"), "utf8"),
);

describe("generic CSPM payload", () => {
  it("is detected and normalized, keeping the raw record", () => {
    const r = parseFindings(batch, ctx);
    expect(r.format).toBe("generic");
    expect(r.findings).toHaveLength(2);
    expect(r.findings[0]).toEqual({
      source: { tool: "generic", format: "generic", findingId: "f-7f3a9c21" },
      rule: { nativeId: "unspecified", catalogId: null },
      title: "Enable S3 Block Public Access on the bucket",
      severity: { native: "CRITICAL", normalized: "critical" },
      resource: {
        arn: "arn:aws:s3:::prod-customer-data-backups",
        name: "prod-customer-data-backups",
        type: "s3:bucket",
        cloud: "aws",
        account: "123456789012",
        region: "us-east-1",
      },
      status: "failed",
      firstSeen: "2026-11-02T08:15:00Z",
      context: {
        internetReachable: true,
        dataSensitivity: ["PII"],
        attackPath: true,
        ownerTeam: "data-platform",
        remediationText: "Enable S3 Block Public Access on the bucket",
        ticketProject: "DATA",
      },
      raw: batch[0],
    });
    expect(r.findings[1]!.rule).toEqual({ nativeId: "EC2.13", catalogId: "aws-sg-open-admin-ports" });
    expect(r.findings[1]!.resource).toMatchObject({
      type: "ec2:security-group",
      name: "sg-0a1b2c3d4e5f67890",
    });
  });

  it("rejects each bad record with its index, JSON path and reason, keeping the valid ones", () => {
    const r = parseFindings(batch, ctx);
    expect(r.rejected).toEqual([
      {
        index: 2,
        path: "$[2].severity",
        reason: 'unknown severity "urgent" (expected critical, high, medium, low or info)',
      },
      { index: 3, path: "$[3].resource_arn", reason: "required field is missing (expected string)" },
    ]);
  });

  it("accepts a single object", () => {
    const r = parseFindings(batch[0], ctx);
    expect(r.findings).toHaveLength(1);
    const bad = parseFindings({ ...batch[0], severity: "urgent" }, ctx);
    expect(bad.rejected[0]!.path).toBe("$.severity");
  });

  it("names what was expected when a document matches no format", () => {
    expect(() => parseFindings({ hello: "world" }, ctx)).toThrow(UnknownFormatError);
    expect(() => parseFindings({ hello: "world" }, ctx)).toThrow(
      /matches no supported format; expected one of: SARIF 2.1.0 .*; Generic CSPM payload/,
    );
    expect(() => parseFindings(batch, ctx, "nope")).toThrow(
      'unknown format "nope"; expected one of: auto, sarif, asff, ocsf, checkov, trivy, tfsec, kics, wiz, prisma, generic',
    );
  });
});
