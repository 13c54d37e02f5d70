import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prismaParser } from "../../src/findings/parsers/prisma.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");
const load = (name: string) => JSON.parse(readFileSync(join(root, "prisma", name), "utf8"));

// Inline, ABRIDGED from demisto/content Packs/PrismaCloud/Integrations/RedLock/test_data/example_alert.json
// @ 030ad11471a067e58aae2eb04941953b32a890ec (a real POST /v2/alert page): the alert's own fields are copied,
// policy.description, complianceMetadata (≈60 KB), labels and the page's sort metadata are left out.
const PAGE = {
  totalRows: 157,
  items: [
    {
      id: "P-4021",
      status: "open",
      reason: "POLICY_UPDATED",
      firstSeen: 1633066794812,
      lastSeen: 1633066794812,
      alertTime: 1633066794812,
      policyId: "36a5345a-230d-438e-a04c-a287a513e3dc",
      policy: {
        policyId: "36a5345a-230d-438e-a04c-a287a513e3dc",
        name: "AWS CloudTrail is not enabled with multi trail and not capturing all management events",
        policyType: "config",
        systemDefault: true,
        severity: "low",
        recommendation:
          "Refer to the following link to create/update the trail:\nhttps://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html",
        remediable: false,
      },
      alertRules: [],
      history: [],
      resource: {
        id: "376492444671",
        name: "376492444671",
        account: "francescoShadowRemediation",
        accountId: "376492444671",
        cloudAccountGroups: ["francesco-luigi"],
        region: "global",
        regionId: "global",
        resourceType: "PSEUDO_RESOURCE",
        resourceApiName: "account-agg-entity",
        data: {},
        additionalInfo: {},
        cloudType: "aws",
        resourceTs: 1605091832578,
      },
    },
  ],
};

// Inline: no real webhook notification is public. Field names as Prisma Cloud documents its webhook payload
// (and as SIEM parsers for "source": "Prisma Cloud" read it); values invented.
const webhook = (over: object = {}) => ({
  alertId: "P-900001",
  policyId: "a9f2c3d4-0000-4000-8000-000000000001",
  policyName: "AWS S3 bucket publicly readable",
  severity: "high",
  policyType: "config",
  resourceId: "arn:aws:s3:::team-exports",
  resourceName: "team-exports",
  resourceType: "S3_BUCKET",
  resourceRegionId: "us-east-1",
  resourceRegion: "AWS Virginia",
  accountId: "123456789012",
  accountName: "prod",
  cloudType: "aws",
  alertTs: 1700000000000,
  alertRuleName: "default",
  callbackUrl: "https://app.prismacloud.io/alerts?filters=alert.id=P-900001",
  source: "Prisma Cloud",
  ...over,
});

describe("prisma parser", () => {
  it("detects the real alert sample and the alert-list and webhook shapes", () => {
    expect(prismaParser.detect(load("alert_raw.json"))).toBe(true);
    expect(prismaParser.detect(PAGE)).toBe(true);
    expect(prismaParser.detect([webhook()])).toBe(true);
  });

  it("does not claim the other formats' samples", () => {
    for (const dir of readdirSync(root).filter((d) => d !== "prisma")) {
      for (const file of readdirSync(join(root, dir)).filter((f) => /\.(json|sarif)$/.test(f))) {
        const doc = JSON.parse(readFileSync(join(root, dir, file), "utf8"));
        expect(prismaParser.detect(doc), `${dir}/${file}`).toBe(false);
      }
    }
  });

  it("rejects the real alert that carries no policy severity, instead of guessing one", () => {
    expect(prismaParser.parse(load("alert_raw.json"), ctx)).toEqual({
      findings: [],
      rejected: [
        {
          index: 0,
          path: "$.policy.severity",
          reason: "the alert carries no policy severity, so it cannot be rated",
        },
      ],
    });
  });

  it("normalizes the same real alert once it has a severity (one field added)", () => {
    const doc = load("alert_raw.json");
    const withSeverity = { ...doc, policy: { ...doc.policy, severity: "medium" } };
    const [f] = prismaParser.parse(withSeverity, ctx).findings;
    expect(f).toEqual({
      source: { tool: "prisma", format: "prisma", findingId: "P-1496074" },
      rule: { nativeId: "c29d7ea0-3913-4635-85bd-c4e68aab0ba1", catalogId: null },
      title: "Prisma Cloud policy c29d7ea0-3913-4635-85bd-c4e68aab0ba1",
      severity: { native: "medium", normalized: "medium" },
      resource: {
        id: "1",
        name: "vm-series-demo",
        type: "INSTANCE",
        cloud: "gcp",
        account: "gcp-demo1",
        region: "us-central1",
      },
      status: "resolved",
      firstSeen: "2022-11-18T11:12:14.085Z",
      lastSeen: "2022-11-19T11:04:54.492Z",
      context: { dataSensitivity: [] },
      raw: withSeverity,
    });
  });

  it("normalizes an alert-list page (inline, abridged from a real one)", () => {
    const r = prismaParser.parse(PAGE, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.findings).toEqual([
      {
        source: { tool: "prisma", format: "prisma", findingId: "P-4021" },
        rule: { nativeId: "36a5345a-230d-438e-a04c-a287a513e3dc", catalogId: null },
        title: "AWS CloudTrail is not enabled with multi trail and not capturing all management events",
        severity: { native: "low", normalized: "low" },
        resource: {
          id: "376492444671",
          name: "376492444671",
          type: "PSEUDO_RESOURCE",
          cloud: "aws",
          account: "376492444671",
          region: "global",
        },
        status: "failed",
        firstSeen: "2021-10-01T05:39:54.812Z",
        lastSeen: "2021-10-01T05:39:54.812Z",
        context: { dataSensitivity: [], remediationText: PAGE.items[0]!.policy.recommendation },
        raw: PAGE.items[0],
      },
    ]);
  });

  it("normalizes webhook notifications (inline) and rejects broken ones with index, path and reason", () => {
    const r = prismaParser.parse(
      [
        webhook(),
        webhook({ severity: "urgent" }),
        webhook({ alertId: "P-900002", status: "dismissed" }),
        webhook({ policyId: 7 }),
        webhook({ alertId: "P-900003", status: "resolved", cloudType: "alibaba_cloud" }),
        webhook({ status: "archived" }),
      ],
      ctx,
    );
    expect(r.rejected).toEqual([
      {
        index: 1,
        path: "$[1].severity",
        reason: 'unknown severity "urgent" (expected critical, high, medium, low or informational)',
      },
      { index: 3, path: "$[3].policyId", reason: expect.stringMatching(/expected string/i) },
      {
        index: 5,
        path: "$[5].status",
        reason:
          'unknown alert status "archived" (expected open, resolved, dismissed, snoozed or pending_resolution)',
      },
    ]);
    expect(r.findings.map((f) => [f.source.findingId, f.status, f.resource.cloud])).toEqual([
      ["P-900001", "failed", "aws"],
      ["P-900002", "suppressed", "aws"],
      ["P-900003", "resolved", undefined],
    ]);
    expect(r.findings[0]).toMatchObject({
      title: "AWS S3 bucket publicly readable",
      severity: { native: "high", normalized: "high" },
      resource: {
        arn: "arn:aws:s3:::team-exports",
        name: "team-exports",
        type: "S3_BUCKET",
        account: "123456789012",
        region: "us-east-1",
      },
      firstSeen: "2023-11-14T22:13:20.000Z",
    });
  });

  it("keeps a security group's VPC and id from the resource's configuration data", () => {
    // The alert's `resource` object is demisto/content
    // Packs/PrismaCloud/Integrations/PrismaCloudV2/test_data/input_data.py `full_alert["resource"]`
    // `full_alert` (a Python dict there: True/False written as JSON true/false here), abridged to
    // the keys fixloop reads (@ 6ec4274d639d76972ebf9ca207abe806a9838cfc, MIT).
    const alert = {
      id: "P-11111",
      status: "open",
      firstSeen: 1557254018605,
      lastSeen: 1668017403014,
      alertTime: 1668017403014,
      policy: { policyId: "a11b2cc3-1111-2222-33aa-a1b23ccc4dd5", name: "Policy name", severity: "high" },
      resource: {
        rrn: "rrn::name:place:111:a1b2:a%3Ajj55-2023-01-29-09-25",
        id: "ab-11a2b3n4m",
        name: "default",
        accountId: "111111111111",
        regionId: "us-east-1",
        resourceType: "SECURITY_GROUP",
        cloudType: "aws",
        data: {
          tags: [],
          vpcId: "vpc-1a2b",
          region: "us-east-1",
          groupId: "ab-11a2b3n4m",
          ownerId: "222222222222",
          isShared: false,
          groupName: "default",
          description: "default VPC security group",
        },
      },
    };
    const [f] = prismaParser.parse(alert, ctx).findings;
    expect(f!.resource).toEqual({
      id: "ab-11a2b3n4m",
      name: "default",
      type: "SECURITY_GROUP",
      cloud: "aws",
      account: "111111111111",
      region: "us-east-1",
      // groupName and groupId are the resource's name and id already.
      identifiers: [{ kind: "vpc", value: "vpc-1a2b", from: "resource.data.vpcId" }],
    });
  });

  it("reads empty reports as no findings (inline: no real empty report is public)", () => {
    expect(prismaParser.detect({ totalRows: 0, items: [] })).toBe(true);
    expect(prismaParser.parse({ totalRows: 0, items: [] }, ctx)).toEqual({ findings: [], rejected: [] });
    expect(prismaParser.parse([], ctx)).toEqual({ findings: [], rejected: [] });
  });

  it("never throws in detect and ignores look-alikes", () => {
    for (const doc of [null, 1, "x", [], {}, { items: [] }, { id: "x", policy: {} }, [{ alertId: "P-1" }]]) {
      expect(prismaParser.detect(doc)).toBe(false);
    }
  });
});
