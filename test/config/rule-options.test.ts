import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../../src/config/repo-config.ts";
import { configuredRules, RULES } from "../../src/rules/registry.ts";

describe("rules.options in .github/fixloop.yml", () => {
  it("is off by default, and the catalog is then the plain one", () => {
    expect(DEFAULT_REPO_CONFIG.rules.options).toEqual({ "aws-s3-encryption": { requireKms: false } });
    expect(configuredRules(DEFAULT_REPO_CONFIG.rules.options)).toBe(RULES);
  });

  it("accepts requireKms and swaps in the configured aws-s3-encryption, same ids and order", () => {
    const r = parseRepoConfig({ rules: { options: { "aws-s3-encryption": { requireKms: true } } } });
    expect(r.ok && r.config.rules.options).toEqual({ "aws-s3-encryption": { requireKms: true } });
    const rules = r.ok ? configuredRules(r.config.rules.options) : [];
    expect(rules.map((x) => x.id)).toEqual(RULES.map((x) => x.id));
    expect(rules.find((x) => x.id === "aws-s3-encryption")).not.toBe(
      RULES.find((x) => x.id === "aws-s3-encryption"),
    );
  });

  it("names the key of a wrong value or an unknown option", () => {
    const bad = parseRepoConfig({
      rules: { options: { "aws-s3-encryption": { requireKms: "yes" }, "aws-kms-rotation": {} } },
    });
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual([
      "rules.options.aws-s3-encryption.requireKms",
      "rules.options.aws-kms-rotation",
    ]);
  });
});
