// bin/fixloop.js runs a scan of a large tree in a worker thread whose heap starts large enough
// (issue 19). What the user sees must not depend on it: the same stdout, stderr and exit code as a
// scan run inline, for findings, a file that does not parse, and every output format.

import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = join(realpathSync(process.cwd()), "bin/fixloop.js");

function cli(args: string[], cwd: string, workerFiles: number) {
  try {
    const stdout = execFileSync(process.execPath, [bin, ...args], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FIXLOOP_DEBUG: "", FIXLOOP_SCAN_WORKER_FILES: String(workerFiles) },
    });
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("fixloop scan in a worker (large trees)", () => {
  const repo = mkdtempSync(join(tmpdir(), "fixloop-scan-worker-"));
  cpSync(join(process.cwd(), "examples/terragoat"), repo, { recursive: true });
  writeFileSync(join(repo, "broken.tf"), 'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n');

  it.each([["text"], ["json"], ["sarif"]])(
    "--format %s: the same output and exit code",
    (format) => {
      const args = ["scan", ".", "--format", format];
      const inWorker = cli(args, repo, 1);
      const inline = cli(args, repo, 1_000_000);
      expect(inline.code).toBe(2); // findings, and a file skipped
      expect(inline.stderr).toMatch(/^error: \.\/broken\.tf:2:12: expected an expression/);
      expect(inline.stdout.length).toBeGreaterThan(5_000);
      expect(inWorker).toEqual(inline);
    },
    60_000,
  );

  it("a missing directory is one line and exit 2 either way", () => {
    const inWorker = cli(["scan", "nope"], repo, 1);
    expect(inWorker.code).toBe(2);
    expect(inWorker.stderr).toBe(cli(["scan", "nope"], repo, 1_000_000).stderr);
  }, 60_000);
});
