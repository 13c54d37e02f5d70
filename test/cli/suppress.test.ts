import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: process.cwd(),
    now: () => new Date("2026-12-05T10:00:00Z"),
  });
  return { code, stdout, stderr };
}

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-suppress-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

// Syntax from the tools' docs: Trivy "Filtering" (inline `#trivy:ignore:<id>:exp:`), tfsec
// "Ignoring Checks" (`:exp:yyyy-mm-dd`).
const KMS = `#trivy:ignore:AVD-AWS-0065:exp:2026-12-31
resource "aws_kms_key" "new" {
  description = "y"
}

#tfsec:ignore:aws-kms-auto-rotate-keys:exp:2025-01-02
resource "aws_kms_key" "old" {
  description = "x"
}
`;

describe("fixloop scan with suppressions", () => {
  it("lists suppressed findings apart, says when a suppression expired, exits on the rest", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const r = await run(["scan", dir, "--rule", "aws-kms-rotation"]);
    expect(r.stdout).toBe(`kms.tf:7  medium   aws-kms-rotation  aws_kms_key.old
    aws_kms_key.old does not enable key rotation (enable_key_rotation is unset, default false)
    suppression expired on 2025-01-02: #tfsec:ignore:aws-kms-auto-rotate-keys:exp:2025-01-02 (kms.tf:6)

1 finding in 1 file (1 medium).

Suppressed in code (1, not fixed):
kms.tf:2  medium   aws-kms-rotation  aws_kms_key.new
    suppressed by #trivy:ignore:AVD-AWS-0065:exp:2026-12-31 (kms.tf:1); no reason given; until 2026-12-31
`);
    expect(r.code).toBe(1);
  });

  it("exits 0 when every finding is suppressed, and says who wrote the suppression in a git checkout", async () => {
    const dir = workdir({ "kms.tf": KMS.split("\n\n")[0]! });
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "Jane Doe",
          GIT_AUTHOR_EMAIL: "jane@example.com",
          GIT_AUTHOR_DATE: "2026-11-02T12:00:00Z",
          GIT_COMMITTER_NAME: "Jane Doe",
          GIT_COMMITTER_EMAIL: "jane@example.com",
        },
      });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "kms");
    const r = await run(["scan", dir, "--rule", "aws-kms-rotation", "--format", "json"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.findings).toEqual([]);
    expect(json.suppressed[0].status).toBe("suppressed");
    expect(json.suppressed[0].suppression).toEqual({
      syntax: "trivy:ignore",
      text: "#trivy:ignore:AVD-AWS-0065:exp:2026-12-31",
      file: "kms.tf",
      line: 1,
      reason: null,
      expires: "2026-12-31",
      author: "Jane Doe <jane@example.com>, 2026-11-02",
    });
  });

  it("SARIF carries suppressed results with inSource suppressions, and policy violations as results", async () => {
    const dir = workdir({
      "kms.tf": KMS,
      ".github/fixloop.yml": "suppressions:\n  requireReason: true\n  maxDays: 90\n",
    });
    const r = await run(["scan", dir, "--rule", "aws-kms-rotation", "--format", "sarif"]);
    const run0 = JSON.parse(r.stdout).runs[0];
    expect(run0.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual([
      "aws-kms-rotation",
      "suppression-without-reason",
    ]);
    const results = run0.results.map(
      (x: { ruleId: string; suppressions?: unknown; message: { text: string } }) => [
        x.ruleId,
        x.message.text,
        x.suppressions ?? null,
      ],
    );
    expect(results).toEqual([
      [
        "aws-kms-rotation",
        "aws_kms_key.old does not enable key rotation (enable_key_rotation is unset, default false) (suppression expired on 2025-01-02: #tfsec:ignore:aws-kms-auto-rotate-keys:exp:2025-01-02 (kms.tf:6))",
        null,
      ],
      [
        "aws-kms-rotation",
        "aws_kms_key.new does not enable key rotation (enable_key_rotation is unset, default false)",
        [
          {
            kind: "inSource",
            justification:
              "suppressed by #trivy:ignore:AVD-AWS-0065:exp:2026-12-31 (kms.tf:1); no reason given; until 2026-12-31",
          },
        ],
      ],
      [
        "suppression-without-reason",
        "trivy:ignore suppression gives no reason: #trivy:ignore:AVD-AWS-0065:exp:2026-12-31",
        null,
      ],
      [
        "suppression-without-reason",
        "tfsec:ignore suppression gives no reason: #tfsec:ignore:aws-kms-auto-rotate-keys:exp:2025-01-02",
        null,
      ],
    ]);
    expect(r.code).toBe(1);
  });
});

describe("fixloop fix with suppressions", () => {
  it("never fixes a suppressed detection and lists it as suppressed", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const r = await run(["fix", dir, "--rule", "aws-kms-rotation", "--dry-run"]);
    expect(r.stdout.split("\n").filter((l) => /^(fixed|suppressed)/.test(l))).toEqual([
      "fixed   aws-kms-rotation  aws_kms_key.old (kms.tf:7): set enable_key_rotation = true",
      "suppressed aws-kms-rotation  aws_kms_key.new (kms.tf:2): suppressed by #trivy:ignore:AVD-AWS-0065:exp:2026-12-31 (kms.tf:1); no reason given; until 2026-12-31",
    ]);
    expect(r.stdout).toContain(
      "1 fixed, 0 skipped, 0 refused, 1 suppressed in code. Dry run: nothing written.",
    );
    expect(r.stdout).not.toContain('resource "aws_kms_key" "new" {\n+');
    expect(r.code).toBe(0);
  });
});
