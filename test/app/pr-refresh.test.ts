// The app's own PR, after it is open: a later remediation of the same finding refreshes that PR —
// a new commit force-moved onto the same branch when the fix changed, only the body otherwise —
// and never opens a second one. And a review request GitHub refuses (422: the team cannot review
// in this repository) does not fail the PR: it is opened, and the refusal is logged.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { remediateJob } from "../../src/jobs/kinds.ts";
import { getFinding } from "../../src/store/findings.ts";
import { enqueueJobs } from "../../src/store/jobs.ts";
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
const ID = "2246b397c614a4456bf7b417";
const BRANCH = "fixloop/aws-s3-public-access-block/2246b397c614";
const PR_URL = `https://github.com/${ORG}/${REPO}/pull/17`;
const FIRST_COMMIT = "c0ffee0000000000000000000000000000000001";
const SECOND_COMMIT = "c0ffee0000000000000000000000000000000002";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function mockNewPullRequest(review: { status: number; body: object }) {
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
  gh().post(`/repos/${ORG}/${REPO}/git/commits`).reply(201, { sha: FIRST_COMMIT });
  gh()
    .post(`/repos/${ORG}/${REPO}/git/refs`)
    .reply(201, { ref: `refs/heads/${BRANCH}` });
  gh().post(`/repos/${ORG}/${REPO}/pulls`).reply(201, { number: 17, html_url: PR_URL });
  gh().patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, { number: 17 });
  gh().post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).reply(review.status, review.body);
}

async function openFirstPr(review = { status: 201, body: { number: 17 } as object }) {
  mockInstallation(gh());
  mockRepositories(gh());
  mockConfig(gh(), REPO, REPO_CONFIG);
  mockNewPullRequest(review);
  await h?.postFindings(PUBLIC_BUCKET);
  await h?.drain();
  expect((await getFinding(h!.store.db, ID))?.state).toBe("pr_open");
}

/** What a `/fixloop retry` or a regression does: one more remediate job for the finding. */
async function remediateAgain(): Promise<void> {
  const store = h!.store;
  const finding = await getFinding(store.db, ID);
  await store.transaction((tx) => enqueueJobs(tx, [remediateJob(ID, finding!.risk.score)], store.now()));
  await h!.drain();
}

const requests = (method: string, route: string) =>
  gh().requests.filter((r) => r.method === method && r.route === route);

describe("the app refreshing its own PR", () => {
  it("a changed fix is a new commit force-moved onto the PR's branch, not a second PR", async () => {
    h = await startHarness();
    await openFirstPr();

    // The default branch moves on: the patched file now has another line, so the fix's content differs.
    const file = join(h.repoDir, "envs/prod/main.tf");
    writeFileSync(file, `# owned by the data platform team\n${readFileSync(file, "utf8")}`);
    h.git("commit", "--quiet", "-am", "a comment on top");
    const head = h.git("rev-parse", "HEAD").trim();
    h.clock.advance(5 * 60_000); // past the time a known head is trusted without asking git again

    gh()
      .post(`/repos/${ORG}/${REPO}/git/trees`)
      .reply(201, { sha: "tree0000000000000000000000000000000000002" });
    gh().post(`/repos/${ORG}/${REPO}/git/commits`).reply(201, { sha: SECOND_COMMIT });
    gh()
      .patch(`/repos/${ORG}/${REPO}/git/refs/heads/${BRANCH}`)
      .reply(200, { ref: `refs/heads/${BRANCH}` });
    gh().patch(`/repos/${ORG}/${REPO}/pulls/17`).reply(200, { number: 17 });
    await remediateAgain();

    expect(requests("POST", "/repos/{owner}/{repo}/pulls")).toHaveLength(1);
    expect(requests("POST", "/repos/{owner}/{repo}/git/commits").at(-1)?.body).toMatchObject({
      parents: [head],
    });
    expect(requests("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}").at(-1)?.body).toEqual({
      sha: SECOND_COMMIT,
      force: true,
    });
    const update = requests("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}")[0]?.body as Record<
      string,
      string
    >;
    expect(update.title).toBe(
      "fix(security): aws_s3_bucket.backups — S3 bucket does not block public access",
    );
    expect(update.body).toContain("<!-- fixloop:finding=2246b397c614a4456bf7b417");
    const [remediation] = await remediationsOf(h.store.db, ID);
    expect(remediation).toMatchObject({
      prNumber: 17,
      branch: BRANCH,
      commitSha: SECOND_COMMIT,
      prState: "open",
    });
    expect(await remediationsOf(h.store.db, ID)).toHaveLength(1);
    expect((await getFinding(h.store.db, ID))?.state).toBe("pr_open");
  });

  it("the same fix again refreshes only the body: no commit, no branch move", async () => {
    h = await startHarness();
    await openFirstPr();
    gh().patch(`/repos/${ORG}/${REPO}/pulls/17`).reply(200, { number: 17 });
    await remediateAgain();
    expect(requests("POST", "/repos/{owner}/{repo}/git/commits")).toHaveLength(1);
    expect(requests("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}")).toHaveLength(0);
    expect(requests("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}")).toHaveLength(1);
    const [remediation] = await remediationsOf(h.store.db, ID);
    expect(remediation?.commitSha).toBe(FIRST_COMMIT);
  });
});

describe("a review request GitHub refuses", () => {
  it("422: the PR is opened and recorded anyway, and the refusal is logged with the reviewers", async () => {
    const lines: string[] = [];
    h = await startHarness({ log: pino({ level: "warn" }, { write: (s: string) => lines.push(s) }) });
    const refusal =
      "Reviews may only be requested from collaborators. One or more of the teams you specified is not a collaborator of the acme/infra repository.";
    await openFirstPr({ status: 422, body: { message: refusal } });
    expect(
      requests("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")[0]?.body,
    ).toEqual({
      team_reviewers: ["data-platform"],
    });
    const [remediation] = await remediationsOf(h.store.db, ID);
    expect(remediation).toMatchObject({ prNumber: 17, prUrl: PR_URL, prState: "open" });
    const warned = lines.map((l) => JSON.parse(l) as { msg: string; findingId?: string; pr?: string });
    expect(warned).toContainEqual(
      expect.objectContaining({
        findingId: ID,
        pr: PR_URL,
        msg: expect.stringMatching(
          /^GitHub refused the review request for acme\/data-platform: Reviews may only be requested from collaborators\./,
        ),
      }),
    );
  });
});
