// End to end through the app: a person's PR touching a finding's block is labelled and commented;
// when the finding is resolved — here by verification of its merged fix, from replayed check_run and
// check_suite deliveries and the source's passing re-scan — the `pr-review-refresh` job queued with
// that state change takes the label off and edits the same comment (by its remembered id) without
// waiting for the PR's next push. GitHub down at that moment delays the update and loses nothing;
// a redelivered pull_request event acts once.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { grantException } from "../../src/lifecycle/exceptions.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { type Harness, INSTALLATION_ID, ORG, REPO, startHarness } from "../app/harness.ts";
import {
  checkRunDelivery,
  checkSuiteDelivery,
  FINDING,
  mergeFix,
  mockCi,
  mockVerdict,
  openFixPr,
  publicBucket,
} from "../app/verification-setup.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";

const gh = useMockGitHub();
const R = `/repos/${ORG}/${REPO}`;
const PR = 31;
const HEAD = "1111111111111111111111111111111111111111";
const LABEL = "security-review-required";
const MINUTE = 60_000;
// Line 18 of envs/prod/main.tf, inside aws_s3_bucket.backups: the finding's block.
const TAG_PATCH =
  '@@ -16,4 +16,4 @@\n \n   tags = {\n-    Team = "data-platform"\n+    Team = "storage"\n   }\n }';

let h: Harness;
let fix: { path: string; content: string };
beforeEach(async () => {
  h = await startHarness();
  fix = await openFixPr(h, gh(), { config: "securityTeam: acme/appsec\nprScan:\n  enabled: false\n" });
  // The app's start and its first fix PR: longer than a hook's default 10 s on a busy machine.
}, 30_000);
afterEach(async () => {
  await h.close();
});

function opened() {
  const payload = withIds(
    webhookExample("pull_request", (p) => p.action === "opened" && p.installation !== undefined),
    { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: PR, headSha: HEAD },
  );
  return payload;
}

/** GitHub's answers for PR #31's diff: its files, and the head's main.tf (the team tag changed). */
function mockDiff() {
  const main = h.git("show", "HEAD~0:envs/prod/main.tf");
  gh()
    .get(`${R}/pulls/${PR}/files?per_page=100`)
    .reply(200, [
      {
        sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
        filename: "envs/prod/main.tf",
        status: "modified",
        additions: 1,
        deletions: 1,
        changes: 2,
        blob_url: "https://github.com/x",
        raw_url: "https://github.com/x",
        contents_url: "https://api.github.com/x",
        patch: TAG_PATCH,
      },
    ]);
  const text = main.replace('Team = "data-platform"', 'Team = "storage"');
  gh()
    .get(`${R}/contents/envs/prod/main.tf?ref=${HEAD}`)
    .reply(200, {
      type: "file",
      encoding: "base64",
      size: Buffer.byteLength(text),
      name: "main.tf",
      path: "envs/prod/main.tf",
      content: Buffer.from(text).toString("base64"),
      sha: "3d21ec53a331a6f037a91c368710b99387d012c1",
    });
}

/** The person's PR changes the finding's block: labelled, appsec asked, the comment posted. */
async function personTouchesTheFinding() {
  mockDiff();
  gh()
    .post(`${R}/issues/${PR}/labels`, { labels: [LABEL] })
    .reply(200, []);
  gh()
    .post(`${R}/pulls/${PR}/requested_reviewers`, { team_reviewers: ["appsec"] })
    .reply(201, {});
  gh()
    .post(`${R}/issues/${PR}/comments`)
    .reply(201, {
      id: 4_200_000_901,
      html_url: `https://github.com/${ORG}/${REPO}/pull/${PR}#issuecomment-4200000901`,
    });
  await h.probot.receive({ id: "pr-31-opened", name: "pull_request", payload: opened() });
}

/** The fix merges, CI is green, the source re-scans it passing: verification resolves the finding. */
async function resolveByVerification() {
  const sha = await mergeFix(h, fix);
  const delivery = checkRunDelivery(sha, "success");
  mockCi(gh(), sha, [delivery.check_run]);
  await h.probot.receive({ id: "d-ci-run", name: "check_run", payload: delivery });
  await h.probot.receive({ id: "d-ci-suite", name: "check_suite", payload: checkSuiteDelivery(sha) });
  await h.drain();
  h.clock.advance(20 * MINUTE);
  await h.postFindings(publicBucket("passed"));
  mockVerdict(gh());
  h.clock.advance(10 * MINUTE);
}

/** PR #31's comment edited in place, whatever the new body. */
function mockCommentEdit() {
  gh()
    .patch(`${R}/issues/comments/4200000901`)
    .reply(200, { id: 4_200_000_901, html_url: "https://github.com/c/1" });
}

/** A person's PR shows the finding, then it resolves: the label comes off, the comment is edited. */
async function resolvedWhileShown() {
  await personTouchesTheFinding();
  await resolveByVerification();
  gh().delete(`${R}/issues/${PR}/labels/${LABEL}`).reply(200, []);
  mockCommentEdit();
  await h.drain();
}

/** The source reports the fixed bucket failing again: the finding reopens and the fix job, finding
 *  the code already fixed, opens a tracking issue. */
async function failingInTheCloud() {
  gh()
    .post(`${R}/issues`)
    .reply(201, { number: 40, html_url: `https://github.com/${ORG}/${REPO}/issues/40` });
  await h.postFindings(publicBucket("failed"));
  await h.drain();
}

const onPr = (from: number) =>
  gh()
    .requests.slice(from)
    .filter(
      (r) =>
        r.path.includes(`/issues/${PR}`) ||
        r.path.includes(`/pulls/${PR}`) ||
        r.path.includes("/comments/4200000901"),
    )
    .map((r) => `${r.method} ${r.path}`);

const NO_LONGER = [
  "### fixloop: no open findings touched",
  "",
  "This pull request no longer touches a resource with an open finding; `security-review-required` was removed.",
  "",
  "<!-- fixloop:associated-findings -->",
].join("\n");

describe("a finding resolved while a person's PR shows it", () => {
  it("takes the label off and edits the comment in place, through the job queued with the resolution", async () => {
    const before = gh().requests.length;
    await personTouchesTheFinding();
    // Redelivered, the event acts once.
    await h.probot.receive({ id: "pr-31-opened", name: "pull_request", payload: opened() });
    expect(onPr(before)).toEqual([
      `GET ${R}/pulls/${PR}/files?per_page=100`,
      `POST ${R}/issues/${PR}/labels`,
      `POST ${R}/pulls/${PR}/requested_reviewers`,
      `POST ${R}/issues/${PR}/comments`,
    ]);

    await resolveByVerification();
    const resolving = gh().requests.length;
    gh().delete(`${R}/issues/${PR}/labels/${LABEL}`).reply(200, []);
    gh()
      .patch(`${R}/issues/comments/4200000901`, { body: NO_LONGER })
      .reply(200, { id: 4_200_000_901, html_url: "https://github.com/c/4200000901" });
    await h.drain();

    expect((await getFinding(h.store.db, FINDING))?.state).toBe("resolved");
    expect(onPr(resolving)).toEqual([
      `DELETE ${R}/issues/${PR}/labels/${LABEL}`,
      `PATCH ${R}/issues/comments/4200000901`,
    ]);
    expect(await listJobs(h.store.db, { kind: "pr-review-refresh" })).toMatchObject([{ state: "done" }]);
  });

  it("GitHub down when the finding resolves: the job waits and retries, and the PR is updated once", async () => {
    await personTouchesTheFinding();
    await resolveByVerification();
    gh().delete(`${R}/issues/${PR}/labels/${LABEL}`).reply(502, { message: "Bad Gateway" });
    await h.drain();
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("resolved");
    expect(await listJobs(h.store.db, { kind: "pr-review-refresh" })).toMatchObject([
      { state: "queued", attempts: 1 },
    ]);

    const retry = gh().requests.length;
    gh().delete(`${R}/issues/${PR}/labels/${LABEL}`).reply(200, []);
    gh()
      .patch(`${R}/issues/comments/4200000901`, { body: NO_LONGER })
      .reply(200, { id: 4_200_000_901, html_url: "https://github.com/c/4200000901" });
    h.clock.advance(10 * MINUTE);
    await h.drain();
    expect(onPr(retry)).toEqual([
      `DELETE ${R}/issues/${PR}/labels/${LABEL}`,
      `PATCH ${R}/issues/comments/4200000901`,
    ]);
    expect(await listJobs(h.store.db, { kind: "pr-review-refresh" })).toMatchObject([{ state: "done" }]);
  });

  it("leaves a closed PR alone", async () => {
    await personTouchesTheFinding();
    const closed = withIds(
      webhookExample(
        "pull_request",
        (p) => p.action === "closed" && p.installation !== undefined && p.pull_request.merged !== true,
      ),
      { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: PR, headSha: HEAD },
    );
    await h.probot.receive({ id: "pr-31-closed", name: "pull_request", payload: closed });
    const resolving = gh().requests.length;
    await resolveByVerification();
    await h.drain();
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("resolved");
    expect(onPr(resolving)).toEqual([]);
    expect(await listJobs(h.store.db, { kind: "pr-review-refresh" })).toEqual([]);
  });

  it("a finding that reopens is listed again on the PRs whose diff touches it", async () => {
    await resolvedWhileShown();

    const reopening = gh().requests.length;
    h.clock.advance(60 * MINUTE);
    // The regression job tells the fix's PR (#17); the refresh reads PR #31's diff again.
    gh().post(`${R}/issues/17/comments`).reply(201, { id: 5, html_url: "https://github.com/c/5" });
    mockDiff();
    // Before it puts the label on (and calls it its own), the job asks whether a person did.
    gh().get(`${R}/issues/${PR}/labels?per_page=100`).reply(200, []);
    gh()
      .post(`${R}/issues/${PR}/labels`, { labels: [LABEL] })
      .reply(200, []);
    gh()
      .post(`${R}/pulls/${PR}/requested_reviewers`, { team_reviewers: ["appsec"] })
      .reply(201, {});
    mockCommentEdit();
    // Fixed in the code but failing in the cloud: the fix job then opens a tracking issue.
    await failingInTheCloud();
    const trail = (await auditTrail(h.store.db, FINDING)).map((e) => `${e.from}→${e.to}`);
    expect(trail).toContain("resolved→reopened");
    expect(onPr(reopening)).toEqual([
      `GET ${R}/pulls/${PR}/files?per_page=100`,
      `GET ${R}/issues/${PR}/labels?per_page=100`,
      `POST ${R}/issues/${PR}/labels`,
      `POST ${R}/pulls/${PR}/requested_reviewers`,
      `PATCH ${R}/issues/comments/4200000901`,
    ]);
    const edited = gh().requests.at(-1)?.body as { body: string };
    expect(edited.body).toContain(
      "| `aws-s3-public-access-block` Enable S3 Block Public Access on the bucket | high",
    );
  });

  it("a label a person put on stays theirs: the job reads the PR's labels before it claims one", async () => {
    await resolvedWhileShown();

    // A reviewer puts the label back by hand; GitHub sends fixloop no delivery for that.
    const reopening = gh().requests.length;
    h.clock.advance(60 * MINUTE);
    gh().post(`${R}/issues/17/comments`).reply(201, { id: 5, html_url: "https://github.com/c/5" });
    mockDiff();
    gh()
      .get(`${R}/issues/${PR}/labels?per_page=100`)
      .reply(200, [{ id: 1, name: LABEL, color: "b60205", default: false }]);
    gh()
      .post(`${R}/pulls/${PR}/requested_reviewers`, { team_reviewers: ["appsec"] })
      .reply(201, {});
    mockCommentEdit();
    await failingInTheCloud();
    // The finding reopened: the label is there already, so fixloop neither adds it nor owns it.
    expect(onPr(reopening)).toEqual([
      `GET ${R}/pulls/${PR}/files?per_page=100`,
      `GET ${R}/issues/${PR}/labels?per_page=100`,
      `POST ${R}/pulls/${PR}/requested_reviewers`,
      `PATCH ${R}/issues/comments/4200000901`,
    ]);

    // The finding leaves open work again (an exception granted): the person's label stays on.
    const excepting = gh().requests.length;
    gh()
      .patch(`${R}/issues/comments/4200000901`, {
        body: [
          "### fixloop: no open findings touched",
          "",
          "This pull request no longer touches a resource with an open finding.",
          "",
          "<!-- fixloop:associated-findings -->",
        ].join("\n"),
      })
      .reply(200, { id: 4_200_000_901, html_url: "https://github.com/c/1" });
    await grantException(h.store, {
      findingId: FINDING,
      reason: "accepted until the bucket is retired",
      approvedBy: { kind: "github-user", login: "octocat", id: 583231 },
      expiresAt: new Date(h.clock.clock() + 30 * 24 * 60 * MINUTE),
    });
    await h.drain();
    expect(onPr(excepting)).toEqual([`PATCH ${R}/issues/comments/4200000901`]);
    expect(await listJobs(h.store.db, { kind: "pr-review-refresh" })).toMatchObject([
      { state: "done" },
      { state: "done" },
      { state: "done" },
    ]);
  });
});
