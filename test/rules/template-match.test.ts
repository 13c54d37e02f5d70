import { describe, expect, it } from "vitest";
import { matchesTemplate } from "../../src/rules/template-match.ts";

describe("matchesTemplate", () => {
  it.each([
    [["acme-", null], "acme-1", true],
    [["acme-", null], "acme-", true],
    [["acme-", null], "acm", false],
    [[null, "-logs"], "prod-logs", true],
    [[null, "-logs"], "prod-log", false],
    [["a", null, "b", null, "c"], "abc", true],
    [["a", null, "b", null, "c"], "axxbyyc", true],
    [["a", null, "b", null, "c"], "acb", false],
    [["ab", null, "ba"], "aba", false],
    [["ab", null, "ba"], "abba", true],
    [[null, "aab", null], "aaaab", true],
    [[null], "", true],
    [["x"], "x", true],
    [["x", "y"], "xy", true],
    [["x", null, null, "y"], "xzy", true],
  ] as Array<[Array<string | null>, string, boolean]>)("%j against %j is %s", (shape, text, expected) => {
    expect(matchesTemplate(shape, text)).toBe(expected);
  });

  it("answers in linear time on inputs that make a backtracking matcher explode", () => {
    const shape = [...Array.from({ length: 24 }, () => [null, "-"]).flat(), null, "end"];
    const near = "-".repeat(200_000);
    const nested = [null, ...Array.from({ length: 2_000 }, () => ["a".repeat(50), null]).flat(), "b"];
    const started = performance.now();
    expect(matchesTemplate(shape, near)).toBe(false);
    expect(matchesTemplate(nested, "a".repeat(200_000))).toBe(false);
    expect(matchesTemplate(shape, `${near}end`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
