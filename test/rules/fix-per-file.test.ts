// The fix engine verifies each changed file once with all of its fixes (issue 19): the texts it
// writes and every per-finding outcome must be those of verifying one fix at a time, and a fix
// whose change cannot be verified must not take the other fixes of its file down with it.

import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";

// Counts the parses of whole files (the verification's own), not of the snippets a rule writes.
const fileParses = vi.hoisted(() => ({ count: 0 }));
vi.mock("@cdktf/hcl2json", async (importOriginal) => {
  const real = await importOriginal<typeof import("@cdktf/hcl2json")>();
  return {
    ...real,
    parse: (name: string, text: string) => {
      if (name !== "snippet.tf") fileParses.count++;
      return real.parse(name, text);
    },
  };
});

const { attribute } = await import("../../src/hcl/ast.ts");
const { buildIndex } = await import("../../src/hcl/index.ts");
const { readTerraformTree } = await import("../../src/hcl/load.ts");
const { fixDetections } = await import("../../src/rules/fix.ts");
const { RULES, ruleById } = await import("../../src/rules/registry.ts");
const { scanIndex } = await import("../../src/rules/scan.ts");
type Rule = import("../../src/rules/types.ts").Rule;
type SourceFile = import("../../src/hcl/index.ts").SourceFile;

const ROOT = join(import.meta.dirname, "../..");

async function bothWays(sources: SourceFile[], rules: readonly Rule[]) {
  const index = buildIndex(sources);
  const detections = scanIndex(index, rules);
  const perFix = await fixDetections(sources, detections, rules, index, undefined, { verify: "per-fix" });
  const perFile = await fixDetections(sources, detections, rules, index, undefined, { verify: "per-file" });
  return { detections, perFix, perFile };
}

describe("fix pass verified once per file", () => {
  it.each([
    ["fixtures/rules", 100],
    ["examples", 10],
    ["fixtures/corpus", 1],
  ])(
    "writes the same texts and outcomes as one fix at a time on %s",
    async (dir, atLeast) => {
      const sources = await readTerraformTree(join(ROOT, dir));
      const { detections, perFix, perFile } = await bothWays(sources, RULES);
      expect(detections.length).toBeGreaterThanOrEqual(atLeast);
      expect(perFile.outcomes.filter((o) => o.status === "fixed").length).toBeGreaterThanOrEqual(atLeast);
      expect(perFile.outcomes).toEqual(perFix.outcomes);
      expect([...perFile.files]).toEqual([...perFix.files]);
    },
    120_000,
  );

  it("parses a file with three fixes twice (original and final), not once per fix", async () => {
    // Unique text: the parser results of earlier tests are memoized by text.
    const text = `# ${Date.now()}\nresource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n\nresource "aws_kms_key" "a" {\n  description = "a"\n}\n\nresource "aws_kms_key" "b" {\n  description = "b"\n}\n\nresource "aws_kms_key" "c" {\n  description = "c"\n}\n`;
    const rules = [ruleById("aws-kms-rotation")!];
    const sources = [{ path: "main.tf", text }];
    const index = buildIndex(sources);
    const detections = scanIndex(index, rules);
    expect(detections).toHaveLength(3);
    fileParses.count = 0;
    const run = await fixDetections(sources, detections, rules, index);
    expect(run.outcomes.map((o) => o.status)).toEqual(["fixed", "fixed", "fixed"]);
    expect(fileParses.count).toBe(2);
    expect(run.files.get("main.tf")!.after).toContain(
      'resource "aws_kms_key" "c" {\n  description         = "c"\n  enable_key_rotation = true\n}',
    );
  });

  it("refuses only the fix whose change does not verify, and fixes the others of its file", async () => {
    const rotation = ruleById("aws-kms-rotation")!;
    // A fix that writes one more attribute than it says: the combined check of the file fails, so
    // the file's fixes are verified again one by one.
    const sneaky: Rule = {
      ...rotation,
      id: "test-sneaky",
      detect: (ctx) =>
        ctx.index.resources
          .filter((r) => r.name === "b" && !attribute(r.block.body, "deletion_window_in_days"))
          .map((r) => ({ ruleId: "test-sneaky", resource: r, key: "", line: r.line, message: "sneaky" })),
      fix: (d) => ({
        kind: "edits",
        summary: "set deletion_window_in_days",
        files: [
          {
            file: d.resource.file,
            ops: [
              {
                kind: "set",
                block: d.resource.block,
                name: "deletion_window_in_days",
                value: "7\n  bypass_policy_lockout_safety_check = false",
              },
            ],
          },
        ],
      }),
    };
    const text = `resource "aws_kms_key" "a" {\n  description = "a"\n}\n\nresource "aws_kms_key" "b" {\n  description = "b"\n}\n\nresource "aws_kms_key" "c" {\n  description = "c"\n}\n`;
    const sources = [{ path: "main.tf", text }];
    const { perFix, perFile } = await bothWays(sources, [rotation, sneaky]);
    expect(perFile.outcomes.map((o) => [o.detection.ruleId, o.detection.resource.name, o.status])).toEqual([
      ["aws-kms-rotation", "a", "fixed"],
      ["aws-kms-rotation", "b", "fixed"],
      ["test-sneaky", "b", "refused"],
      ["aws-kms-rotation", "c", "fixed"],
    ]);
    expect(perFile.outcomes[2]!.reason).toBe(
      "main.tf: the patch changes more than intended (at resource.aws_kms_key.b.0.bypass_policy_lockout_safety_check)",
    );
    expect(perFile.outcomes).toEqual(perFix.outcomes);
    expect(perFile.files).toEqual(perFix.files);
  });
});
