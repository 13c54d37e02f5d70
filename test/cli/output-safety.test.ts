// Text from a repository or a finding reaches the terminal shown, never obeyed: ANSI escape
// sequences, other controls, bidi controls and invisible characters come out as <U+XXXX>, in every
// output format, and a line break inside a field cannot forge a line of output.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

async function run(args: string[], cwd = process.cwd()) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env: {},
  });
  return { code, stdout, stderr };
}

// A resource label that clears the screen and reverses the rest of the line, a comment that sets
// the terminal title and hides a zero-width space, a value with a right-to-left override.
const HOSTILE_TF = [
  'resource "aws_kms_key" "orders\u202Eevil\u001b[2J" {',
  "  # note \u200B hidden \u001b]0;pwned\u0007",
  '  description = "orders\u202E data"',
  "}",
  "",
].join("\n");

const ADDRESS = "aws_kms_key.orders<U+202E>evil<U+001B>[2J";

/** Raw characters of the kinds injected here, found in an output (line breaks and tabs are layout). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

function raw(text: string): string[] {
  return text.match(RAW) ?? [];
}

function repo(text = HOSTILE_TF): string {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-out-"));
  writeFileSync(join(dir, "kms.tf"), text);
  return dir;
}

describe("fixloop scan shows hostile text", () => {
  it("as text", async () => {
    const r = await run(["scan", repo(), "--rule", "aws-kms-rotation"]);
    expect(r.stdout).toBe(
      `kms.tf:1  medium   aws-kms-rotation  ${ADDRESS}\n    ${ADDRESS} does not enable key rotation (enable_key_rotation is unset, default false)\n\n1 finding in 1 file (1 medium).\n`,
    );
  });

  it("as JSON that still parses", async () => {
    const r = await run(["scan", repo(), "--rule", "aws-kms-rotation", "--format", "json"]);
    expect(raw(r.stdout)).toEqual([]);
    // C0 controls are JSON-escaped (\u001b) by JSON.stringify; the rest is shown.
    expect(JSON.parse(r.stdout).findings[0].resource.address).toBe("aws_kms_key.orders<U+202E>evil\u001b[2J");
  });

  it("as SARIF that still parses", async () => {
    const r = await run(["scan", repo(), "--rule", "aws-kms-rotation", "--format", "sarif"]);
    expect(raw(r.stdout)).toEqual([]);
    expect(JSON.parse(r.stdout).runs[0].results[0].locations[0].logicalLocations[0].name).toBe(
      "aws_kms_key.orders<U+202E>evil\u001b[2J",
    );
  });
});

describe("fixloop fix shows hostile text", () => {
  it("in the status lines and in the diff, keeping the diff's lines", async () => {
    const dir = repo();
    const r = await run(["fix", "--allow-disruptive", dir, "--dry-run"]);
    expect(r.stdout).toBe(
      [
        `fixed   aws-kms-rotation  ${ADDRESS} (kms.tf:1): set enable_key_rotation = true`,
        "    impact: AWS rotates the key material yearly; existing ciphertext stays decryptable, nothing is re-encrypted.",
        "",
        "--- a/kms.tf",
        "+++ b/kms.tf",
        "@@ -1,4 +1,5 @@",
        ' resource "aws_kms_key" "orders<U+202E>evil<U+001B>[2J" {',
        "   # note <U+200B> hidden <U+001B>]0;pwned<U+0007>",
        '-  description = "orders<U+202E> data"',
        '+  description         = "orders<U+202E> data"',
        "+  enable_key_rotation = true",
        " }",
        "",
        "1 fixed, 0 skipped, 0 refused. Dry run: nothing written.",
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(dir, "kms.tf"), "utf8")).toBe(HOSTILE_TF);
  });

  it("as JSON that still parses", async () => {
    const r = await run(["fix", "--allow-disruptive", repo(), "--dry-run", "--format", "json"]);
    expect(raw(r.stdout)).toEqual([]);
    expect(JSON.parse(r.stdout).results[0].diff).toContain('"orders<U+202E> data"');
  });
});

describe("fixloop ingest shows hostile text", () => {
  it("one line per field, whatever the finding carries", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-out-"));
    const file = join(dir, "hostile.json");
    writeFileSync(
      file,
      JSON.stringify({
        finding_id: "f-1",
        resource_arn: "arn:aws:s3:::exports\u202E",
        severity: "high",
        rule_id: "S3.8\nfixed   everything is fine\u001b[1A",
        title: "public bucket",
      }),
    );
    const r = await run(["ingest", file]);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toContain("S3.8<U+000A>fixed   everything is fine<U+001B>[1A");
    expect(lines[0]).toContain("arn:aws:s3:::exports<U+202E>");
    expect(lines.some((l) => l.startsWith("fixed"))).toBe(false);
    expect(raw(r.stdout)).toEqual([]);
  });
});

describe("errors show hostile text", () => {
  it("in an unknown command's name", async () => {
    const r = await run(["\u001b[2Jscan\u202E"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe('fixloop: unknown command "<U+001B>[2Jscan<U+202E>"');
  });

  it("in a file name that cannot be parsed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-out-"));
    writeFileSync(join(dir, "evil\u202Efx.tf"), "resource {\n");
    const r = await run(["scan", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("/evil<U+202E>fx.tf:");
    expect(raw(r.stderr)).toEqual([]);
  });
});
