// A finding located on a detection the team suppressed in code gets no patch (so no PR): the plan
// says it is suppressed, where, and why — the text the tracking issue carries.
// Finding: fixtures/findings/asff/afsbp-s3.8.json (real). Comment syntax: Trivy "Filtering › By
// Inline Comments" (`#trivy:ignore:<id>` on the line above the resource).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { asffParser } from "../../src/findings/parsers/asff.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { triageFinding } from "../../src/ingest/triage-finding.ts";
import { planFix } from "../../src/remediate/plan-fix.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../../src/triage/config.ts";

const doc = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/findings/asff/afsbp-s3.8.json"), "utf8"),
);
const [finding] = asffParser.parse(doc, { catalogIdFor: (id) => resolveRuleId(id)?.id ?? null }).findings;

const text = `resource "aws_s3_bucket" "example" {
  bucket = "example"
}

#trivy:ignore:AVD-AWS-0086 public downloads bucket, approved in SEC-142
resource "aws_s3_bucket_public_access_block" "example" {
  bucket = aws_s3_bucket.example.id

  block_public_acls       = false
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`;

describe("planFix on a suppressed detection", () => {
  it("opens nothing and says the finding is suppressed in code", async () => {
    const sources = [{ path: "s3.tf", text }];
    const triaged = triageFinding(finding!, DEFAULT_TRIAGE_CONFIG, new Date("2026-12-01T00:00:00Z"));
    const plan = await planFix(sources, buildIndex(sources), triaged);
    expect(plan.kind).toBe("no-patch");
    if (plan.kind !== "no-patch") return;
    expect(plan.result.status).toBe("suppressed");
    expect(plan.reason).toBe(
      "aws-s3-public-access-block is suppressed by #trivy:ignore:AVD-AWS-0086 public downloads bucket, approved in SEC-142 (s3.tf:5); reason: public downloads bucket, approved in SEC-142; no expiry",
    );
  });

  it("fixes it as before once the comment is gone", async () => {
    const sources = [{ path: "s3.tf", text: text.replace(/#trivy:ignore.*\n/, "") }];
    const triaged = triageFinding(finding!, DEFAULT_TRIAGE_CONFIG, new Date("2026-12-01T00:00:00Z"));
    expect((await planFix(sources, buildIndex(sources), triaged)).kind).toBe("patch");
  });
});
