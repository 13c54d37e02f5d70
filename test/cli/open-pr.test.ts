// `fixloop fix <dir> --findings F --open-pr`: the GitHub App's pull request, opened with a token from
// a CI job. A real git checkout of fixtures/repos/cspm-demo (under `terraform/`, with CODEOWNERS and
// fixloop.yml) and the generic CSPM payload for a public S3 bucket; GitHub is the mock kit, which
// fails the test on any unmocked request, unused mock or body GitHub's OpenAPI description rejects.

import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixCommand } from "../../src/cli/commands/fix.ts";
import { parseRemoteUrl } from "../../src/cli/commands/open-pr-setup.ts";
import { CliError } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import { tokenClient } from "../../src/github/client.ts";
import { type MockGitHub, useMockGitHub } from "../github/kit/mock-github.ts";

const ROOT = join(import.meta.dirname, "../..");
const TOKEN = "ghp_fixloopTest0123456789abcdefghijABCD";
const FINDINGS = join(ROOT, "fixtures/findings/generic/public-bucket.json");
/** `<prefix>/<rule>/<first 12 of the dedupe key>`: the name the app gives the same finding's branch. */
const BRANCH = "fixloop/aws-s3-public-access-block/6edc7db308ef";
const MARKER = "<!-- fixloop:finding=6edc7db308ef6ac1b9785bcc v=1 -->";
const FILE = "terraform/envs/prod/main.tf";

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=CI", "-c", "user.email=ci@example.com", ...args], {
    cwd: dir,
    encoding: "utf8",
  }).trim();

/** A checkout whose Terraform lives in terraform/, committed, with origin pointing at acme/infra. */
function checkout(fixloopYml: string) {
  const top = mkdtempSync(join(tmpdir(), "fixloop-open-pr-"));
  cpSync(join(ROOT, "fixtures/repos/cspm-demo"), join(top, "terraform"), { recursive: true });
  mkdirSync(join(top, ".github"));
  writeFileSync(
    join(top, ".github/CODEOWNERS"),
    "*  @acme/platform\n/terraform/envs/prod/  @acme/data-platform\n",
  );
  writeFileSync(join(top, ".github/fixloop.yml"), fixloopYml);
  git(top, "init", "-q", "-b", "main");
  git(top, "add", ".");
  git(top, "commit", "-q", "-m", "infra");
  git(top, "remote", "add", "origin", "git@github.com:acme/infra.git");
  return {
    top,
    dir: join(top, "terraform"),
    head: git(top, "rev-parse", "HEAD"),
    tree: git(top, "rev-parse", "HEAD^{tree}"),
  };
}

async function run(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: ROOT,
    env,
  };
  let code: number;
  try {
    code = await fixCommand(args, io, { client: (o) => tokenClient({ ...o, rateLimitHandling: false }) });
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    stderr += `fixloop fix: ${e.message}\n`; // as src/cli/main.ts reports it
    code = 2;
  }
  expect(stdout + stderr).not.toContain(TOKEN);
  return { code, stdout, stderr };
}

/** envs/prod/main.tf as plain `fixloop fix --findings` writes it in a copy of the fixture. */
async function fixedLocally(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-local-"));
  cpSync(join(ROOT, "fixtures/repos/cspm-demo"), dir, { recursive: true });
  const quiet = { write: () => true };
  await main(["fix", dir, "--findings", FINDINGS, "--allow-disruptive"], {
    stdout: quiet,
    stderr: quiet,
    cwd: ROOT,
    env: {},
  });
  return readFileSync(join(dir, "envs/prod/main.tf"), "utf8");
}

/** The fields of the request bodies the tests read. */
interface Sent {
  name?: string;
  message?: string;
  title?: string;
  body?: string;
  tree?: Array<{ content?: string }>;
}

const lines = (gh: MockGitHub) => gh.requests.map((r) => `${r.method} ${decodeURIComponent(r.path)}`);

/** The repository's open PRs, as the noise budget lists them (only the head branch is read). */
function openPrs(gh: ReturnType<ReturnType<typeof useMockGitHub>>, branches: string[]) {
  gh.get("/repos/acme/infra/pulls")
    .query({ state: "open", per_page: "100" })
    .reply(
      200,
      branches.map((ref, i) => ({ number: 100 + i, state: "open", head: { ref, sha: `${i}`.repeat(40) } })),
    );
}

describe("fixloop fix --open-pr on github.com", () => {
  const github = useMockGitHub();
  const env = { GITHUB_TOKEN: TOKEN };

  it("opens the app's pull request on HEAD, and a second run updates it instead of opening another", async () => {
    const repo = checkout("_extends: .github\nowners:\n  assignees: [octo-sre]\n");
    const gh = github();
    // Run 1: base checks, no PR yet, labels, the commit through the Git Data API, the PR.
    gh.get("/repos/acme/infra").reply(200, { default_branch: "main" });
    gh.get(`/repos/acme/infra/git/commits/${repo.head}`).reply(200, {
      sha: repo.head,
      tree: { sha: repo.tree },
      parents: [],
    });
    // The noise budget: fixloop's open PRs in the repository (one, for another finding).
    openPrs(gh, ["fixloop/aws-s3-versioning/0123456789ab", "dependabot/npm/vitest-4.1.12"]);
    gh.get("/repos/acme/infra/pulls")
      .query({ head: `acme:${BRANCH}`, state: "all" })
      .reply(200, []);
    gh.get("/repos/acme/infra/labels")
      .query({ per_page: "100" })
      .reply(200, [{ name: "security" }]);
    gh.post("/repos/acme/infra/labels").times(3).reply(201, {});
    gh.post("/repos/acme/infra/git/trees").reply(201, { sha: "7e1" });
    gh.post("/repos/acme/infra/git/commits").reply(201, { sha: "c0ffee1" });
    gh.post("/repos/acme/infra/git/refs").reply(201, { ref: `refs/heads/${BRANCH}` });
    gh.post("/repos/acme/infra/pulls").reply(201, {
      number: 42,
      html_url: "https://github.com/acme/infra/pull/42",
    });
    gh.patch("/repos/acme/infra/issues/42").reply(200, {});
    gh.post("/repos/acme/infra/pulls/42/requested_reviewers").reply(201, {});

    const first = await run([repo.dir, "--findings", FINDINGS, "--open-pr"], env);

    expect(first.stderr).toBe(
      "warning: .github/fixloop.yml: _extends is followed only by the GitHub App; the CLI applies this file's own settings\n",
    );
    expect(first.stdout).toBe(
      [
        "opened    generic f-7f3a9c21 [high 68] → https://github.com/acme/infra/pull/42",
        `    branch ${BRANCH}; review: @acme/data-platform`,
        "",
        "1 opened, 0 updated, 0 unchanged; 0 findings without a pull request.",
        "",
      ].join("\n"),
    );
    expect(first.code).toBe(0);
    expect(lines(gh)).toEqual([
      "GET /repos/acme/infra",
      `GET /repos/acme/infra/git/commits/${repo.head}`,
      "GET /repos/acme/infra/pulls?state=open&per_page=100",
      `GET /repos/acme/infra/pulls?head=acme:${BRANCH}&state=all`,
      "GET /repos/acme/infra/labels?per_page=100",
      "POST /repos/acme/infra/labels",
      "POST /repos/acme/infra/labels",
      "POST /repos/acme/infra/labels",
      "POST /repos/acme/infra/git/trees",
      "POST /repos/acme/infra/git/commits",
      "POST /repos/acme/infra/git/refs",
      "POST /repos/acme/infra/pulls",
      "PATCH /repos/acme/infra/issues/42",
      "POST /repos/acme/infra/pulls/42/requested_reviewers",
    ]);
    const body = (i: number) => gh.requests[i]?.body as Sent;
    expect([5, 6, 7].map((i) => body(i).name)).toEqual(["fixloop", "risk:high", "security-review-required"]);
    expect(body(8)).toEqual({
      base_tree: repo.tree,
      tree: [{ path: FILE, mode: "100644", type: "blob", content: expect.any(String) }],
    });
    // Exactly the file `fixloop fix` writes locally for this finding; the checkout itself is untouched.
    expect(body(8).tree?.[0]?.content).toBe(await fixedLocally());
    expect(body(8).tree?.[0]?.content).toContain('resource "aws_s3_bucket_public_access_block" "backups" {');
    expect(readFileSync(join(repo.dir, "envs/prod/main.tf"), "utf8")).toBe(
      readFileSync(join(ROOT, "fixtures/repos/cspm-demo/envs/prod/main.tf"), "utf8"),
    );
    expect(body(9)).toEqual({ message: expect.any(String), tree: "7e1", parents: [repo.head] });
    expect(body(9).message).toMatch(
      /^fix\(security\): aws-s3-public-access-block on aws_s3_bucket\.backups\n/,
    );
    expect(body(9).message?.endsWith("\nFixloop-Finding: 6edc7db308ef6ac1b9785bcc\n")).toBe(true);
    expect(body(10)).toEqual({ ref: `refs/heads/${BRANCH}`, sha: "c0ffee1" });
    expect(body(11)).toMatchObject({ head: BRANCH, base: "main", maintainer_can_modify: true });
    expect(body(11).title).toBe(
      "fix(security): aws_s3_bucket.backups — S3 bucket does not block public access",
    );
    expect(body(11).body).toContain(MARKER);
    expect(body(11).body).toContain(
      "## Routing\n\nRouted to @\u200bacme/data-platform because .github/CODEOWNERS line 2 (/terraform/envs/prod/) makes it an owner of terraform/envs/prod/main.tf.\n",
    );
    expect(body(11).body).toContain(`+++ b/${FILE}`);
    // Nothing watches a PR opened from CI, and nobody answers commands there: the body says so.
    expect(body(11).body).toContain(
      "Opened from CI with `fixloop fix --open-pr`: nothing watches this pull request",
    );
    expect(body(11).body).not.toContain("## Commands");
    expect(body(12)).toEqual({
      labels: ["security", "fixloop", "risk:high", "security-review-required"],
      assignees: ["octo-sre"],
    });
    expect(body(13)).toEqual({ team_reviewers: ["data-platform"] });

    // Run 2, as a CI job that runs again: the open PR is found and already has this fix.
    const before = gh.requests.length;
    gh.get("/repos/acme/infra").reply(200, { default_branch: "main" });
    gh.get(`/repos/acme/infra/git/commits/${repo.head}`).reply(200, {
      sha: repo.head,
      tree: { sha: repo.tree },
      parents: [],
    });
    openPrs(gh, [BRANCH]);
    gh.get("/repos/acme/infra/pulls")
      .query({ head: `acme:${BRANCH}`, state: "all" })
      .reply(200, [
        {
          number: 42,
          state: "open",
          merged_at: null,
          html_url: "https://github.com/acme/infra/pull/42",
          head: { sha: "c0ffee1" },
        },
      ]);
    gh.get("/repos/acme/infra/git/commits/c0ffee1").reply(200, {
      sha: "c0ffee1",
      tree: { sha: "7e1" },
      parents: [{ sha: repo.head }],
    });
    gh.post("/repos/acme/infra/git/trees").reply(201, { sha: "7e1" });
    gh.patch("/repos/acme/infra/pulls/42").reply(200, {});

    const second = await run([repo.dir, "--findings", FINDINGS, "--open-pr"], env);

    expect(second.stdout).toBe(
      [
        "unchanged generic f-7f3a9c21 [high 68] → https://github.com/acme/infra/pull/42",
        `    branch ${BRANCH}; review: @acme/data-platform; already carries this fix; body refreshed`,
        "",
        "0 opened, 0 updated, 1 unchanged; 0 findings without a pull request.",
        "",
      ].join("\n"),
    );
    expect(second.code).toBe(0);
    expect(lines(gh).slice(before + 4)).toEqual([
      "GET /repos/acme/infra/git/commits/c0ffee1",
      "POST /repos/acme/infra/git/trees",
      "PATCH /repos/acme/infra/pulls/42",
    ]);
    expect(gh.requests[before + 5]?.body).toEqual(body(8)); // the same tree: no new commit
    expect(gh.requests[before + 6]?.body).toEqual({ title: body(11).title, body: body(11).body });
    expect(gh.count("POST", "/repos/{owner}/{repo}/pulls")).toBe(1);
    expect(gh.count("POST", "/repos/{owner}/{repo}/git/commits")).toBe(1);
  });
});

describe("fixloop fix --open-pr: what it refuses and reports", () => {
  const github = useMockGitHub();
  const env = { GITHUB_TOKEN: TOKEN };

  it("without GITHUB_TOKEN: exit 2 and says where the token goes, before any request", async () => {
    const repo = checkout("");
    let stderr = "";
    const code = await main(["fix", repo.dir, "--findings", FINDINGS, "--open-pr"], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: ROOT,
      env: {},
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      "fixloop fix: --open-pr needs a token in GITHUB_TOKEN with contents, pull requests and issues write access (in GitHub Actions, set it from secrets.GITHUB_TOKEN in the step's env)\n",
    );
    expect(github().requests).toEqual([]);
  });

  it("an invalid fixloop.yml opens nothing and names the key", async () => {
    const repo = checkout("gates:\n  prThreshold: lots\n");
    const r = await run([repo.dir, "--findings", FINDINGS, "--open-pr"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^fixloop fix: \.github\/fixloop\.yml is invalid \(gates\.prThreshold: .+\); no pull request was opened\n$/,
    );
    expect(github().requests).toEqual([]);
  });

  it("a finding the fix engine cannot fix is reported, with no PR and no request", async () => {
    const repo = checkout("");
    const sg = join(repo.top, "sg-finding.json");
    const batch = JSON.parse(readFileSync(join(ROOT, "fixtures/findings/generic/cspm-batch.json"), "utf8"));
    writeFileSync(sg, JSON.stringify([batch[1]]));
    const r = await run([repo.dir, "--findings", sg, "--open-pr"], env);
    expect(r.stdout).toBe(
      [
        "no PR     generic f-11b0e7d4 [high 68]",
        "    no Terraform block in this checkout defines arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890",
        "",
        "0 opened, 0 updated, 0 unchanged; 1 finding without a pull request.",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(1);
    expect(github().requests).toEqual([]);
  });

  it("a file with uncommitted changes is not sent: the PR would carry them", async () => {
    const repo = checkout("");
    const tf = join(repo.dir, "envs/prod/main.tf");
    writeFileSync(tf, `${readFileSync(tf, "utf8")}\n# local edit\n`);
    const r = await run([repo.dir, "--findings", FINDINGS, "--open-pr"], env);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      "no PR     generic f-7f3a9c21 [high 68]",
      `    ${FILE} differs from HEAD: the pull request is built on HEAD, so commit and push first`,
    ]);
    expect(r.code).toBe(1);
    expect(github().requests).toEqual([]);
  });

  it("the repository's open-PR limit holds: no new PR past it, with the reason, and nothing written", async () => {
    const repo = checkout("limits:\n  openPrsPerRepository: 2\n");
    const gh = github();
    gh.get("/repos/acme/infra").reply(200, { default_branch: "main" });
    gh.get(`/repos/acme/infra/git/commits/${repo.head}`).reply(200, { sha: repo.head });
    openPrs(gh, ["fixloop/aws-s3-versioning/0123456789ab", "fixloop/aws-sg-open-admin-ports/ba9876543210"]);
    const r = await run([repo.dir, "--findings", FINDINGS, "--open-pr"], env);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      "no PR     generic f-7f3a9c21 [high 68]",
      "    not opened: acme/infra has 2 open fixloop PRs (limits.openPrsPerRepository: 2); riskier findings went first — it opens on a later run, once some merge or close",
    ]);
    expect(r.code).toBe(1);
    expect(gh.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });

  it("a PR for the finding that was closed without merging is not opened again", async () => {
    const repo = checkout("");
    const gh = github();
    gh.get("/repos/acme/infra").reply(200, { default_branch: "main" });
    gh.get(`/repos/acme/infra/git/commits/${repo.head}`).reply(200, { sha: repo.head });
    openPrs(gh, []);
    gh.get("/repos/acme/infra/pulls")
      .query({ head: `acme:${BRANCH}`, state: "all" })
      .reply(200, [
        {
          number: 9,
          state: "closed",
          merged_at: null,
          html_url: "https://github.com/acme/infra/pull/9",
          head: { sha: "0ld" },
        },
      ]);
    const r = await run([repo.dir, "--findings", FINDINGS, "--open-pr", "--format", "json"], env);
    const [result] = JSON.parse(r.stdout).results;
    expect(result).toMatchObject({ findingId: "f-7f3a9c21", status: "fixed", pullRequest: null });
    expect(result.noPullRequest).toBe(
      "https://github.com/acme/infra/pull/9 was closed without merging: fixloop opens no other PR for this finding (reopen it to have it updated)",
    );
    expect(r.code).toBe(1);
  });

  it("an open PR built on an older base gets a new commit, moved onto HEAD", async () => {
    const repo = checkout("");
    const gh = github();
    gh.get("/repos/acme/infra").reply(200, { default_branch: "main" });
    gh.get(`/repos/acme/infra/git/commits/${repo.head}`).reply(200, { sha: repo.head });
    openPrs(gh, [BRANCH]);
    gh.get("/repos/acme/infra/pulls")
      .query({ head: `acme:${BRANCH}`, state: "all" })
      .reply(200, [
        {
          number: 42,
          state: "open",
          merged_at: null,
          html_url: "https://github.com/acme/infra/pull/42",
          head: { sha: "0ld" },
        },
      ]);
    gh.get("/repos/acme/infra/git/commits/0ld").reply(200, {
      sha: "0ld",
      tree: { sha: "t0" },
      parents: [{ sha: "ba5e0" }],
    });
    gh.post("/repos/acme/infra/git/trees").reply(201, { sha: "t1" });
    gh.post("/repos/acme/infra/git/commits").reply(201, { sha: "c1" });
    // The PR's branch exists: it is moved (force) in one request, not created first.
    gh.patch(`/repos/acme/infra/git/refs/heads/${BRANCH}`).reply(200, {});
    gh.patch("/repos/acme/infra/pulls/42").reply(200, {});
    const r = await run([repo.dir, "--findings", FINDINGS, "--open-pr"], env);
    expect(r.stdout.split("\n")[0]).toBe(
      "updated   generic f-7f3a9c21 [high 68] → https://github.com/acme/infra/pull/42",
    );
    expect(r.stdout.split("\n")[1]).toContain("new commit: the fix changed");
    expect(r.code).toBe(0);
    const commit = gh.requests.find((q) => q.method === "POST" && q.path.endsWith("/git/commits"));
    expect(commit?.body).toMatchObject({ tree: "t1", parents: [repo.head] });
    expect(gh.requests.at(-2)?.body).toEqual({ sha: "c1", force: true });
    expect(gh.count("POST", "/repos/{owner}/{repo}/pulls")).toBe(0);
  });
});

describe("fixloop fix --open-pr on GitHub Enterprise Server", () => {
  const GHES = "https://ghe.example.com/api/v3";
  const github = useMockGitHub({ apiUrl: GHES });

  it("talks to GITHUB_API_URL, takes the repository from GITHUB_REPOSITORY, and wants HEAD pushed first", async () => {
    const repo = checkout("");
    git(
      repo.top,
      "remote",
      "set-url",
      "origin",
      `https://x-access-token:${TOKEN}@elsewhere.example/other/thing.git`,
    );
    const gh = github();
    gh.get("/repos/sec/infra-live").reply(200, { default_branch: "trunk" });
    gh.get(`/repos/sec/infra-live/git/commits/${repo.head}`).reply(404, { message: "Not Found" });
    const r = await run([repo.dir, "--findings", FINDINGS, "--open-pr"], {
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: GHES,
      GITHUB_SERVER_URL: "https://ghe.example.com",
      GITHUB_REPOSITORY: "sec/infra-live",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `fixloop fix: HEAD (${repo.head.slice(0, 12)}) is not on sec/infra-live: push your branch first, the pull requests are built on that commit\n`,
    );
    expect(lines(gh)).toEqual([
      "GET /repos/sec/infra-live",
      `GET /repos/sec/infra-live/git/commits/${repo.head}`,
    ]);
  });
});

describe("parseRemoteUrl", () => {
  it.each([
    ["git@github.com:acme/infra.git", "acme/infra"],
    ["https://github.com/acme/infra", "acme/infra"],
    ["https://ghe.example.com/acme/infra.git/", "acme/infra"],
    ["ssh://git@ghe.example.com:7999/acme/infra.git", "acme/infra"],
    ["/srv/git/infra", null],
  ])("%s → %s", (url, expected) => {
    const r = parseRemoteUrl(url);
    expect(r ? `${r.owner}/${r.repo}` : null).toBe(expected);
  });
});
