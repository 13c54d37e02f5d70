// The GitHub Action's entry script, run with the environment GitHub Actions gives a step:
// GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, INPUT_* (action.yml maps its inputs).

import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runAction } from "../../src/action/run-action.ts";

const ROOT = join(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/tsx/dist/esm/index.mjs");

/** A workspace holding fixtures/repos/cspm-demo under infra/, and the files GitHub provides. */
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-action-"));
  cpSync(join(ROOT, "fixtures/repos/cspm-demo"), join(dir, "infra"), { recursive: true });
  const output = join(dir, "github-output");
  const summary = join(dir, "step-summary");
  writeFileSync(output, "");
  writeFileSync(summary, "");
  const env = {
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_REPOSITORY: "acme/infra",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: "https://api.github.com",
    RUNNER_TEMP: tmpdir(),
    INPUT_DIRECTORY: "infra",
  };
  return { dir, env, read: (f: string) => readFileSync(f, "utf8") };
}

async function act(env: NodeJS.ProcessEnv) {
  let log = "";
  const code = await runAction(env, { write: (s: string) => (log += s) });
  return { code, log };
}

const FOUND = [
  "### Found",
  "",
  "| severity | rule | resource | file |",
  "|---|---|---|---|",
  "| high | `aws-s3-public-access-block` | `aws_s3_bucket.backups` | infra/envs/prod/main.tf:14 |",
  // The s3-bucket module call leaves versioning at the module's default (off).
  "| medium | `aws-s3-versioning` | `module.logs` | infra/envs/prod/main.tf:39 |",
  "| medium | `aws-s3-versioning` | `aws_s3_bucket.backups` | infra/envs/staging/main.tf:1 |",
].join("\n");

describe("the Action's entry script", () => {
  it("mode scan: SARIF with repository-relative paths, outputs, a summary, and fails on a high finding", async () => {
    const ws = workspace();
    const r = await act(ws.env);
    expect(r.code).toBe(1);
    expect(r.log).toBe(
      "fixloop: 3 found, 0 fixed, 3 remaining; SARIF in fixloop.sarif\n" +
        "::error title=fixloop::1 finding at or above high remain (fail-on: high)\n",
    );
    expect(ws.read(ws.env.GITHUB_OUTPUT)).toBe(
      "findings=3\nfixed=0\nremaining=3\nsarif-file=fixloop.sarif\npull-requests=[]\n",
    );
    const summary = ws.read(ws.env.GITHUB_STEP_SUMMARY);
    expect(summary).toContain(
      "## fixloop scan: `infra`\n\n**3 found** by the rule catalog, **0 fixed**, **3 remaining**.",
    );
    expect(summary).toContain(FOUND);
    expect(summary).toContain(":x: 1 at or above `high` remain (fail-on).");
    const sarif = JSON.parse(ws.read(join(ws.dir, "fixloop.sarif")));
    expect(sarif.version).toBe("2.1.0");
    expect(
      sarif.runs[0].results.map(
        (x: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
          x.locations[0]!.physicalLocation.artifactLocation.uri,
      ),
    ).toEqual(["infra/envs/prod/main.tf", "infra/envs/prod/main.tf", "infra/envs/staging/main.tf"]);
  });

  it("mode fix: patches the workspace, lists what it fixed, and passes", async () => {
    const ws = workspace();
    // Blocking public access is disruptive: applied only because the workflow allows it.
    const r = await act({
      ...ws.env,
      INPUT_MODE: "fix",
      "INPUT_FAIL-ON": "low",
      "INPUT_ALLOW-DISRUPTIVE": "true",
    });
    expect(r.code).toBe(0);
    expect(ws.read(ws.env.GITHUB_OUTPUT)).toBe(
      "findings=3\nfixed=3\nremaining=0\nsarif-file=fixloop.sarif\npull-requests=[]\n",
    );
    const summary = ws.read(ws.env.GITHUB_STEP_SUMMARY);
    expect(summary).toContain(
      "### Fixed\n\n| finding | file | pull request |\n|---|---|---|\n" +
        "| aws-s3-public-access-block aws_s3_bucket.backups | infra/envs/prod/main.tf | written to the workspace |\n",
    );
    expect(summary).toContain(":white_check_mark: nothing at or above `low` remains (fail-on).");
    expect(ws.read(join(ws.dir, "infra/envs/prod/main.tf"))).toContain("aws_s3_bucket_public_access_block");
  });

  it("mode fix with a findings document: fixes what the CSPM reported, gated by its True Risk", async () => {
    const ws = workspace();
    const findings = join(ROOT, "fixtures/findings/generic/public-bucket.json");
    const r = await act({
      ...ws.env,
      INPUT_MODE: "fix",
      INPUT_FINDINGS: `\n${findings}\n`,
      "INPUT_ALLOW-DISRUPTIVE": "true",
    });
    expect(r.code).toBe(0);
    expect(ws.read(ws.env.GITHUB_OUTPUT)).toBe(
      "findings=3\nfixed=1\nremaining=0\nsarif-file=fixloop.sarif\npull-requests=[]\n",
    );
  });

  it("mode open-pr runs fix --open-pr on the scan's SARIF, and says what is missing", async () => {
    const ws = workspace();
    const r = await act({ ...ws.env, INPUT_MODE: "open-pr" });
    expect(r.code).toBe(1);
    expect(r.log).toContain(
      `::error title=fixloop::fixloop fix infra --format json --findings ${join(ws.dir, "fixloop.sarif")} --open-pr failed: fixloop fix: --open-pr needs a token in GITHUB_TOKEN`,
    );
  });

  it("a wrong input is one error line naming it", async () => {
    const ws = workspace();
    const r = await act({ ...ws.env, INPUT_MODE: "pr" });
    expect(r).toEqual({
      code: 1,
      log: '::error title=fixloop::input mode must be one of scan, fix, open-pr (got "pr")\n',
    });
  });

  it("runs as a process with the Actions environment (node <entry>, as action.yml does)", () => {
    const ws = workspace();
    const r = spawnSync(process.execPath, ["--import", TSX, join(ROOT, "src/action/main.ts")], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, ...ws.env, "INPUT_FAIL-ON": "none" },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fixloop: 3 found, 0 fixed, 3 remaining; SARIF in fixloop.sarif\n");
    expect(r.status).toBe(0);
    expect(ws.read(ws.env.GITHUB_OUTPUT)).toContain("findings=3\n");
  });

  it("action.yml passes every input it declares to the entry script", () => {
    const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8"));
    const env = action.runs.steps.find((s: { id?: string }) => s.id === "fixloop").env as Record<
      string,
      string
    >;
    for (const name of Object.keys(action.inputs).filter((n) => n !== "token"))
      expect(env[`INPUT_${name.toUpperCase().replace(/-/g, "_")}`]).toBe(`\${{ inputs.${name} }}`);
    expect(env.GITHUB_TOKEN).toBe("${{ inputs.token }}");
    expect(Object.keys(action.outputs).sort()).toEqual([
      "findings",
      "fixed",
      "pull-requests",
      "remaining",
      "sarif-file",
    ]);
  });
});

describe("the Action and disruptive fixes", () => {
  it("mode fix leaves a disruptive fix undone unless allow-disruptive is true, and says why", async () => {
    const ws = workspace();
    const r = await act({ ...ws.env, INPUT_MODE: "fix", "INPUT_FAIL-ON": "low" });
    expect(r.code).toBe(1);
    expect(ws.read(ws.env.GITHUB_OUTPUT)).toBe(
      "findings=3\nfixed=2\nremaining=1\nsarif-file=fixloop.sarif\npull-requests=[]\n",
    );
    expect(ws.read(ws.env.GITHUB_STEP_SUMMARY)).toContain(
      "| high | aws-s3-public-access-block aws_s3_bucket.backups | infra/envs/prod/main.tf | disruptive — Blocking public access breaks anything that relies on public objects or a public bucket policy",
    );
    expect(ws.read(join(ws.dir, "infra/envs/prod/main.tf"))).not.toContain(
      "aws_s3_bucket_public_access_block",
    );
  });
});
