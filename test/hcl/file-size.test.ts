// One file may cost only so much: past MAX_FILE_BYTES it is skipped with a reason, like a file
// that does not parse, and the rest of the tree is read as usual.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildIndex, MAX_FILE_BYTES } from "../../src/hcl/index.ts";
import { indexTree, readTerraformTree } from "../../src/hcl/load.ts";

const BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n';
/** A file of interpolations just over the limit: 50 MB of these exhausted the process's memory. */
const huge = () => {
  const line = `x = "${"${a}".repeat(200)}"\n`;
  return `locals {\n${line.repeat(Math.ceil(MAX_FILE_BYTES / line.length) + 1)}}\n`;
};

describe("file size limit", () => {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-size-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is 4 MB", () => expect(MAX_FILE_BYTES).toBe(4 * 1024 * 1024));

  it("skips a larger file on disk without reading it, and indexes the others", async () => {
    const text = huge();
    writeFileSync(join(dir, "generated.tf"), text);
    writeFileSync(join(dir, "main.tf"), BUCKET);
    const sources = await readTerraformTree(dir);
    expect(sources.find((s) => s.path === "generated.tf")).toEqual({
      path: "generated.tf",
      text: "",
      skipped: `skipped: larger than 4 MB (${Buffer.byteLength(text)} bytes)`,
    });
    const index = await indexTree(dir);
    expect(index.errors.map((e) => e.message)).toEqual([
      `generated.tf:1:1: skipped: larger than 4 MB (${Buffer.byteLength(text)} bytes)`,
    ]);
    expect(index.resources.map((r) => r.address)).toEqual(["aws_s3_bucket.logs"]);
  });

  it("skips a larger text handed to the index directly (a repository snapshot, a test)", () => {
    const index = buildIndex([{ path: "a/big.tf", text: huge() }]);
    expect(index.errors.map((e) => e.reason)).toEqual([
      expect.stringMatching(/^skipped: larger than 4 MB \(\d+ bytes\)$/),
    ]);
    expect(index.files.size).toBe(0);
  });
});
