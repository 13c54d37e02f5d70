import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

const S3 = `resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}
`;

describe("fixloop scan/fix --require-kms", () => {
  it("a bucket without encryption configuration is clean by default, a finding with --require-kms", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-kms-"));
    writeFileSync(join(dir, "s3.tf"), S3);
    const plain = await run(["scan", dir, "--rule", "aws-s3-encryption"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe("No findings in 1 Terraform file.\n");

    const kms = await run(["scan", dir, "--rule", "CKV_AWS_19", "--require-kms"]);
    expect(kms.code).toBe(1);
    expect(kms.stdout).toBe(
      [
        "s3.tf:1  medium   aws-s3-encryption  aws_s3_bucket.uploads",
        "    aws_s3_bucket.uploads has no default encryption configuration, so S3 applies SSE-S3 (AES256); this repository requires SSE-KMS (aws:kms)",
        "",
        "1 finding in 1 file (1 medium).",
        "",
      ].join("\n"),
    );
  });

  it("fix --require-kms writes the SSE-KMS configuration", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-kms-"));
    writeFileSync(join(dir, "s3.tf"), S3);
    const r = await run(["fix", dir, "--rule", "aws-s3-encryption", "--require-kms", "--format", "json"]);
    const json = JSON.parse(r.stdout);
    expect(json.results.map((x: { status: string }) => x.status)).toEqual(["fixed"]);
    expect(json.results[0].diff).toContain('+      sse_algorithm = "aws:kms"');
  });
});
