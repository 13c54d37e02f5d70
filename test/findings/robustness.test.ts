// The bad records that crashed ingest before (the CLI with a stack trace, the API with a 500), each in
// a real sample: the record is rejected with its index, path and reason, and the rest go through.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFindings } from "../../src/findings/registry.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";
import { deeplyNested } from "./fuzz.ts";

const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
// biome-ignore lint/suspicious/noExplicitAny: the samples are mutated by path
const sample = (path: string): any =>
  JSON.parse(readFileSync(new URL(`../../fixtures/findings/${path}`, import.meta.url), "utf8"));

describe("one bad record never costs the document", () => {
  it("a SARIF rule whose helpUri is a number rejects the results of that rule, at the rule's path", () => {
    const doc = sample("sarif/checkov-duplicates.sarif");
    const before = parseFindings(doc, ctx);
    doc.runs[0].tool.driver.rules[1].helpUri = 42;
    const after = parseFindings(doc, ctx);
    // Results 1 and 3 use rule 1 (CKV2_AWS_5); 0 and 2 use rule 0 and are untouched.
    expect(after.rejected).toEqual(
      [1, 3].map((index) => ({
        index,
        path: "$.runs[0].tool.driver.rules[1].helpUri",
        reason: "rule CKV2_AWS_5: Invalid input: expected string, received number",
      })),
    );
    expect(after.findings).toEqual([before.findings[0], before.findings[2]]);
  });

  it("a SARIF rule whose defaultConfiguration.level is an object rejects its results", () => {
    const doc = sample("sarif/kics-e2e-cli-079.sarif");
    expect(parseFindings(doc, ctx).findings).toHaveLength(2);
    doc.runs[0].tool.driver.rules[0].defaultConfiguration.level = { text: "error" };
    const after = parseFindings(doc, ctx);
    expect(after.findings).toEqual([]);
    expect(after.rejected).toEqual(
      [0, 1].map((index) => ({
        index,
        path: "$.runs[0].tool.driver.rules[0].defaultConfiguration.level",
        reason: "rule 20f14e1a-a899-4e79-9f09-b6a84cd4649b: Invalid input: expected string, received object",
      })),
    );
  });

  it("a record nested 100,000 levels deep is rejected at the depth limit, the others are read", () => {
    const doc = sample("generic/cspm-batch.json");
    const before = parseFindings(doc, ctx);
    doc[0].context.remediation_steps = deeplyNested(100_000, "array");
    const after = parseFindings(doc, ctx);
    expect(after.rejected[0]).toEqual({
      index: 0,
      path: `$[0].context.remediation_steps${"[0]".repeat(62)}`,
      reason: "the record is nested more than 64 levels deep",
    });
    expect(after.rejected.slice(1)).toEqual(before.rejected);
    expect(after.findings).toEqual(before.findings.slice(1));
    // What is kept can be stored and printed (JSON.stringify recurses).
    expect(() => JSON.stringify(after)).not.toThrow();
  });

  it("a Prowler OCSF time no Date can hold rejects that record with the reason", () => {
    const doc = sample("ocsf/prowler_one_vuln.ocsf.json");
    doc[0].finding_info.created_time = 1.5e308;
    delete doc[0].finding_info.created_time_dt;
    const after = parseFindings(doc, ctx);
    expect(after.findings).toEqual([]);
    expect(after.rejected).toEqual([
      { index: 0, path: "$[0]", reason: "timestamp 1.5e+308 is not a representable date" },
    ]);
  });

  it("a Prisma alert whose lastSeen no Date can hold is rejected, not a crash", () => {
    const doc = sample("prisma/alert_raw.json");
    doc.lastSeen = 9e15;
    const after = parseFindings(doc, ctx);
    expect(after.findings).toEqual([]);
    expect(after.rejected).toEqual([
      { index: 0, path: "$", reason: "timestamp 9000000000000000 is not a representable date" },
    ]);
  });
});
