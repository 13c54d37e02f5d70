// Module sources and file text are untrusted: trimming them is linear, with the old regexes' results.
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { withoutSubdirectory, withoutTrailingSlashes } from "../../src/hcl/module-source.ts";

describe("module source helpers", () => {
  it.each([
    ["terraform-aws-modules/s3-bucket/aws//modules/notification", "terraform-aws-modules/s3-bucket/aws"],
    ["git::https://example.com/x.git//sub", "git::https:"],
    ["./modules/x", "./modules/x"],
    ["a//b\nc//d", "a//b\nc"],
    ["a//b\n", "a//b\n"],
  ])("%j without its subdirectory is %j, as /\\/\\/.*$/ gave", (source, expected) => {
    expect(withoutSubdirectory(source)).toBe(expected);
    expect(source.replace(/\/\/.*$/, "")).toBe(expected);
  });

  it("trims trailing slashes", () => {
    expect(withoutTrailingSlashes("./modules/x///")).toBe("./modules/x");
    expect(withoutTrailingSlashes("///")).toBe("");
  });

  it("handles long runs in linear time (the regexes were quadratic: 40,000 slashes took over a second)", () => {
    const slashes = `./${"/".repeat(200_000)}x`;
    const started = performance.now();
    expect(withoutTrailingSlashes(slashes)).toBe(slashes);
    expect(withoutSubdirectory(`${"//".repeat(100_000)}\nx`)).toBe(`${"//".repeat(100_000)}\nx`);
    const index = buildIndex([{ path: "main.tf", text: `module "m" {\n  source = "${slashes}"\n}\n` }]);
    expect(index.calls.map((c) => c.name)).toEqual(["m"]);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
