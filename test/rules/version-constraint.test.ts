// Provider version constraints come from untrusted repositories: reading them must be linear.
import { describe, expect, it } from "vitest";
import { majorOf, readVersionConstraint } from "../../src/rules/attribute-shared.ts";

describe("version constraints", () => {
  it.each([
    ["~> 2.46", 2],
    ["= 2.99.0", 2],
    [">= 2.0, < 3.0", 2],
    ["v3.1", 3],
    ["~> 2", undefined],
    [">= 2.0", undefined],
    ["latest", undefined],
  ])("%s pins major %s", (constraint, major) => expect(majorOf(constraint)).toBe(major));

  it("reads operator, major, minor and patch", () => {
    expect(readVersionConstraint("  ~>  v4.12.1-beta")).toEqual({
      op: "~>",
      major: 4,
      minor: "12",
      patch: "1",
    });
    expect(readVersionConstraint("3")).toEqual({ op: "=", major: 3 });
    expect(readVersionConstraint(">= x")).toBeUndefined();
  });

  it("reads 200,000 spaces in linear time (the regular expression was quadratic: about 30 s)", () => {
    const started = performance.now();
    expect(majorOf(`${" ".repeat(200_000)}x`)).toBeUndefined();
    expect(majorOf(`>=${" ".repeat(100_000)},${" ".repeat(100_000)}<`)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(200);
  });
});
