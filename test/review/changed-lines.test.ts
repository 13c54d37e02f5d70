// Reading GitHub's per-file patch: which head lines change, and which blocks they fall in.

import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { changedLines, touchedAddresses } from "../../src/review/changed-lines.ts";

const TEXT = [
  'resource "aws_s3_bucket" "a" {', // 1
  '  bucket = "a"', // 2
  "}", // 3
  "", // 4
  'resource "aws_s3_bucket" "b" {', // 5
  '  bucket = "b"', // 6
  "}", // 7
].join("\n");
const resources = buildIndex([{ path: "main.tf", text: TEXT }]).resources;

describe("changed lines of a patch", () => {
  it("counts added lines at their head position and deletions where they were", () => {
    const patch = '@@ -1,3 +1,3 @@\n resource "aws_s3_bucket" "a" {\n-  bucket = "x"\n+  bucket = "a"\n }';
    expect(changedLines(patch)).toEqual({ added: [2], deletedAt: [2] });
    expect([...touchedAddresses(resources, "main.tf", changedLines(patch)!)]).toEqual(["aws_s3_bucket.a"]);
  });

  it("a deletion inside the second block touches only it", () => {
    const patch =
      '@@ -5,4 +5,3 @@\n resource "aws_s3_bucket" "b" {\n   bucket = "b"\n-  acl = "public-read"\n }';
    expect([...touchedAddresses(resources, "main.tf", changedLines(patch)!)]).toEqual(["aws_s3_bucket.b"]);
  });

  it("is null for text that is not a unified diff (the whole file then counts as touched)", () => {
    expect(changedLines("Binary files differ")).toBeNull();
  });
});
