import { describe, expect, it } from "vitest";
import { asBool } from "../../src/rules/helpers.ts";

describe("asBool: a value as Terraform reads it for a bool argument", () => {
  it("converts the strings go-cty converts, and only those", () => {
    expect([true, "true", "1"].map(asBool)).toEqual([true, true, true]);
    expect([false, "false", "0"].map(asBool)).toEqual([false, false, false]);
    // Terraform rejects these ("a bool is required; to convert from string, use lowercase"), and
    // has no number-to-bool conversion.
    expect(["True", "FALSE", "yes", "", 1, 0, null, [], {}, undefined].map(asBool)).toEqual(
      Array(10).fill(undefined),
    );
  });
});
