import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wizParser } from "../../src/findings/parsers/wiz.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const root = join(import.meta.dirname, "../../fixtures/findings");

// No real Wiz webhook payload is public (see fixtures/findings/wiz/SOURCES.md). TEMPLATE is Wiz's default issue
// webhook body copied verbatim from AxtonGrams/terraform-provider-wiz
// examples/resources/wiz_automation_rule_aws_sns/resource.tf @ 2df12eb1c41d371d09ca2544f1d936905e52634c.
const TEMPLATE = {
  trigger: {
    source: "{{triggerSource}}",
    type: "{{triggerType}}",
    ruleId: "{{ruleId}}",
    ruleName: "{{ruleName}}",
  },
  issue: {
    id: "{{issue.id}}",
    status: "{{issue.status}}",
    severity: "{{issue.severity}}",
    created: "{{issue.createdAt}}",
    projects: "{{#issue.projects}}{{name}}, {{/issue.projects}}",
  },
  resource: {
    id: "{{issue.entitySnapshot.providerId}}",
    name: "{{issue.entitySnapshot.name}}",
    type: "{{issue.entitySnapshot.nativeType}}",
    cloudPlatform: "{{issue.entitySnapshot.cloudPlatform}}",
    subscriptionId: "{{issue.entitySnapshot.subscriptionExternalId}}",
    subscriptionName: "{{issue.entitySnapshot.subscriptionName}}",
    region: "{{issue.entitySnapshot.region}}",
    status: "{{issue.entitySnapshot.status}}",
    cloudProviderURL: "{{issue.entitySnapshot.cloudProviderURL}}",
  },
  control: {
    id: "{{issue.control.id}}",
    name: "{{issue.control.name}}",
    description: "{{issue.control.description}}",
    severity: "{{issue.control.severity}}",
    sourceCloudConfigurationRuleId: "{{issue.control.sourceCloudConfigurationRule.shortId}}",
    sourceCloudConfigurationRuleName: "{{issue.control.sourceCloudConfigurationRule.name}}",
  },
};

// The same template with its placeholders filled in by hand (values invented for the test, shapes as the
// Wiz GraphQL schema documents them: uppercase enums, ISO 8601 createdAt, providerId = the cloud's own id).
const filled = (over: { issue?: object; resource?: object; control?: object } = {}) => ({
  trigger: { source: "ISSUES", type: "CREATED", ruleId: "rule-1", ruleName: "fixloop" },
  issue: {
    id: "issue-1",
    status: "OPEN",
    severity: "HIGH",
    created: "2024-05-02T09:30:00.000Z",
    projects: "Payments, ",
    ...over.issue,
  },
  resource: {
    id: "arn:aws:s3:::payments-exports",
    name: "payments-exports",
    type: "bucket",
    cloudPlatform: "AWS",
    subscriptionId: "123456789012",
    subscriptionName: "payments-prod",
    region: "eu-west-1",
    status: "Active",
    cloudProviderURL: "https://s3.console.aws.amazon.com/s3/buckets/payments-exports",
    ...over.resource,
  },
  control: {
    id: "wc-id-1",
    name: "Publicly exposed bucket",
    description: "The bucket allows public access.",
    severity: "HIGH",
    sourceCloudConfigurationRuleId: "S3-001",
    sourceCloudConfigurationRuleName: "S3 Bucket should block public access",
    ...over.control,
  },
});

describe("wiz parser", () => {
  it("detects the documented template shape, one payload or a list", () => {
    expect(wizParser.detect(TEMPLATE)).toBe(true);
    expect(wizParser.detect(filled())).toBe(true);
    expect(wizParser.detect([filled(), filled()])).toBe(true);
  });

  it("does not claim the other formats' samples", () => {
    for (const dir of readdirSync(root).filter((d) => d !== "wiz")) {
      for (const file of readdirSync(join(root, dir)).filter((f) => /\.(json|sarif)$/.test(f))) {
        const doc = JSON.parse(readFileSync(join(root, dir, file), "utf8"));
        expect(wizParser.detect(doc), `${dir}/${file}`).toBe(false);
      }
    }
  });

  it("normalizes an issue payload (inline, template filled by hand)", () => {
    const doc = filled();
    expect(wizParser.parse(doc, ctx)).toEqual({
      findings: [
        {
          source: { tool: "wiz", format: "wiz", findingId: "issue-1" },
          rule: { nativeId: "wc-id-1", catalogId: null },
          title: "Publicly exposed bucket",
          severity: { native: "HIGH", normalized: "high" },
          resource: {
            arn: "arn:aws:s3:::payments-exports",
            name: "payments-exports",
            type: "bucket",
            cloud: "aws",
            account: "123456789012",
            region: "eu-west-1",
          },
          status: "failed",
          firstSeen: "2024-05-02T09:30:00.000Z",
          context: { dataSensitivity: [] },
          raw: doc,
        },
      ],
      rejected: [],
    });
  });

  it("maps statuses, clouds and non-ARN provider ids; a catalog alias on the control maps", () => {
    const azureId =
      "/subscriptions/0000-1111/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/payments";
    const r = wizParser.parse(
      [
        filled({ issue: { status: "RESOLVED" } }),
        filled({ issue: { status: "IN_PROGRESS", severity: "INFORMATIONAL" } }),
        filled({
          resource: {
            id: azureId,
            cloudPlatform: "Azure",
            subscriptionId: "0000-1111",
            region: "westeurope",
          },
        }),
        filled({ control: { sourceCloudConfigurationRuleId: "S3.8" } }),
      ],
      ctx,
    );
    expect(r.rejected).toEqual([]);
    expect(r.findings.map((f) => f.status)).toEqual(["resolved", "failed", "failed", "failed"]);
    expect(r.findings[1]!.severity).toEqual({ native: "INFORMATIONAL", normalized: "info" });
    expect(r.findings[2]!.resource).toEqual({
      id: azureId,
      name: "payments-exports",
      type: "bucket",
      cloud: "azure",
      account: "0000-1111",
      region: "westeurope",
    });
    expect(r.findings[3]!.rule).toEqual({ nativeId: "wc-id-1", catalogId: "aws-s3-public-access-block" });
  });

  it("rejects the unrendered template and broken records with index, JSON path and reason", () => {
    const r = wizParser.parse(
      [
        TEMPLATE,
        filled(),
        filled({ issue: { status: "CLOSED" } }),
        { ...filled(), issue: { status: "OPEN", severity: "HIGH" } },
      ],
      ctx,
    );
    expect(r.rejected).toEqual([
      {
        index: 0,
        path: "$[0].issue.severity",
        reason:
          'unknown severity "{{issue.severity}}" (expected CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL)',
      },
      {
        index: 2,
        path: "$[2].issue.status",
        reason: 'unknown issue.status "CLOSED" (expected OPEN, IN_PROGRESS, RESOLVED or REJECTED)',
      },
      { index: 3, path: "$[3].issue.id", reason: expect.stringMatching(/expected string/i) },
    ]);
    expect(r.findings).toHaveLength(1);
  });

  it("reads an empty list as no findings", () => {
    expect(wizParser.parse([], ctx)).toEqual({ findings: [], rejected: [] });
  });

  it("never throws in detect and ignores look-alikes", () => {
    for (const doc of [null, 0, "x", [], {}, { issue: {} }, { control: {} }, [{ issue: "x", control: {} }]]) {
      expect(wizParser.detect(doc)).toBe(false);
    }
  });
});
