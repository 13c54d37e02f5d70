// The CLI answers like the tools people know: --help per command from the one flag table,
// --version, "did you mean" for a typo, and the README's usage block is the table's.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { usageLines } from "../../src/cli/options.ts";
import { COMMAND_SPECS } from "../../src/cli/spec.ts";

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

const repoRoot = join(import.meta.dirname, "../..");

describe("fixloop --help", () => {
  it.each(COMMAND_SPECS.map((s) => [s.name, s] as const))(
    "fixloop %s --help shows usage, every flag with meaning and default, and an example",
    async (name, spec) => {
      const r = await run([name, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout.startsWith(`Usage:\n  fixloop ${name} ${spec.forms[0]}\n`)).toBe(true);
      for (const [flag, f] of Object.entries(spec.flags)) {
        const line = r.stdout
          .split("\n")
          .find((l) => l.trimStart().startsWith(`--${flag} `) || l.trim() === `--${flag}`);
        expect(line, `--${flag}`).toBeDefined();
        expect(line).toContain(f.help);
        if (f.default) expect(line).toContain(`[default: ${f.default}]`);
      }
      expect(r.stdout).toContain(`Examples:\n  ${spec.examples[0]}\n`);
    },
  );

  it("-h works anywhere on the line and never runs the command", async () => {
    const r = await run(["findings", "--data-dir", "/nonexistent/x", "-h"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("fixloop findings [--state STATE]");
  });

  it("the top-level help lists every command form, plain fix --findings included", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    for (const line of usageLines()) expect(r.stdout).toContain(`  ${line}\n`);
    expect(r.stdout).toContain("--findings FILE... [--findings-format auto|NAME] [--triage-config FILE]");
  });

  it("the README's usage block is the one the flag table prints", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const block = /## Usage\n\n```\n([\s\S]*?)```\n/.exec(readme)?.[1];
    expect(block).toBe(`${usageLines().join("\n")}\n`);
  });

  it("fixloop --version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    const r = await run(["--version"]);
    expect(r).toEqual({ code: 0, stdout: `fixloop ${version}\n`, stderr: "" });
  });

  it.each([
    [
      ["rules", "--formt", "json"],
      "fixloop rules: unknown option --formt (did you mean --format?); see `fixloop rules --help`\n",
    ],
    [
      ["ingest", "x.json", "--stor"],
      "fixloop ingest: unknown option --stor (did you mean --store?); see `fixloop ingest --help`\n",
    ],
    [
      ["findings", "--data_dir=x"],
      "fixloop findings: unknown option --data_dir (did you mean --data-dir?); see `fixloop findings --help`\n",
    ],
    [["findings", "stray"], 'fixloop findings: unexpected argument "stray"; see `fixloop findings --help`\n'],
    [
      ["findings", "--state", "open"],
      `fixloop findings: --state must be one of new, triaged, recorded_only, awaiting_approval, fixing, pr_open, merged, verifying, resolved, reopened, unlocatable, unfixable, false_positive_pending, suppressed, excepted, closed_unmerged, awaiting_exception (got "open")\n`,
    ],
    [["scna", "."], 'fixloop: unknown command "scna" (did you mean scan?)\n'],
  ])("%j → one line naming the nearest flag", async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(message)).toBe(true);
    expect(r.stdout).toBe("");
  });
});

describe("fixloop scan dirA dirB", () => {
  const KMS = 'resource "aws_kms_key" "k" {\n  description = "x"\n}\n';
  it("scans both directories and names each file under its directory", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "fixloop-scan2-"));
    for (const d of ["a", "b"]) {
      const dir = join(cwd, d);
      mkdirSync(dir);
      writeFileSync(join(dir, "kms.tf"), KMS);
    }
    const r = await run(["scan", "a", "b", "--rule", "aws-kms-rotation", "--format", "json"], cwd);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(
      out.findings.map(
        (f: { file: string; resource: { address: string } }) => `${f.file} ${f.resource.address}`,
      ),
    ).toEqual(["a/kms.tf aws_kms_key.k", "b/kms.tf aws_kms_key.k"]);
    const text = await run(["scan", "a", "b", "--rule", "aws-kms-rotation"], cwd);
    expect(text.stdout).toContain("a/kms.tf:1");
    expect(text.stdout).toContain("b/kms.tf:1");
    expect(text.stdout).toContain("2 findings in 2 files");
  });
});
