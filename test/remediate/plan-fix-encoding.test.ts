// The app reads a repository's files from its git checkout as UTF-8, lossily: bytes that are not
// UTF-8 (a Latin-1 comment, say) become U+FFFD. Writing such a text back would change those bytes
// on lines the fix does not touch, so the app never edits such a file; the plan says why.
// Finding: fixtures/findings/asff/afsbp-s3.8.json (real).

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

// "Propriété de l'équipe" written in Latin-1, as the app's lossy UTF-8 read gives it back.
const latin1Comment = new TextDecoder("utf-8").decode(
  Buffer.from("# Propri\xe9t\xe9 de l'\xe9quipe\n", "latin1"),
);
const bucket = `resource "aws_s3_bucket" "example" {\n  bucket = "example"\n}\n`;

describe("planFix on a file that is not valid UTF-8", () => {
  const triaged = () => triageFinding(finding!, DEFAULT_TRIAGE_CONFIG, new Date("2026-12-01T00:00:00Z"));

  it("makes no patch and says why", async () => {
    expect(latin1Comment).toContain("\uFFFD");
    const sources = [{ path: "s3.tf", text: `${latin1Comment}${bucket}` }];
    const plan = await planFix(sources, buildIndex(sources), triaged());
    expect(plan.kind).toBe("no-patch");
    if (plan.kind !== "no-patch") return;
    expect(plan.reason).toContain(
      "s3.tf is not valid UTF-8 (bytes that could not be read show as U+FFFD): rewriting it would change bytes on lines the fix does not touch, so fixloop does not edit it",
    );
  });

  it("patches the same file when it is valid UTF-8", async () => {
    const sources = [{ path: "s3.tf", text: `# Propriété de l'équipe\n${bucket}` }];
    expect((await planFix(sources, buildIndex(sources), triaged())).kind).toBe("patch");
  });
});
