// Shared fixture suite for a rule. Fixtures live in fixtures/rules/<rule-id>/{positive,negative}/;
// a `# expect: <rule-id>` comment marks each line where the rule must report (add `unfixable`
// when the rule must decline to fix it). Checked for every rule:
//  - positives are reported exactly at the marked files and lines, negatives are clean;
//  - fixing the positives makes the rule silent on re-scan (bar the unfixable ones);
//  - negatives are untouched byte for byte; the diff of the fix is a committed snapshot.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { unifiedDiff } from "../../src/hcl/unified-diff.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { judgesModuleCalls, withModuleCalls } from "../../src/rules/modules/calls.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { detectionId, type Rule } from "../../src/rules/types.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures/rules");

interface Expectation {
  file: string;
  line: number;
  unfixable: boolean;
}

function expectations(sources: Array<{ path: string; text: string }>, ruleId: string): Expectation[] {
  const out: Expectation[] = [];
  const marker = new RegExp(`#\\s*expect:\\s*${ruleId}(\\s+unfixable)?\\b`);
  for (const { path, text } of sources) {
    text.split(/\r?\n/).forEach((line, i) => {
      const m = marker.exec(line);
      if (m) out.push({ file: path, line: i + 1, unfixable: Boolean(m[1]) });
    });
  }
  return out;
}

export function ruleFixtureSuite(bare: Rule): void {
  // The catalog's rules also judge calls of the registry modules (fixtures/rules/*/…/module-call).
  const rule = judgesModuleCalls(bare) ? bare : withModuleCalls(bare);
  describe(`rule ${rule.id}`, () => {
    it("reports every positive at the marked file and line", async () => {
      const sources = await readTerraformTree(join(FIXTURES, rule.id, "positive"));
      const index = buildIndex(sources);
      expect(index.errors).toEqual([]);
      const found = scanIndex(index, [rule]).map((d) => `${d.resource.file}:${d.line}`);
      const wanted = expectations(sources, rule.id).map((e) => `${e.file}:${e.line}`);
      expect(wanted.length).toBeGreaterThan(0);
      expect(found.sort()).toEqual(wanted.sort());
    });

    it("is silent on the negatives and leaves them byte for byte", async () => {
      const sources = await readTerraformTree(join(FIXTURES, rule.id, "negative"));
      const index = buildIndex(sources);
      expect(index.errors).toEqual([]);
      const detections = scanIndex(index, [rule]);
      expect(detections.map((d) => `${d.resource.file}:${d.line} ${d.message}`)).toEqual([]);
      const run = await fixDetections(sources, detections, [rule]);
      expect(run.files.size).toBe(0);
    });

    it("fixes the positives so that a re-scan is silent, with the expected diff", async () => {
      const sources = await readTerraformTree(join(FIXTURES, rule.id, "positive"));
      const detections = scanIndex(buildIndex(sources), [rule]);
      const run = await fixDetections(sources, detections, [rule]);
      const unfixable = new Set(
        expectations(sources, rule.id)
          .filter((e) => e.unfixable)
          .map((e) => `${e.file}:${e.line}`),
      );
      for (const o of run.outcomes) {
        const where = `${o.detection.resource.file}:${o.detection.line}`;
        if (unfixable.has(where)) expect(o.status, `${where} ${o.reason}`).toBe("skipped");
        else expect(o.status, `${where} ${o.reason}`).toBe("fixed");
      }
      const patched = sources.map((s) => ({ path: s.path, text: run.files.get(s.path)?.after ?? s.text }));
      for (const [path, f] of run.files) if (f.before === "") patched.push({ path, text: f.after });
      const after = buildIndex(patched);
      expect(after.errors).toEqual([]);
      // Lines move when a patch adds lines, so what remains is compared by finding id.
      const declined = detections
        .filter((d) => unfixable.has(`${d.resource.file}:${d.line}`))
        .map(detectionId);
      const remaining = scanIndex(after, [rule]).map(detectionId);
      expect(remaining.sort()).toEqual(declined.sort());

      const diff = [...run.files]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([path, f]) => unifiedDiff(path, f.before, f.after, 2))
        .join("");
      await expect(diff).toMatchFileSnapshot(join(FIXTURES, rule.id, "fix.diff"));
    });
  });
}
