import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings/model.ts";
import { ruleById } from "../../src/rules/registry.ts";
import { confidence } from "../../src/triage/confidence.ts";
import { DEFAULT_TRIAGE_CONFIG as config, TriageConfigSchema } from "../../src/triage/config.ts";
import { dedupeKey } from "../../src/triage/dedupe.ts";
import { decideGate } from "../../src/triage/gate.ts";
import { trueRisk } from "../../src/triage/risk.ts";
import { slaDueDate } from "../../src/triage/sla.ts";

function finding(over: Partial<Finding> = {}): Finding {
  return {
    source: { tool: "securityhub", format: "asff", findingId: "f1" },
    rule: { nativeId: "S3.8", catalogId: "aws-s3-public-access-block" },
    title: "S3 general purpose buckets should block public access",
    severity: { native: "HIGH", normalized: "high" },
    resource: { arn: "arn:aws:s3:::prod-customer-data-backups", cloud: "aws", account: "123456789012" },
    status: "failed",
    context: { dataSensitivity: [] },
    raw: {},
    ...over,
  };
}

describe("True Risk", () => {
  it("multiplies severity by every known context factor and explains it in one sentence", () => {
    const risk = trueRisk(
      finding({
        context: { internetReachable: true, dataSensitivity: ["PII"], attackPath: true, environment: "prod" },
      }),
      config,
    );
    // 45 × 1.5 × 1.4 × 1.5 × 1.25 = 177 → capped at 100
    expect(risk.score).toBe(100);
    expect(risk.tier).toBe("critical");
    expect(risk.explanation).toBe(
      "Critical risk (100/100): high severity × internet reachable × PII × on an attack path × prod.",
    );
    expect(risk.factors.map((f) => [f.name, f.weight])).toEqual([
      ["severity", 45],
      ["internet", 1.5],
      ["data", 1.4],
      ["attackPath", 1.5],
      ["environment", 1.25],
    ]);
  });

  it("lowers internal, non-production findings and leaves unknown factors neutral", () => {
    expect(
      trueRisk(
        finding({ context: { internetReachable: false, dataSensitivity: [], environment: "dev" } }),
        config,
      ),
    ).toMatchObject({
      score: 19, // 45 × 0.7 × 0.6
      tier: "low",
    });
    expect(trueRisk(finding(), config)).toMatchObject({ score: 45, tier: "medium" });
  });

  it("takes weights and thresholds from configuration", () => {
    const custom = TriageConfigSchema.parse({ severityPoints: { high: 70 }, tiers: { high: 65 } });
    expect(trueRisk(finding(), custom)).toMatchObject({ score: 70, tier: "high" });
  });
});

describe("confidence and gates", () => {
  it("is high for a scanner finding located by file and line with a deterministic fix", () => {
    const c = confidence(
      finding({ source: { tool: "checkov", format: "checkov", findingId: "x" } }),
      "file-line",
      true,
    );
    expect(c.value).toBe(0.95);
    expect(c.reasons).toEqual([
      "checkov findings are highly reliable (0.95)",
      "the scanner named the file and line",
      "the fix is deterministic",
    ]);
  });

  it("records low risk only, opens a PR above the threshold, and waits for approval when it should", () => {
    const low = trueRisk(finding({ severity: { native: "LOW", normalized: "low" } }), config);
    const high = trueRisk(finding({ context: { internetReachable: true, dataSensitivity: [] } }), config);
    const critical = trueRisk(
      finding({ context: { internetReachable: true, dataSensitivity: ["PII"], attackPath: true } }),
      config,
    );
    const sure = confidence(finding(), "address", true);
    const unsure = confidence(
      finding({ source: { tool: "generic", format: "generic", findingId: "g" } }),
      "module-input",
      false,
    );
    const fix = { fixable: true, disruptive: false };
    expect(decideGate(low, sure, fix, config)).toEqual({
      gate: "record_only",
      reason: "risk 15 is below the PR threshold 35",
    });
    expect(decideGate(high, sure, fix, config).gate).toBe("pr");
    expect(decideGate(critical, sure, { fixable: true, disruptive: true }, config)).toEqual({
      gate: "pr_after_approval",
      reason:
        "critical risk and the fix is disruptive — the fix replaces a resource or closes access someone may rely on; a human approves first",
    });
    // The same sentence the CLI prints when it skips the fix without --allow-disruptive.
    const rds = ruleById("aws-rds-encryption")!;
    expect(
      decideGate(critical, sure, { fixable: true, disruptive: true, impact: rds.impact }, config),
    ).toEqual({
      gate: "pr_after_approval",
      reason:
        "critical risk and the fix is disruptive — FORCES REPLACEMENT of the DB instance: storage_encrypted cannot change in place, so Terraform destroys the instance and creates a new, EMPTY encrypted one; a human approves first",
    });
    expect(decideGate(high, unsure, fix, config).gate).toBe("pr_after_approval");
    expect(decideGate(high, sure, { fixable: false, disruptive: false }, config).gate).toBe("record_only");
  });
});

describe("SLA and dedupe", () => {
  it("sets the due date per tier from the detection time", () => {
    expect(slaDueDate("critical", "2026-11-02T08:15:00Z", config)).toBe("2026-11-04T08:15:00.000Z");
    expect(slaDueDate("low", "2026-11-02T08:15:00Z", config)).toBe("2027-01-31T08:15:00.000Z");
    expect(() => slaDueDate("high", "yesterday", config)).toThrow('not an ISO 8601 date: "yesterday"');
  });

  it("gives the same bucket and control the same key across Wiz and Security Hub", () => {
    const hub = finding();
    const wiz = finding({
      source: { tool: "wiz", format: "wiz", findingId: "9f2c…" },
      rule: { nativeId: "wc-id-1234", catalogId: "aws-s3-public-access-block" },
      resource: {
        id: "arn:aws:s3:::prod-customer-data-backups",
        cloud: "aws",
        name: "prod-customer-data-backups",
      },
    });
    expect(dedupeKey(wiz)).toBe(dedupeKey(hub));
    expect(dedupeKey(finding({ rule: { nativeId: "S3.5", catalogId: null } }))).not.toBe(dedupeKey(hub));
    expect(dedupeKey(hub)).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe("environment", () => {
  it("comes from the finding, else a resource tag, else the account mapping", () => {
    const cfg = TriageConfigSchema.parse({
      accountEnvironments: { "123456789012": "prod", "210987654321": "dev" },
    });
    const byTag = trueRisk(
      finding({ resource: { arn: "arn:aws:s3:::b", tags: { Env: "staging" }, account: "123456789012" } }),
      cfg,
    );
    expect(byTag.factors.find((f) => f.name === "environment")).toEqual({
      name: "environment",
      value: "staging",
      weight: 0.6,
    });
    const byAccount = trueRisk(finding(), cfg);
    expect(byAccount.factors.find((f) => f.name === "environment")).toEqual({
      name: "environment",
      value: "prod",
      weight: 1.25,
    });
    expect(byAccount.score).toBe(56); // 45 × 1.25
    expect(trueRisk(finding(), config).factors.map((f) => f.name)).toEqual(["severity"]);
  });
});
