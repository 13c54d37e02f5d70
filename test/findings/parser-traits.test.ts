// What verification reads about a source from its parser's entry: whether it re-scans the cloud
// (its later reports are runtime evidence) and how people name its tools in verification comments.

import { describe, expect, it } from "vitest";
import { PARSERS, rescansCloud, sourceDisplayName } from "../../src/findings/registry.ts";
import { sourceName } from "../../src/verify/verification-text.ts";

describe("parser traits", () => {
  it("the CSPM formats re-scan the cloud; the IaC scanners and SARIF read code", () => {
    const rescanning = PARSERS.filter((p) => p.rescansCloud).map((p) => p.id);
    expect(rescanning.sort()).toEqual(["asff", "ocsf", "prisma", "wiz"]);
    expect(rescansCloud("checkov")).toBe(false);
    expect(rescansCloud("no-such-format")).toBe(false);
  });

  it.each([
    ["securityhub", "Security Hub"],
    ["SecurityHub", "Security Hub"],
    ["config", "AWS Config"],
    ["prowler", "Prowler"],
    ["wiz", "Wiz"],
    ["prisma", "Prisma Cloud"],
    ["checkov", "Checkov"],
    ["trivy", "Trivy"],
    ["tfsec", "tfsec"],
    ["kics", "KICS"],
    ["github-code-scanning", "GitHub code scanning"],
    ["github-checks", "GitHub checks"],
    ["fixloop", "fixloop"],
    ["semgrep", "semgrep"],
    ["constructor", "constructor"],
  ])("%s is named %s in verification comments", (tool, name) => {
    expect(sourceName(tool)).toBe(name);
  });

  it("no two parsers name the same tool", () => {
    const tools = PARSERS.flatMap((p) => Object.keys(p.sourceNames));
    expect(new Set(tools).size).toBe(tools.length);
    expect(sourceDisplayName("toString")).toBeUndefined();
  });
});
