// A repository is untrusted: what a committed file can make `fixloop fix` and `scan` do. Every
// case here was possible on the code before this test (writes through links, bytes changed, a
// silently skipped first block, a stack trace instead of the other files' results).

import { execFileSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { openCheckout, writeInside, writeRefusal } from "../../src/cli/safe-write.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";

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

/** An open security group and no variable blocks: the fix declares its variable in variables.tf. */
const OPEN_SG = `resource "aws_security_group" "web" {
  name = "web"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`;

const KMS = `resource "aws_kms_key" "orders" {
  description = "orders data"
}
`;

/** A scratch directory holding `repo/` (the checkout) and `outside/` (anything else on the disk). */
function sandbox(files: Record<string, string | Buffer>) {
  const base = mkdtempSync(join(tmpdir(), "fixloop-hostile-"));
  const repo = join(base, "repo");
  const outside = join(base, "outside");
  mkdirSync(repo);
  mkdirSync(outside);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, name), text);
  return { base, repo, outside };
}

describe("fixloop fix never writes through a committed symlink", () => {
  it("refuses a symlinked variables.tf next to an open security group; the target stays byte-identical", async () => {
    const { repo, outside } = sandbox({ "main.tf": OPEN_SG });
    const victim = join(outside, "victim.tf");
    writeFileSync(victim, 'precious = "keep me"\n');
    symlinkSync("../outside/victim.tf", join(repo, "variables.tf"));

    const r = await run(["fix", "--allow-disruptive", repo, "--format", "json"]);
    const out = JSON.parse(r.stdout);
    expect(out.results).toEqual([
      expect.objectContaining({
        ruleId: "aws-sg-open-admin-ports",
        status: "refused",
        reason:
          "variables.tf is a symbolic link: fixloop does not write through links (its target may be outside the checkout)",
      }),
    ]);
    expect(out.filesChanged).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    expect(readFileSync(victim, "utf8")).toBe('precious = "keep me"\n');
    expect(readFileSync(join(repo, "main.tf"), "utf8")).toBe(OPEN_SG);
    expect(lstatSync(join(repo, "variables.tf")).isSymbolicLink()).toBe(true);
  });

  it("refuses a dangling link and does not create its target", async () => {
    const { repo, outside } = sandbox({ "main.tf": OPEN_SG });
    symlinkSync("../outside/created.tf", join(repo, "variables.tf"));

    const r = await run(["fix", "--allow-disruptive", repo]);
    expect(r.stdout).toContain(
      "refused aws-sg-open-admin-ports  aws_security_group.web (main.tf:8): variables.tf is a symbolic link",
    );
    expect(r.stdout).toContain("0 fixed, 0 skipped, 1 refused. No file changed.");
    expect(existsSync(join(outside, "created.tf"))).toBe(false);
  });

  it("refuses a target below a symlinked directory, and one that leaves the root", async () => {
    const { repo, outside } = sandbox({ "main.tf": KMS });
    symlinkSync(outside, join(repo, "shared"));
    const checkout = await openCheckout(repo, new Map());
    expect(await writeRefusal(checkout, "shared/variables.tf")).toBe(
      "shared is a symbolic link: fixloop does not write through links (its target may be outside the checkout)",
    );
    expect(await writeRefusal(checkout, "../outside/x.tf")).toBe(
      "../outside/x.tf is not a plain path inside the checkout",
    );
    expect(await writeRefusal(checkout, "main.tf")).toBeUndefined();
    expect(await writeRefusal(checkout, "new/dir/variables.tf")).toBeUndefined();
    await expect(writeInside(checkout, "shared/variables.tf", "x")).rejects.toThrow("is a symbolic link");
    expect(existsSync(join(outside, "variables.tf"))).toBe(false);
  });

  it("still fixes a checkout reached through a symlinked root (the user's own path)", async () => {
    const { base, repo } = sandbox({ "main.tf": OPEN_SG });
    symlinkSync(repo, join(base, "link-to-repo"));
    const r = await run(["fix", "--allow-disruptive", join(base, "link-to-repo")]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo, "variables.tf"), "utf8")).toContain('variable "ssh_allowed_cidrs"');
  });
});

describe("fixloop fix keeps the bytes it does not change", () => {
  const latin1Comment = Buffer.concat([
    Buffer.from("# Propri"),
    Buffer.from([0xe9]), // "é" in Latin-1: not valid UTF-8
    Buffer.from("t\u00e9 de l'\u00e9quipe r\u00e9seau\n".replace(/\u00e9/g, "e")),
  ]);

  it("refuses to rewrite a file that is not valid UTF-8, and leaves it byte-identical", async () => {
    const original = Buffer.concat([latin1Comment, Buffer.from(OPEN_SG)]);
    const { repo } = sandbox({ "main.tf": original });
    const r = await run(["fix", "--allow-disruptive", repo]);
    expect(r.stdout).toContain(
      "refused aws-sg-open-admin-ports  aws_security_group.web (main.tf:9): main.tf is not valid UTF-8: rewriting it would change bytes on lines the fix does not touch",
    );
    expect(readFileSync(join(repo, "main.tf")).equals(original)).toBe(true);
    expect(existsSync(join(repo, "variables.tf"))).toBe(false);
  });

  it("fixes the other files while a Latin-1 file it does not touch stays byte-identical", async () => {
    const other = Buffer.concat([latin1Comment, Buffer.from('locals {\n  team = "net"\n}\n')]);
    const { repo } = sandbox({ "kms.tf": KMS, "locals.tf": other });
    const r = await run(["fix", "--allow-disruptive", repo, "--rule", "aws-kms-rotation"]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo, "kms.tf"), "utf8")).toContain("enable_key_rotation = true");
    expect(readFileSync(join(repo, "locals.tf")).equals(other)).toBe(true);
  });

  it("scans a file that starts with a UTF-8 byte-order mark (its first block included) and keeps the mark", async () => {
    const { repo } = sandbox({ "kms.tf": `\uFEFF${KMS}` });
    const scan = await run(["scan", repo, "--rule", "aws-kms-rotation"]);
    expect(scan.stdout).toContain("kms.tf:1  medium   aws-kms-rotation  aws_kms_key.orders");
    expect(scan.code).toBe(1);

    const fix = await run(["fix", "--allow-disruptive", repo, "--rule", "aws-kms-rotation"]);
    expect(fix.code).toBe(0);
    const bytes = readFileSync(join(repo, "kms.tf"));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString("utf8")).toBe(
      'resource "aws_kms_key" "orders" {\n  description         = "orders data"\n  enable_key_rotation = true\n}\n',
    );
  });
});

describe("a byte-order mark in text given to the engine directly (the app's path)", () => {
  it("is skipped by the lexer: the first block counts, and readTerraformTree keeps the mark", async () => {
    const index = buildIndex([{ path: "kms.tf", text: `\uFEFF${KMS}` }]);
    expect(index.errors).toEqual([]);
    expect(index.resources.map((r) => r.address)).toEqual(["aws_kms_key.orders"]);
    const { repo } = sandbox({ "kms.tf": `\uFEFF${KMS}` });
    expect(await readTerraformTree(repo)).toEqual([{ path: "kms.tf", text: `\uFEFF${KMS}` }]);
  });
});

describe("fixloop fix --branch with a name git would misread", () => {
  it.each([
    ["-D", '--branch "-D": a branch name cannot start with "-"'],
    ["--orphan", '--branch "--orphan": a branch name cannot start with "-"'],
    ["@{-1}", '--branch "@{-1}": a branch name cannot contain "@{"'],
    ["main@{upstream}", '--branch "main@{upstream}": a branch name cannot contain "@{"'],
    ["", "--branch needs a name"],
    ["fix..it", '--branch "fix..it" is not a valid branch name'],
    ["fix it", '--branch "fix it" is not a valid branch name'],
    ["fix.lock", '--branch "fix.lock" is not a valid branch name'],
  ])("%j is one line on stderr and exit 2, nothing written", async (name, message) => {
    const { repo } = sandbox({ "kms.tf": KMS });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init");
    const r = await run([
      "fix",
      "--allow-disruptive",
      repo,
      `--branch=${name}`,
      "--rule",
      "aws-kms-rotation",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`fixloop fix: ${message}\n`);
    expect(readFileSync(join(repo, "kms.tf"), "utf8")).toBe(KMS);
    expect(git("rev-parse", "--abbrev-ref", "HEAD").trim()).toBe("main");
  });
});

describe("fixloop scan: a file that cannot be read is named, and the rest is still reported", () => {
  it("names a Terragrunt-only directory as such", async () => {
    const { repo } = sandbox({ "terragrunt.hcl": 'terraform {\n  source = "../modules/vpc"\n}\n' });
    const r = await run(["scan", repo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `fixloop scan: ${repo}: holds Terragrunt configuration (1 terragrunt.hcl file) but no .tf files — fixloop reads Terraform, not Terragrunt: pass the folder of the Terraform module each terragrunt.hcl names in terraform { source }\n`,
    );
  });

  it("never says 'No findings in 0 Terraform files' when every file failed: exit 2, and which", async () => {
    const { repo } = sandbox({ "broken.tf": 'resource "aws_kms_key" "x" {\n' });
    const r = await run(["scan", repo]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      "No findings in the 0 Terraform files that could be read. Incomplete: 1 file could not be read or parsed and was not scanned (listed on stderr).\n",
    );
    expect(r.stderr).toMatch(/^error: .*\/broken\.tf:2:1: .* \(file skipped; fix the syntax and re-run\)\n$/);
  });

  it("carries the skipped file in SARIF as a tool execution notification, next to the other results", async () => {
    const { repo } = sandbox({
      "kms.tf": KMS,
      "broken.tf": 'resource "aws_kms_key" "x" {\n  description = \n}\n',
    });
    const r = await run(["scan", repo, "--format", "sarif", "--rule", "aws-kms-rotation"]);
    expect(r.code).toBe(2);
    const sarifRun = JSON.parse(r.stdout).runs[0];
    expect(sarifRun.results.map((x: { ruleId: string }) => x.ruleId)).toEqual(["aws-kms-rotation"]);
    expect(sarifRun.invocations).toEqual([
      {
        executionSuccessful: true,
        toolExecutionNotifications: [
          {
            level: "error",
            descriptor: { id: "file-syntax-error" },
            message: {
              text: "broken.tf:2:17: expected an expression, found a newline (file not scanned)",
            },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: "broken.tf", uriBaseId: "%SRCROOT%" },
                  region: { startLine: 2, startColumn: 17 },
                },
              },
            ],
          },
        ],
      },
    ]);
  });

  it("fix: fixes the files that parse, never touches the one that does not, lists it, exits 2", async () => {
    const broken = 'resource "aws_kms_key" "x" {\n  description = \n}\n';
    const { repo } = sandbox({ "kms.tf": KMS, "broken.tf": broken });
    const r = await run([
      "fix",
      "--allow-disruptive",
      repo,
      "--rule",
      "aws-kms-rotation",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.errors).toEqual([
      { file: "broken.tf", line: 2, column: 17, message: "expected an expression, found a newline" },
    ]);
    expect(out.filesChanged).toEqual(["kms.tf"]);
    expect(readFileSync(join(repo, "broken.tf"), "utf8")).toBe(broken);
  });

  it("a clean SARIF run has an invocation without notifications", async () => {
    const { repo } = sandbox({ "kms.tf": KMS });
    const r = await run(["scan", repo, "--format", "sarif", "--rule", "aws-kms-rotation"]);
    expect(JSON.parse(r.stdout).runs[0].invocations).toEqual([
      { executionSuccessful: true, toolExecutionNotifications: [] },
    ]);
  });
});

// The real executable, as a user runs it: whatever the input, one line on stderr, never a stack.
function cli(args: string[], cwd: string) {
  const bin = join(realpathSync(process.cwd()), "bin/fixloop.js");
  try {
    const stdout = execFileSync(process.execPath, [bin, ...args], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FIXLOOP_DEBUG: "" },
    });
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

const STACK = /^\s+at /m;

describe("bin/fixloop.js never prints a stack trace for bad input", () => {
  it("a file nested thousands of levels deep: named, the valid files still reported, exit 2", () => {
    const deep = `locals {\n  x = ${"[".repeat(20000)}${"]".repeat(20000)}\n}\n`;
    const { repo } = sandbox({ "kms.tf": KMS, "deep.tf": deep });
    const r = cli(["scan", ".", "--rule", "aws-kms-rotation"], repo);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toMatch(/^error: \.\/deep\.tf(:\d+:\d+)?: .*\(file skipped.*\)\n$/);
    expect(r.stdout).toContain("kms.tf:1  medium   aws-kms-rotation  aws_kms_key.orders");
  }, 60_000);

  it.each([
    [["scan", "missing-dir"], "fixloop scan: missing-dir: no such directory"],
    [["fix", ".", "--branch=-f"], 'fixloop fix: --branch "-f": a branch name cannot start with "-"'],
    [["fix", ".", "--nope"], "fixloop fix: unknown option --nope; see `fixloop fix --help`"],
    [["constructor"], 'fixloop: unknown command "constructor"'],
    [["ingest", "nope.json"], "fixloop: nope.json: cannot read it (ENOENT)"],
  ])(
    "%j: one line, exit 2",
    (args, first) => {
      const { repo } = sandbox({ "kms.tf": KMS });
      const r = cli(args as string[], repo);
      expect(r.code).toBe(2);
      expect(r.stderr.split("\n")[0]!.startsWith(first as string)).toBe(true);
      expect(r.stderr).not.toMatch(STACK);
    },
    60_000,
  );

  it("ingest reads a JSON document that starts with a byte-order mark", () => {
    const { repo } = sandbox({});
    const sample = readFileSync(
      join(process.cwd(), "fixtures/findings/checkov/checkov-report-many-vuln.json"),
    );
    writeFileSync(join(repo, "bom.json"), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), sample]));
    writeFileSync(join(repo, "plain.json"), sample);
    const withBom = cli(["ingest", "bom.json", "--json"], repo);
    const plain = cli(["ingest", "plain.json", "--json"], repo);
    expect(withBom.stderr).toBe("");
    expect(withBom.code).toBe(plain.code);
    expect(JSON.parse(withBom.stdout).findings.length).toBe(JSON.parse(plain.stdout).findings.length);
    expect(JSON.parse(withBom.stdout).findings.length).toBeGreaterThan(0);
  }, 60_000);
});
