import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

async function run(args: string[], cwd = process.cwd()) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
  });
  return { code, stdout, stderr };
}

const KMS = `resource "aws_kms_key" "orders" {
  description = "orders data"
}

resource "aws_kms_key" "audit" {
  description         = "audit data"
  enable_key_rotation = true
}
`;

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("fixloop scan", () => {
  it("prints findings with file:line, severity, rule and resource, and exits 1", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const r = await run(["scan", dir, "--rule", "aws-kms-rotation"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        "kms.tf:1  medium   aws-kms-rotation  aws_kms_key.orders",
        "    aws_kms_key.orders does not enable key rotation (enable_key_rotation is unset, default false)",
        "",
        "1 finding in 1 file (1 medium).",
        "",
      ].join("\n"),
    );
  });

  it("exits 0 on a clean tree", async () => {
    const dir = workdir({
      "kms.tf": KMS.replace('description = "orders data"', "enable_key_rotation = true"),
    });
    const r = await run(["scan", dir, "--rule", "aws-kms-rotation"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("No findings in 1 Terraform file.\n");
  });

  it("emits the documented JSON shape, with files relative to the scanned directory", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const r = await run(["scan", dir, "--format", "json", "--rule", "CKV_AWS_7"]);
    const json = JSON.parse(r.stdout);
    expect(json.findings).toEqual([
      {
        ruleId: "aws-kms-rotation",
        title: "KMS key rotation is disabled",
        severity: "medium",
        resource: { address: "aws_kms_key.orders", type: "aws_kms_key", name: "orders" },
        file: "kms.tf",
        line: 1,
        message:
          "aws_kms_key.orders does not enable key rotation (enable_key_rotation is unset, default false)",
        aliases: expect.objectContaining({ checkov: ["CKV_AWS_7"], securityhub: ["KMS.4"] }),
      },
    ]);
  });

  it("emits SARIF 2.1.0 that GitHub code scanning accepts", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const sarif = JSON.parse(
      (await run(["scan", dir, "--format", "sarif", "--rule", "AVD-AWS-0065"])).stdout,
    );
    expect(sarif.version).toBe("2.1.0");
    const [runOut] = sarif.runs;
    expect(runOut.tool.driver.name).toBe("fixloop");
    expect(runOut.tool.driver.rules[0]).toMatchObject({
      id: "aws-kms-rotation",
      shortDescription: { text: "KMS key rotation is disabled" },
      properties: { "security-severity": "5.5" },
    });
    expect(runOut.results[0]).toMatchObject({
      ruleId: "aws-kms-rotation",
      ruleIndex: 0,
      level: "warning",
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: "kms.tf", uriBaseId: "%SRCROOT%" },
            region: { startLine: 1 },
          },
        },
      ],
    });
    expect(Object.values(runOut.results[0].partialFingerprints)[0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("points SARIF at the file from the repository's root when a subfolder is scanned", async () => {
    const repo = mkdtempSync(join(tmpdir(), "fixloop-sarif-"));
    execFileSync("git", ["init", "-q", repo]);
    const dir = join(repo, "infra live", "prod");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "kms.tf"), KMS);
    const sarif = JSON.parse(
      (await run(["scan", dir, "--format", "sarif", "--rule", "aws-kms-rotation"])).stdout,
    );
    const [runOut] = sarif.runs;
    expect(runOut.originalUriBaseIds).toEqual({
      "%SRCROOT%": {
        uri: pathToFileURL(`${realpathSync(repo)}/`).href,
        description: { text: "the git repository's top level" },
      },
    });
    expect(runOut.results[0].locations[0].physicalLocation.artifactLocation).toEqual({
      uri: "infra%20live/prod/kms.tf",
      uriBaseId: "%SRCROOT%",
    });
    // Outside a git repository, paths stay relative to the scanned folder.
    const plain = workdir({ "kms.tf": KMS });
    const outside = JSON.parse((await run(["scan", plain, "--format", "sarif"])).stdout).runs[0];
    expect(outside.originalUriBaseIds["%SRCROOT%"].uri).toBe(pathToFileURL(`${realpathSync(plain)}/`).href);
    expect(outside.results[0].locations[0].physicalLocation.artifactLocation.uri).toBe("kms.tf");
  });

  it("names a file with a syntax error (file and line), still scans the rest, and exits 2", async () => {
    const dir = workdir({
      "kms.tf": KMS,
      "broken.tf": 'resource "aws_kms_key" "x" {\n  description = \n}\n',
    });
    const r = await run(["scan", dir, "--rule", "aws-kms-rotation"]);
    expect(r.stderr).toContain(
      "broken.tf:2:17: expected an expression, found a newline (file skipped; fix the syntax and re-run)",
    );
    expect(r.stdout).toContain("kms.tf:1");
    expect(r.stdout).toContain(
      "Incomplete: 1 file could not be read or parsed and was not scanned (listed on stderr).\n",
    );
    expect(r.code).toBe(2);
  });

  it.each([
    [
      ["scan", "does-not-exist"],
      "fixloop scan: does-not-exist: no such directory — pass the folder that holds your .tf files\n",
    ],
    [["scan"], "fixloop scan: missing directory: fixloop scan <dir>...\n"],
    [
      ["scan", ".", "--rule", "CKV_NOPE_1"],
      'fixloop scan: unknown rule "CKV_NOPE_1": use a catalog id or an alias from `fixloop rules`\n',
    ],
    [
      ["scan", ".", "--format", "xml"],
      'fixloop scan: --format must be one of text, json, sarif (got "xml")\n',
    ],
    [["scan", ".", "--colour"], "fixloop scan: unknown option --colour; see `fixloop scan --help`\n"],
    [
      ["scan", ".", "--formt", "json"],
      "fixloop scan: unknown option --formt (did you mean --format?); see `fixloop scan --help`\n",
    ],
  ])("exits 2 with one clear line for %j", async (args, message) => {
    const r = await run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(message as string)).toBe(true);
  });

  it("says so when the directory has no Terraform", async () => {
    const dir = workdir({ "README.md": "hi" });
    const r = await run(["scan", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no .tf files found");
  });
});

describe("fixloop fix", () => {
  it("--dry-run prints the diff and per-finding status and writes nothing", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const r = await run(["fix", dir, "--dry-run", "--rule", "aws-kms-rotation"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "fixed   aws-kms-rotation  aws_kms_key.orders (kms.tf:1): set enable_key_rotation = true",
        "    impact: AWS rotates the key material yearly; existing ciphertext stays decryptable, nothing is re-encrypted.",
        "",
        "--- a/kms.tf",
        "+++ b/kms.tf",
        "@@ -1,5 +1,6 @@",
        ' resource "aws_kms_key" "orders" {',
        '-  description = "orders data"',
        '+  description         = "orders data"',
        "+  enable_key_rotation = true",
        " }",
        " ",
        ' resource "aws_kms_key" "audit" {',
        "",
        "1 fixed, 0 skipped, 0 refused. Dry run: nothing written.",
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(dir, "kms.tf"), "utf8")).toBe(KMS);
  });

  it("writes the patched files in place and reports JSON results", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const r = await run(["fix", dir, "--format", "json", "--rule", "aws-kms-rotation"]);
    const json = JSON.parse(r.stdout);
    expect(json.results).toEqual([
      {
        ruleId: "aws-kms-rotation",
        resource: { address: "aws_kms_key.orders" },
        file: "kms.tf",
        line: 1,
        status: "fixed",
        reason: "set enable_key_rotation = true",
        impact: [
          "AWS rotates the key material yearly; existing ciphertext stays decryptable, nothing is re-encrypted.",
        ],
        diff: expect.stringContaining("+  enable_key_rotation = true"),
      },
    ]);
    expect(json.filesChanged).toEqual(["kms.tf"]);
    expect(readFileSync(join(dir, "kms.tf"), "utf8")).toContain(
      '  description         = "orders data"\n  enable_key_rotation = true\n',
    );
  });

  it("--branch creates the branch and a conventional commit with the fixed files", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const git = (...a: string[]) => execFileSync("git", a, { cwd: dir, encoding: "utf8" }).trim();
    git("init", "-q", "-b", "main");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init");
    process.env.GIT_AUTHOR_NAME = process.env.GIT_COMMITTER_NAME = "fixloop test";
    process.env.GIT_AUTHOR_EMAIL = process.env.GIT_COMMITTER_EMAIL = "fixloop@example.com";
    const r = await run(["fix", dir, "--branch", "fixloop/kms-rotation", "--rule", "aws-kms-rotation"]);
    expect(r.code).toBe(0);
    expect(git("rev-parse", "--abbrev-ref", "HEAD")).toBe("fixloop/kms-rotation");
    expect(git("log", "-1", "--format=%B")).toBe(
      [
        "fix(security): aws-kms-rotation on 1 resource",
        "",
        "- aws-kms-rotation: aws_kms_key.orders (kms.tf): set enable_key_rotation = true",
        "",
        "Impact (read before applying):",
        "- aws-kms-rotation (aws_kms_key.orders): AWS rotates the key material yearly; existing ciphertext stays decryptable, nothing is re-encrypted.",
        "",
        "Generated by fixloop: every patch was re-parsed with HashiCorp's HCL parser, kept",
        "terraform fmt-clean and re-scanned before this commit.",
      ].join("\n"),
    );
    expect(git("show", "--name-only", "--format=")).toBe("kms.tf");
    const again = await run(["fix", dir, "--branch", "fixloop/kms-rotation"]);
    expect(again.code).toBe(0); // nothing left to fix, so no branch is needed
  });

  it("refuses --branch outside a git checkout", async () => {
    const dir = workdir({ "kms.tf": KMS });
    const r = await run(["fix", dir, "--branch", "x", "--rule", "aws-kms-rotation"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--branch needs a git checkout");
    expect(readFileSync(join(dir, "kms.tf"), "utf8")).toBe(KMS);
  });
});

describe("fixloop rules", () => {
  it("lists every rule with aliases, severity and whether it is fixable", async () => {
    const r = await run(["rules", "--format", "json"]);
    const { rules } = JSON.parse(r.stdout);
    expect(rules.find((x: { id: string }) => x.id === "aws-kms-rotation")).toMatchObject({
      severity: "medium",
      fixable: true,
      aliases: { checkov: ["CKV_AWS_7"], trivy: ["AVD-AWS-0065"] },
    });
  });

  it("shows the provider versions each fix was checked against", async () => {
    const { rules } = JSON.parse((await run(["rules", "--format", "json"])).stdout);
    expect(rules.find((x: { id: string }) => x.id === "aws-sg-open-admin-ports").fixProviderVersions).toEqual(
      {
        provider: "aws",
        versions: ">= 3.0",
        byResourceType: { aws_vpc_security_group_ingress_rule: ">= 4.62" },
      },
    );
    for (const r of rules) expect(r.fixProviderVersions?.versions, r.id).toMatch(/^>= \d/);
    const text = (await run(["rules"])).stdout;
    expect(text).toContain(
      '    fix checked against: aws ">= 3.0" (aws_vpc_security_group_ingress_rule: ">= 4.62")\n',
    );
  });
});
