import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FindingSchema } from "../../src/findings/model.ts";
import { parseFindings, UnknownFormatError } from "../../src/findings/registry.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const seedText = readFileSync(
  join(import.meta.dirname, "../../fixtures/findings/generic/seed-routing-payload.json"),
  "utf8",
);
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
        sourceContext: batch[0].context,
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

  it("accepts the design's seed routing payload verbatim, keeping the attack path text and every context key", () => {
    const seed = JSON.parse(seedText);
    const r = parseFindings(seed, ctx);
    expect(r.format).toBe("generic");
    expect(r.rejected).toEqual([]);
    expect(r.findings).toEqual([
      {
        source: { tool: "generic", format: "generic", findingId: "cspm-aws-s3-042" },
        rule: { nativeId: "unspecified", catalogId: null },
        title: "s3 finding cspm-aws-s3-042",
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
        firstSeen: "2023-10-27T10:00:00Z",
        context: {
          internetReachable: true,
          dataSensitivity: ["PII"],
          attackPath: true,
          attackPathText: "Internet -> EC2 (Instance Profile) -> S3:GetObject",
          ownerTeam: "data-platform",
          remediationUrl: "https://docs.internal.com/security/s3-encryption-guide",
          remediationText: undefined,
          ticketProject: "DATAPLAT",
          sourceContext: {
            is_internet_reachable: true,
            contains_pii: true,
            attack_path_detected: "Internet -> EC2 (Instance Profile) -> S3:GetObject",
            owner_team: "data-platform",
            jira_project: "DATAPLAT",
            remediation_steps: "https://docs.internal.com/security/s3-encryption-guide",
          },
        },
        raw: seed,
      },
    ]);
    expect(FindingSchema.safeParse(r.findings[0]).success).toBe(true);
  });

  it("keeps unknown keys anywhere in the record instead of rejecting it", () => {
    const seed = JSON.parse(seedText);
    const doc = {
      ...seed,
      cloud: "aws",
      context: { ...seed.context, business_unit: "retail", exposure: { ports: [443] } },
      metadata: { ...seed.metadata, scanner_version: "4.2" },
    };
    const r = parseFindings(doc, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings[0]!.context.sourceContext).toMatchObject({
      cloud: "aws",
      "metadata.scanner_version": "4.2",
      business_unit: "retail",
      exposure: { ports: [443] },
      jira_project: "DATAPLAT",
    });
  });

  it("reads remediation_steps as a link only when it is an https URL", () => {
    const seed = JSON.parse(seedText);
    const withSteps = (steps: string) =>
      parseFindings({ ...seed, context: { ...seed.context, remediation_steps: steps } }, ctx).findings[0]!
        .context;
    expect(withSteps("http://docs.internal.com/guide")).toMatchObject({
      remediationUrl: undefined,
      remediationText: "http://docs.internal.com/guide",
    });
    expect(withSteps("javascript:alert(1)")).toMatchObject({ remediationUrl: undefined });
    expect(withSteps("https://user:pw@docs.internal.com/x")).toMatchObject({ remediationUrl: undefined });
    expect(withSteps("Turn on default encryption (SSE-KMS)")).toMatchObject({
      remediationUrl: undefined,
      remediationText: "Turn on default encryption (SSE-KMS)",
    });
  });

  it("takes attack_path_detected as a flag or as the path's text", () => {
    const seed = JSON.parse(seedText);
    const withPath = (path: unknown) =>
      parseFindings({ ...seed, context: { ...seed.context, attack_path_detected: path } }, ctx);
    expect(withPath(false).findings[0]!.context).toMatchObject({
      attackPath: false,
      attackPathText: undefined,
    });
    expect(withPath("").findings[0]!.context).toMatchObject({
      attackPath: undefined,
      attackPathText: undefined,
    });
    expect(withPath(3).rejected).toEqual([
      {
        index: 0,
        path: "$.context.attack_path_detected",
        reason: "expected a boolean or the attack path as text, received number",
      },
    ]);
  });

  it("reads status case-insensitively and names the accepted values for any other", () => {
    const seed = JSON.parse(seedText);
    expect(parseFindings({ ...seed, status: "Resolved" }, ctx).findings[0]!.status).toBe("resolved");
    expect(parseFindings({ ...seed, status: "SUPPRESSED" }, ctx).findings[0]!.status).toBe("suppressed");
    expect(parseFindings({ ...seed, status: "fixed" }, ctx).rejected).toEqual([
      {
        index: 0,
        path: "$.status",
        reason: 'unknown status "fixed" (expected open, failed, passed, resolved or suppressed)',
      },
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
