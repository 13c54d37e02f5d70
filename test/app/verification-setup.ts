// The verification loop driven through the real app: a fix PR opened from a POSTed finding (as in
// webhooks.test.ts), the fix "merged" by committing fixloop's own patch to the harness repository's
// default branch, CI reported by replayed check_run / check_suite deliveries (adapted only in ids
// and shas), and GitHub's REST answers for what verification asks (CI listing, check run, comment).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signRequest } from "../../src/http/signature.ts";
import type { MockGitHub } from "../github/kit/mock-github.ts";
import { mergedPullRequestExample, webhookExample, withIds } from "../github/kit/webhooks.ts";
import {
  API_SECRET,
  FIXTURES,
  type Harness,
  INSTALLATION_ID,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  uniqueTimestamp,
} from "./harness.ts";

/** acme's finding for the public bucket: its dedupe key 6edc7db308ef6ac1b9785bcc scoped to acme. */
export const FINDING = "2246b397c614a4456bf7b417";
export const PR_NUMBER = 17;
export const PR_URL = `https://github.com/${ORG}/${REPO}/pull/${PR_NUMBER}`;
export const EVIDENCE_PATH = `/api/findings/${FINDING}/evidence`;
/** What fixloop links on GitHub: the finding's page for people (src/web). */
export const EVIDENCE_URL = `https://fixloop.example.com/findings/${FINDING}`;
/** What the API's answers point at: the signed evidence route. */
export const API_EVIDENCE_URL = `https://fixloop.example.com${EVIDENCE_PATH}`;
export const CHECK_RUN_URL = `https://github.com/${ORG}/${REPO}/runs/900`;
export const COMMENT_URL = `${PR_URL}#issuecomment-1`;
export const R = `/repos/${ORG}/${REPO}`;
export const COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments";
export const CHECK_RUNS = "/repos/{owner}/{repo}/check-runs";
const IDS = { owner: ORG, repo: REPO, installationId: INSTALLATION_ID };

/** The generic CSPM payload for the demo's public bucket, as the source reports it now. */
export function publicBucket(status?: "passed" | "failed"): unknown {
  const doc = JSON.parse(
    readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"),
  ) as Array<Record<string, unknown>>;
  if (status) for (const record of doc) record.status = status;
  return doc;
}

/**
 * The organization's SLA for these tests, which are not about it: the fixture was detected on
 * 2026-11-02, so with the default 168 h its SLA has run out when the harness starts (2026-11-20),
 * and the SLA sweep would label and comment on the PR (test/app/sla.test.ts covers that).
 */
const LONG_SLA = "slaHours:\n  high: 2160\n";

/** POSTs the finding and lets the app open its PR (#17); returns the patched file fixloop committed. */
export async function openFixPr(
  h: Harness,
  gh: MockGitHub,
  options: { config?: string; orgConfig?: string } = {},
): Promise<{ path: string; content: string }> {
  const config = options.config ?? "";
  mockInstallation(gh, { orgConfig: options.orgConfig ?? LONG_SLA });
  mockRepositories(gh);
  mockConfig(gh, REPO, `owners:\n  teams:\n    data-platform: acme/data-platform\n${config}`);
  gh.get(`${R}/labels?per_page=100`).reply(200, [
    { name: "security" },
    { name: "fixloop" },
    { name: "risk:high" },
    { name: "security-review-required" },
  ]);
  gh.post(`${R}/git/trees`).reply(201, { sha: "a".repeat(40) });
  gh.post(`${R}/git/commits`).reply(201, { sha: "b".repeat(40) });
  gh.post(`${R}/git/refs`).reply(201, {});
  gh.post(`${R}/pulls`).reply(201, { number: PR_NUMBER, html_url: PR_URL });
  gh.patch(`${R}/issues/${PR_NUMBER}`).reply(200, {});
  gh.post(`${R}/pulls/${PR_NUMBER}/requested_reviewers`).reply(201, {});
  const posted = await h.postFindings(publicBucket());
  if (posted.status !== 202) throw new Error(`the finding was not accepted: ${JSON.stringify(posted.body)}`);
  await h.drain();
  const tree = gh.requests.find((r) => r.route === "/repos/{owner}/{repo}/git/trees")?.body as
    | { tree: Array<{ path: string; content: string }> }
    | undefined;
  const file = tree?.tree[0];
  if (!file) throw new Error("fixloop opened no PR: no tree was created");
  return file;
}

/**
 * Merges the fix: fixloop's patched file lands on the default branch of the harness repository
 * (so the code re-scan reads the fixed Terraform), and the merged `pull_request.closed` delivery
 * names that commit as the merge commit. Returns the merge commit's sha.
 */
export async function mergeFix(h: Harness, fix: { path: string; content: string }): Promise<string> {
  const base = h.git("rev-parse", "HEAD").trim();
  writeFileSync(join(h.repoDir, fix.path), fix.content);
  h.git("commit", "--quiet", "-am", `Merge pull request #${PR_NUMBER}`);
  const sha = h.git("rev-parse", "HEAD").trim();
  const payload = withIds(mergedPullRequestExample(), { ...IDS, number: PR_NUMBER, mergeCommitSha: sha });
  await h.probot.receive({ id: "d-merge", name: "pull_request", payload });
  // GitHub also sends the default branch's push: the app learns the new head without asking git.
  const push = withIds(
    webhookExample("push", (p) => p.ref === `refs/heads/${p.repository.default_branch}`),
    { ...IDS, baseSha: base, headSha: sha },
  );
  await h.probot.receive({ id: "d-push", name: "push", payload: push });
  return sha;
}

type Conclusion = "success" | "failure";

/** GitHub's recorded `check_run.completed` delivery for this conclusion, on the merge commit. */
export function checkRunDelivery(sha: string, conclusion: Conclusion) {
  return withIds(
    webhookExample("check_run", (p) => p.action === "completed" && p.check_run.conclusion === conclusion),
    { ...IDS, headSha: sha },
  );
}

/** GitHub's recorded `check_suite.completed` (success) delivery, on the merge commit. */
export function checkSuiteDelivery(sha: string) {
  return withIds(
    webhookExample("check_suite", (p) => p.action === "completed"),
    { ...IDS, headSha: sha },
  );
}

/** A recorded check run still queued (CI has started on the merge commit, not finished). */
export function queuedCheckRun(sha: string) {
  return withIds(
    webhookExample("check_run", (p) => p.action === "created"),
    { ...IDS, headSha: sha },
  ).check_run;
}

/** What verification asks GitHub about CI on the merge commit: its check runs, its statuses, the branch. */
export function mockCi(gh: MockGitHub, sha: string, runs: readonly object[], branch?: object) {
  gh.get(`${R}/commits/${sha}/check-runs?per_page=100`).reply(200, {
    total_count: runs.length,
    check_runs: runs,
  });
  gh.get(`${R}/commits/${sha}/statuses?per_page=100`).reply(200, []);
  gh.get(`${R}/branches/main`).reply(200, branch ?? { name: "main", protected: false });
}

/** The verdict's check run and its one PR comment. */
export function mockVerdict(gh: MockGitHub) {
  gh.post(`${R}/check-runs`).reply(201, { id: 900, html_url: CHECK_RUN_URL });
  gh.post(`${R}/issues/${PR_NUMBER}/comments`).reply(201, { id: 1, html_url: COMMENT_URL });
}

/** A signed GET of fixloop's API (v2: method, path, query and an empty body). */
export function signedGet(h: Harness, path: string): Promise<Response> {
  const timestamp = uniqueTimestamp(h.clock.clock());
  return fetch(`${h.apiUrl}${path}`, {
    headers: signRequest(API_SECRET, { timestamp, method: "GET", target: path, body: "" }),
  });
}

/** Bodies of the POSTs answered for one operation, in order. */
export const postedBodies = <T = Record<string, unknown>>(gh: MockGitHub, route: string): T[] =>
  gh.requests.filter((r) => r.method === "POST" && r.route === route).map((r) => r.body as T);

/** The REST requests after index `from`, without the installation token (Probot refreshes it on its own). */
export const restRequestsSince = (gh: MockGitHub, from: number): string[] =>
  gh.requests
    .slice(from)
    .filter((r) => !r.path.includes("/access_tokens"))
    .map((r) => `${r.method} ${r.route ?? r.path}`);
