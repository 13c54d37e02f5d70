// End to end: a CSPM posts a signed finding for a public S3 bucket; fixloop opens one pull request
// on the repository that defines the bucket, with the exact patch, labels, the owning team as
// reviewer and a body a reviewer can act on — and never a second one.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getFinding } from "../../src/store/findings.ts";
import { remediationsOf } from "../../src/store/remediations.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import {
  FIXTURES,
  type Harness,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  startHarness,
} from "./harness.ts";

const gh = useMockGitHub();
const PUBLIC_BUCKET = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));
const REPO_CONFIG = "owners:\n  teams:\n    data-platform: acme/data-platform\n";
const PATCHED = readFileSync(join(FIXTURES, "repos/cspm-demo/envs/prod/main.tf"), "utf8").replace(
  'resource "aws_s3_bucket_versioning" "backups" {',
  [
    'resource "aws_s3_bucket_public_access_block" "backups" {',
    "  bucket = aws_s3_bucket.backups.id",
    "",
    "  block_public_acls       = true",
    "  block_public_policy     = true",
    "  ignore_public_acls      = true",
    "  restrict_public_buckets = true",
    "}",
    "",
    'resource "aws_s3_bucket_versioning" "backups" {',
  ].join("\n"),
);

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const BRANCH = "fixloop/aws-s3-public-access-block/2246b397c614";
const PR_URL = `https://github.com/${ORG}/${REPO}/pull/17`;

/** The requests of one new PR, each answered as GitHub would. */
function mockNewPullRequest(options: { prCreate?: "ok" | "crash" } = {}) {
  gh()
    .get(`/repos/${ORG}/${REPO}/labels?per_page=100`)
    .reply(200, [{ name: "security" }]);
  for (const name of ["fixloop", "risk:high", "security-review-required"])
    gh()
      .post(`/repos/${ORG}/${REPO}/labels`, (b) => b.name === name)
      .reply(201, { name });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/trees`)
    .reply(201, { sha: "tree0000000000000000000000000000000000001" });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/commits`)
    .reply(201, { sha: "c0ffee0000000000000000000000000000000001" });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/refs`)
    .reply(201, { ref: `refs/heads/${BRANCH}` });
  if (options.prCreate === "crash") {
    gh().post(`/repos/${ORG}/${REPO}/pulls`).reply(502, { message: "Server Error" });
    return;
  }
  gh().post(`/repos/${ORG}/${REPO}/pulls`).reply(201, { number: 17, html_url: PR_URL });
  gh().patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, { number: 17 });
  gh().post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).reply(201, { number: 17 });
}

function requestBody(method: string, route: string): Record<string, unknown> {
  const r = gh().requests.find((x) => x.method === method && x.route === route);
  if (!r) throw new Error(`no ${method} ${route}`);
  return r.body as Record<string, unknown>;
}

describe("a signed finding for a public S3 bucket, end to end", () => {
  it("is stored before the 202, then becomes one PR on the repository that defines the bucket", async () => {
    mockInstallation(gh());
    const posted = await h.postFindings(PUBLIC_BUCKET);
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({
      accepted: 1,
      rejected: [],
      findings: [{ id: "2246b397c614a4456bf7b417", state: "fixing", outcome: "created" }],
    });
    const stored = await getFinding(h.store.db, "2246b397c614a4456bf7b417");
    expect(stored).toMatchObject({ state: "fixing", org: ORG, installationId: 4242 });

    mockRepositories(gh());
    mockConfig(gh(), REPO, REPO_CONFIG);
    mockNewPullRequest();
    const before = gh().requests.length;
    await h.drain();

    // The commit: only the patched file, on top of the default branch's tree, verified by GitHub.
    const head = h.git("rev-parse", "HEAD").trim();
    const tree = h.git("rev-parse", "HEAD^{tree}").trim();
    expect(requestBody("POST", "/repos/{owner}/{repo}/git/trees")).toEqual({
      base_tree: tree,
      tree: [{ path: "envs/prod/main.tf", mode: "100644", type: "blob", content: PATCHED }],
    });
    const commit = requestBody("POST", "/repos/{owner}/{repo}/git/commits");
    expect(commit.parents).toEqual([head]);
    expect(commit.message).toMatch(
      /^fix\(security\): aws-s3-public-access-block on aws_s3_bucket\.backups\n/,
    );
    expect(commit.message).toMatch(/\nFixloop-Finding: 2246b397c614a4456bf7b417\n$/);
    expect(requestBody("POST", "/repos/{owner}/{repo}/git/refs")).toEqual({
      ref: `refs/heads/${BRANCH}`,
      sha: "c0ffee0000000000000000000000000000000001",
    });
    const pr = requestBody("POST", "/repos/{owner}/{repo}/pulls");
    expect(pr).toMatchObject({ head: BRANCH, base: "main", maintainer_can_modify: true });
    expect(pr.title).toBe("fix(security): aws_s3_bucket.backups — S3 bucket does not block public access");
    await expect(pr.body).toMatchFileSnapshot("__snapshots__/public-bucket-pr-body.md");
    expect(requestBody("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}")).toEqual({
      labels: ["security", "fixloop", "risk:high", "security-review-required"],
    });
    expect(requestBody("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")).toEqual({
      team_reviewers: ["data-platform"],
    });

    // State, audit and the remediation record agree with GitHub.
    const after = await getFinding(h.store.db, "2246b397c614a4456bf7b417");
    expect(after?.state).toBe("pr_open");
    const [remediation] = await remediationsOf(h.store.db, "2246b397c614a4456bf7b417");
    expect(remediation).toMatchObject({
      repository: `${ORG}/${REPO}`,
      branch: BRANCH,
      prNumber: 17,
      prUrl: PR_URL,
      commitSha: "c0ffee0000000000000000000000000000000001",
      files: ["envs/prod/main.tf"],
      prState: "open",
      assignment: { team: "acme/data-platform", reviewers: [], decidedBy: "finding" },
    });
    // Cold repository: installation repositories, its config, the label listing and three labels
    // are one-time costs; the PR itself is six requests.
    const prRequests = gh()
      .requests.slice(before)
      .filter((r) => !/labels|installation|contents|access_tokens/.test(r.path));
    expect(prRequests.map((r) => `${r.method} ${r.route}`)).toEqual([
      "POST /repos/{owner}/{repo}/git/trees",
      "POST /repos/{owner}/{repo}/git/commits",
      "POST /repos/{owner}/{repo}/git/refs",
      "POST /repos/{owner}/{repo}/pulls",
      "PATCH /repos/{owner}/{repo}/issues/{issue_number}",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    ]);
  });

  it("the same POST twice still gives one PR, and costs GitHub nothing the second time", async () => {
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, REPO_CONFIG);
    mockNewPullRequest();
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();
    const count = gh().requests.length;

    const again = await h.postFindings(PUBLIC_BUCKET);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ findings: [{ state: "pr_open", outcome: "updated" }] });
    expect(await h.drain()).toBe(0);
    expect(gh().requests.length).toBe(count);
    expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(1);
  });

  it("a crash between the branch and the PR is finished by the retry, with one PR", async () => {
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, REPO_CONFIG);
    mockNewPullRequest({ prCreate: "crash" });
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();
    expect((await getFinding(h.store.db, "2246b397c614a4456bf7b417"))?.state).toBe("fixing");

    // The retry adopts the branch the first attempt saved: no second tree, commit or ref. GitHub
    // may have created the PR before failing to answer, so the retry looks for it first.
    gh()
      .get(`/repos/${ORG}/${REPO}/pulls?head=${ORG}%3A${encodeURIComponent(BRANCH)}&state=open`)
      .reply(200, []);
    gh().post(`/repos/${ORG}/${REPO}/pulls`).reply(201, { number: 17, html_url: PR_URL });
    gh().patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, { number: 17 });
    gh().post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).reply(201, { number: 17 });
    h.clock.advance(10 * 60_000);
    await h.drain();
    expect((await getFinding(h.store.db, "2246b397c614a4456bf7b417"))?.state).toBe("pr_open");
    expect(gh().count("POST", "/repos/{owner}/{repo}/git/commits")).toBe(1);
    expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(2);
    expect(await remediationsOf(h.store.db, "2246b397c614a4456bf7b417")).toHaveLength(1);
  });
});
