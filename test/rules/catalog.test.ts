// The catalog as a whole: ids are unique, every alias is the one researched from the scanners'
// own sources (docs/research/rule-aliases.md), every rule has fixtures and a test, and lookups by
// alias work the way `--rule` promises.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modulesFor } from "../../src/rules/modules/registry.ts";
import { RULES, resolveRuleId } from "../../src/rules/registry.ts";
import { ALIAS_TOOLS } from "../../src/rules/types.ts";

const ROOT = join(import.meta.dirname, "../..");
const research = (() => {
  const md = readFileSync(join(ROOT, "docs/research/rule-aliases.md"), "utf8");
  return JSON.parse(/```json\n([\s\S]*?)```/.exec(md)![1]!) as Record<string, Record<string, string[]>>;
})();

describe("rule catalog", () => {
  it("has unique ids in kebab-case", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^(aws|azure|gcp)-[a-z0-9-]+$/);
  });

  it("covers exactly the researched rules, with the researched aliases", () => {
    expect(RULES.map((r) => r.id).sort()).toEqual(Object.keys(research).sort());
    for (const rule of RULES) {
      for (const tool of ALIAS_TOOLS) {
        expect([...rule.aliases[tool]].sort(), `${rule.id} ${tool}`).toEqual(
          [...(research[rule.id]?.[tool] ?? [])].sort(),
        );
      }
    }
  });

  it("gives every rule a rationale, impact notes, fixtures and a test file", () => {
    for (const rule of RULES) {
      expect(rule.rationale.length, rule.id).toBeGreaterThan(20);
      expect(rule.impact.length, rule.id).toBeGreaterThan(0);
      expect(existsSync(join(ROOT, "fixtures/rules", rule.id, "positive")), rule.id).toBe(true);
      expect(existsSync(join(ROOT, "fixtures/rules", rule.id, "negative")), rule.id).toBe(true);
      expect(existsSync(join(ROOT, "test/rules", `${rule.id}.test.ts`)), rule.id).toBe(true);
    }
  });

  it("marks detect-only rules with the reason, and only those", () => {
    const detectOnly = RULES.filter((r) => r.fixable !== true).map((r) => r.id);
    expect(detectOnly).toEqual(["aws-iam-wildcard-policy"]);
  });

  it.each([
    ["CKV_AWS_53", "aws-s3-public-access-block"],
    ["avd-aws-0086", "aws-s3-public-access-block"],
    ["AWS-0086", "aws-s3-public-access-block"],
    ["aws-s3-block-public-acls", "aws-s3-public-access-block"],
    ["S3.8", "aws-s3-public-access-block"],
    ["s3_bucket_level_public_access_block", "aws-s3-public-access-block"],
    ["EC2.13", "aws-sg-open-admin-ports"],
    ["CKV_AZURE_10", "azure-nsg-open-admin-ports"],
  ])("resolves the alias %s to %s", (alias, id) => {
    expect(resolveRuleId(alias)?.id).toBe(id);
  });

  it("never gives one alias to two rules", () => {
    const owner = new Map<string, string>();
    for (const rule of RULES) {
      for (const tool of ALIAS_TOOLS) {
        for (const alias of rule.aliases[tool]) {
          const key = alias.toLowerCase().replace(/^avd-/, "");
          expect(owner.get(key) ?? rule.id, `${alias}`).toBe(rule.id);
          owner.set(key, rule.id);
        }
      }
    }
  });

  it("lists every rule in the README with its title and the modules it understands", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const rule of RULES) {
      const mods = modulesFor(rule.id)
        .map((m) => `\`${m}\``)
        .join(", ");
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${rule.id}\` — `));
      expect(row?.split(" | ").slice(0, 1), rule.id).toEqual([`| \`${rule.id}\` — ${rule.title}`]);
      expect(row?.split(" | ")[3], rule.id).toBe(mods || "—");
    }
  });

  it("lists every rule in the README", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const rule of RULES) expect(readme, rule.id).toContain(`\`${rule.id}\``);
  });
});
