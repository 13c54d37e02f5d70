// An unreadable file is handled like an unparseable one: reported, the rest scanned, exit 2.
// Tests run as root here, where chmod cannot make a file unreadable, so the read fails by mock.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";

vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const readFile = (path: unknown, ...rest: unknown[]) =>
    String(path).endsWith("locked.tf")
      ? Promise.reject(Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }))
      : (fs.readFile as (...a: unknown[]) => Promise<unknown>)(path, ...rest);
  return { ...fs, readFile, default: { ...fs, readFile } };
});

// The CLI reads the tree with blocking calls (src/hcl/load.ts, `sync`): the open fails there too.
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const openSync = (path: unknown, ...rest: unknown[]) => {
    if (String(path).endsWith("locked.tf"))
      throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    return (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
  };
  return { ...fs, openSync, default: { ...fs, openSync } };
});

const { main } = await import("../../src/cli/main.ts");

async function run(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
  });
  return { code, stdout, stderr };
}

describe("fixloop scan with an unreadable file", () => {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-unreadable-"));
  writeFileSync(join(dir, "kms.tf"), 'resource "aws_kms_key" "k" {\n  description = "x"\n}\n');
  writeFileSync(join(dir, "locked.tf"), "");
  writeFileSync(join(dir, "broken.tf"), 'resource "aws_kms_key" "x" {\n  description = \n}\n');

  it("reports it and the unparseable one, scans the rest, exits 2", async () => {
    const r = await run(["scan", ".", "--rule", "aws-kms-rotation"], dir);
    expect(r.stderr).toBe(
      "error: ./broken.tf:2:17: expected an expression, found a newline (file skipped; fix the syntax and re-run)\n" +
        "error: ./locked.tf: cannot read file (EACCES) (file skipped)\n",
    );
    expect(r.stdout).toContain("kms.tf:1  medium   aws-kms-rotation  aws_kms_key.k");
    expect(r.code).toBe(2);
  });

  it("lists both under errors in the JSON output", async () => {
    const r = await run(["scan", ".", "--format", "json", "--rule", "aws-kms-rotation"], dir);
    expect(JSON.parse(r.stdout).errors).toEqual([
      { file: "broken.tf", line: 2, column: 17, message: "expected an expression, found a newline" },
      { file: "locked.tf", line: null, column: null, message: "cannot read file (EACCES)" },
    ]);
    expect(r.code).toBe(2);
  });

  it("fix names it, fixes the files it could read, never writes the unread one, and exits 2", async () => {
    const r = await run(["fix", ".", "--dry-run", "--rule", "aws-kms-rotation"], dir);
    expect(r.stderr).toContain("error: ./locked.tf: cannot read file (EACCES) (file skipped)\n");
    expect(r.stdout).toContain("+++ b/kms.tf");
    expect(r.stdout).not.toContain("locked.tf");
    expect(r.code).toBe(2);
  });
});
