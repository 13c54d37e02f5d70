// Deep nesting is a syntax error at the level that goes too deep, never a stack overflow: one hostile
// file must be reported like any other unparseable file while every other file is still indexed.
import { describe, expect, it } from "vitest";
import { HclSyntaxError, MAX_NESTING } from "../../src/hcl/errors.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { parseHcl } from "../../src/hcl/parser.ts";

const DEEP = 5000; // far past the ~1,000 levels that overflowed the stack before the limit

/** One construct nested `n` deep, with the line:column of the level that goes past MAX_NESTING. */
const constructs: Array<[string, (n: number) => string, string]> = [
  ["brackets", (n) => `a = ${"[".repeat(n)}1${"]".repeat(n)}\n`, "1:133"],
  ["parentheses", (n) => `a = ${"(".repeat(n)}1${")".repeat(n)}\n`, "1:133"],
  ["object braces", (n) => `a = ${"{x = ".repeat(n)}1${"}".repeat(n)}\n`, "1:645"],
  ["function calls", (n) => `a = ${"f(".repeat(n)}1${")".repeat(n)}\n`, "1:261"],
  ["index brackets", (n) => `a = x${"[x".repeat(n)}${"]".repeat(n)}\n`, "1:261"],
  ["conditionals", (n) => `a = ${"x ? 1 : ".repeat(n)}2\n`, "1:1025"],
  ["unary operators", (n) => `a = ${"!".repeat(n)}true\n`, "1:132"],
  ["blocks", (n) => `${"b {\n".repeat(n)}${"}\n".repeat(n)}`, "129:3"],
  ["${ interpolations", (n) => `a = ${'"${'.repeat(n)}1${'}"'.repeat(n)}\n`, "1:390"],
  ["%{ directives", (n) => `a = ${'"%{if '.repeat(n)}x${'}y%{endif}"'.repeat(n)}\n`, "1:774"],
];

describe("nesting depth", () => {
  it("is limited to 128 levels", () => expect(MAX_NESTING).toBe(128));

  for (const [name, make, at] of constructs) {
    it(`${DEEP} nested ${name} are a syntax error naming file:line:column, not a stack overflow`, () => {
      const text = make(DEEP);
      let error: unknown;
      try {
        parseHcl("deep.tf", text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HclSyntaxError);
      expect((error as Error).message).toBe(`deep.tf:${at}: nesting deeper than 128`);
    });
  }

  it("accepts 100 levels of every construct (real code stays far below)", () => {
    for (const [name, make] of constructs) {
      expect(() => parseHcl("ok.tf", make(100)), name).not.toThrow();
    }
  });

  it("stays inside the stack at the limit with blocks, expressions and interpolations combined", () => {
    const blocks = 100;
    const inner = `a = ${"[".repeat(20)}${'"${'.repeat(MAX_NESTING)}1${'}"'.repeat(MAX_NESTING)}${"]".repeat(20)}\n`;
    const text = `${"b {\n".repeat(blocks)}${inner}${"}\n".repeat(blocks)}`;
    expect(() => parseHcl("mix.tf", text)).toThrow(/^mix\.tf:101:\d+: nesting deeper than 128$/);
  });

  it("one hostile file is reported with the others still indexed", () => {
    const index = buildIndex([
      { path: "deep.tf", text: constructs[2]![1](DEEP) },
      { path: "main.tf", text: 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n' },
    ]);
    expect(index.errors.map((e) => e.message)).toEqual(["deep.tf:1:645: nesting deeper than 128"]);
    expect(index.resources.map((r) => r.address)).toEqual(["aws_s3_bucket.logs"]);
  });
});
