// Replayed webhooks (from @octokit/webhooks-examples, adapted only in ids) against an app that has
// opened a fix PR: closing it, merging it, and commenting commands on it.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepPendingVerifications } from "../../src/jobs/sweeps.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { remediationsOf } from "../../src/store/remediations.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { mergedPullRequestExample, webhookExample, withIds } from "../github/kit/webhooks.ts";
import { type Harness, INSTALLATION_ID, ORG, REPO, startHarness } from "./harness.ts";
import { FINDING, openFixPr, publicBucket } from "./verification-setup.ts";

const MINUTE = 60_000;
const COMMENTS_ROUTE = "/repos/{owner}/{repo}/issues/{issue_number}/comments";

const gh = useMockGitHub();
const IDS = { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: 17 };
const MERGE_SHA = "5fa1e3b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1f3";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await openFixPr(h, gh());
  expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
});
afterEach(async () => {
  await h.close();
});

function closedUnmerged() {
  return withIds(
    webhookExample("pull_request", (p) => p.action === "closed"),
    IDS,
  );
}

describe("pull_request.closed", () => {
  it("merged: the finding is merged, by the merger, with the merge commit recorded", async () => {
    const payload = withIds(mergedPullRequestExample(), { ...IDS, mergeCommitSha: MERGE_SHA });
    await h.probot.receive({ id: "d-merge-1", name: "pull_request", payload });
    const finding = await getFinding(h.store.db, FINDING);
    expect(finding?.state).toBe("merged");
    const last = (await auditTrail(h.store.db, FINDING)).at(-1);
    expect(last).toMatchObject({
      from: "pr_open",
      to: "merged",
      actor: { kind: "github-user", login: payload.pull_request.merged_by?.login },
    });
    const [remediation] = await remediationsOf(h.store.db, FINDING);
    expect(remediation).toMatchObject({ prState: "merged", mergeCommitSha: MERGE_SHA });
    // Verification takes over; if that job were lost, the catch-up sweep queues it again.
    const verify = await listJobs(h.store.db, { kind: "verify", state: "queued" });
    expect(verify.map((j) => j.uniqueKey)).toEqual([`verify:${FINDING}`]);
    await h.store.db.deleteFrom("jobs").where("kind", "=", "verify").execute();
    expect(await sweepPendingVerifications(h.store)).toBe(1);
    expect(await sweepPendingVerifications(h.store)).toBe(0);

    // A redelivery changes nothing.
    const events = (await auditTrail(h.store.db, FINDING)).length;
    await h.probot.receive({ id: "d-merge-1", name: "pull_request", payload });
    expect(await auditTrail(h.store.db, FINDING)).toHaveLength(events);
    expect((await getFinding(h.store.db, FINDING))?.version).toBe(finding?.version);
  });

  it("closed without merge: no new PR for the finding until someone asks", async () => {
    await h.probot.receive({ id: "d-close-1", name: "pull_request", payload: closedUnmerged() });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("closed_unmerged");
    expect((await remediationsOf(h.store.db, FINDING))[0]?.prState).toBe("closed");
    await h.drain();
    expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(1);
  });

  it("closed without merge, seen again: no new PR for the same fix, even after an unrelated edit; a new one once the fix differs", async () => {
    await h.probot.receive({ id: "d-close-3", name: "pull_request", payload: closedUnmerged() });
    const before = gh().requests.length;
    const writes = () =>
      gh()
        .requests.slice(before)
        .filter((r) => r.method !== "GET")
        .map((r) => `${r.method} ${r.route}`);

    // The CSPM reports the bucket again: a recheck is queued, six hours out.
    h.clock.advance(60 * MINUTE);
    expect((await h.postFindings(publicBucket())).status).toBe(202);
    const [recheck] = await listJobs(h.store.db, { kind: "recheck", state: "queued" });
    expect(recheck).toMatchObject({
      uniqueKey: `recheck:${FINDING}`,
      runAt: Date.parse("2026-11-20T17:00:00.000Z"),
    });
    // Reported again within the window: still one recheck.
    expect((await h.postFindings(publicBucket())).status).toBe(202);
    expect(await listJobs(h.store.db, { kind: "recheck", state: "queued" })).toHaveLength(1);

    // Someone edits the file elsewhere; the fix itself is the one the reviewers turned down.
    const main = join(h.repoDir, "envs/prod/main.tf");
    writeFileSync(main, `# Production storage.\n${readFileSync(main, "utf8")}`);
    h.git("commit", "--quiet", "-am", "docs: say what the file is");
    h.clock.advance(6 * 60 * MINUTE);
    // The recheck reads the repository over git (its head moved) and its cached configuration.
    await h.drain();
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("closed_unmerged");
    expect(writes()).toEqual([]);
    expect((await listJobs(h.store.db, { kind: "recheck" })).map((j) => [j.state, j.lastError])).toEqual([
      ["done", null],
    ]);

    // The bucket's resource is renamed: the public access block fixloop would add is a new change.
    writeFileSync(
      main,
      readFileSync(main, "utf8")
        .replaceAll("aws_s3_bucket.backups", "aws_s3_bucket.customer_backups")
        .replace('resource "aws_s3_bucket" "backups"', 'resource "aws_s3_bucket" "customer_backups"'),
    );
    h.git("commit", "--quiet", "-am", "refactor: rename the backups bucket");
    h.clock.advance(60 * MINUTE);
    expect((await h.postFindings(publicBucket())).status).toBe(202);
    h.clock.advance(6 * 60 * MINUTE);
    // The repositories, the configuration and the labels are still cached from the last look.
    gh()
      .post(`/repos/${ORG}/${REPO}/git/trees`)
      .reply(201, { sha: "c".repeat(40) });
    gh()
      .post(`/repos/${ORG}/${REPO}/git/commits`)
      .reply(201, { sha: "d".repeat(40) });
    gh().post(`/repos/${ORG}/${REPO}/git/refs`).reply(201, {});
    gh()
      .post(`/repos/${ORG}/${REPO}/pulls`)
      .reply(201, { number: 18, html_url: `https://github.com/${ORG}/${REPO}/pull/18` });
    gh().patch(`/repos/${ORG}/${REPO}/issues/18`).reply(200, {});
    gh().post(`/repos/${ORG}/${REPO}/pulls/18/requested_reviewers`).reply(201, {});
    await h.drain();

    expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
    const trail = (await auditTrail(h.store.db, FINDING)).slice(-2);
    expect(trail.map((e) => `${e.from}→${e.to}`)).toEqual(["closed_unmerged→fixing", "fixing→pr_open"]);
    expect(trail[0]?.reason).toMatch(
      /^the fix changed since https:\/\/github\.com\/acme\/infra\/pull\/17 was closed without merge: aws-s3-public-access-block: /,
    );
    const tree = gh()
      .requests.filter((r) => r.route === "/repos/{owner}/{repo}/git/trees")
      .at(-1)?.body as {
      tree: Array<{ content: string }>;
    };
    expect(tree.tree[0]?.content).toContain("bucket = aws_s3_bucket.customer_backups.id");
  });

  it("a PR fixloop did not open is ignored", async () => {
    const payload = withIds(
      webhookExample("pull_request", (p) => p.action === "closed"),
      { ...IDS, number: 99 },
    );
    await h.probot.receive({ id: "d-other", name: "pull_request", payload });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
  });
});

describe("comment commands", () => {
  function comment(body: string, login = "octocat") {
    const payload = withIds(
      webhookExample("issue_comment", (p) => p.action === "created"),
      IDS,
    );
    payload.comment.body = body;
    if (payload.comment.user) {
      payload.comment.user.login = login;
      payload.comment.user.type = "User";
    }
    return payload;
  }

  it("/fixloop retry after a close without merge: back to fixing, acknowledged once", async () => {
    await h.probot.receive({ id: "d-close-2", name: "pull_request", payload: closedUnmerged() });
    gh()
      .get(`/repos/${ORG}/${REPO}/collaborators/octocat/permission`)
      .reply(200, { permission: "write", role_name: "write" });
    gh()
      .post(`/repos/${ORG}/${REPO}/issues/17/comments`, (b) =>
        /^On it: fixloop will compute the fix again/.test(b.body),
      )
      .reply(201, {});
    const payload = comment("Thanks!\n/fixloop retry");
    await h.probot.receive({ id: "d-comment-1", name: "issue_comment", payload });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("fixing");
    const queued = (await listJobs(h.store.db)).filter((j) => j.kind === "remediate" && j.state === "queued");
    expect(queued).toHaveLength(1);
    // The same delivery again: no second reply (an extra comment would be an unmocked request).
    await h.probot.receive({ id: "d-comment-1", name: "issue_comment", payload });
  });

  it("a delivery that fails mid-work changes nothing, and its redelivery does the work once", async () => {
    await h.probot.receive({ id: "d-close-3", name: "pull_request", payload: closedUnmerged() });
    const writer = () =>
      gh()
        .get(`/repos/${ORG}/${REPO}/collaborators/octocat/permission`)
        .reply(200, { permission: "write", role_name: "write" });
    writer();
    // The database refuses the job the retry queues, after the state change was written.
    await sql`CREATE TEMP TRIGGER refuse_jobs BEFORE INSERT ON jobs BEGIN SELECT RAISE(FAIL, 'disk I/O error'); END`.execute(
      h.store.db,
    );
    const payload = comment("/fixloop retry");
    await expect(h.probot.receive({ id: "d-comment-9", name: "issue_comment", payload })).rejects.toThrow(
      /disk I\/O error/,
    );
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("closed_unmerged");
    await sql`DROP TRIGGER refuse_jobs`.execute(h.store.db);

    // GitHub redelivers it: the work is done, and answered, once.
    writer();
    gh()
      .post(`/repos/${ORG}/${REPO}/issues/17/comments`, (b) =>
        /^On it: fixloop will compute the fix again on the current default branch \(1 finding\)\.$/.test(
          b.body,
        ),
      )
      .reply(201, {});
    await h.probot.receive({ id: "d-comment-9", name: "issue_comment", payload });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("fixing");
    const queued = (await listJobs(h.store.db)).filter((j) => j.kind === "remediate" && j.state === "queued");
    expect(queued).toHaveLength(1);
    await h.probot.receive({ id: "d-comment-9", name: "issue_comment", payload });
    expect(gh().count("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe(1);
  });

  it("a reply GitHub fails to post is posted by the redelivery", async () => {
    const posted = (status: number) =>
      gh()
        .post(`/repos/${ORG}/${REPO}/issues/17/comments`, (b) =>
          b.body.startsWith("fixloop understands these commands:"),
        )
        .reply(status, status === 201 ? {} : { message: "Server Error" });
    posted(502);
    await expect(
      h.probot.receive({ id: "d-comment-10", name: "issue_comment", payload: comment("/fixloop help") }),
    ).rejects.toThrow();
    posted(201);
    await h.probot.receive({ id: "d-comment-10", name: "issue_comment", payload: comment("/fixloop help") });
    await h.probot.receive({ id: "d-comment-10", name: "issue_comment", payload: comment("/fixloop help") });
  });

  it("/fixloop explain: the risk, what the source says and the audit trail", async () => {
    gh()
      .get(`/repos/${ORG}/${REPO}/collaborators/octocat/permission`)
      .reply(200, { permission: "admin", role_name: "admin" });
    gh()
      .post(`/repos/${ORG}/${REPO}/issues/17/comments`, () => true)
      .reply(201, {});
    await h.probot.receive({ id: "d-explain", name: "issue_comment", payload: comment("/fixloop explain") });
    const reply = gh().requests.find((r) => r.method === "POST" && r.route === COMMENTS_ROUTE)?.body as {
      body: string;
    };
    expect(reply.body).toBe(EXPLAIN_REPLY);
  });

  it("a command with arguments it does not take gets its usage line", async () => {
    gh()
      .post(
        `/repos/${ORG}/${REPO}/issues/17/comments`,
        (b) => b.body === "`retry` takes no more arguments (got `please`). Usage: `/fixloop retry`",
      )
      .reply(201, {});
    await h.probot.receive({
      id: "d-comment-11",
      name: "issue_comment",
      payload: comment("/fixloop retry please"),
    });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
  });

  it("someone without write access is told so, and nothing changes", async () => {
    gh()
      .get(`/repos/${ORG}/${REPO}/collaborators/mallory/permission`)
      .reply(200, { permission: "read", role_name: "read" });
    gh()
      .post(
        `/repos/${ORG}/${REPO}/issues/17/comments`,
        (b) =>
          b.body === "@mallory only people with write access to this repository can run `/fixloop retry`.",
      )
      .reply(201, {});
    await h.probot.receive({
      id: "d-comment-2",
      name: "issue_comment",
      payload: comment("/fixloop retry", "mallory"),
    });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
  });

  it("an unknown command gets the list of commands; other comments get nothing", async () => {
    gh()
      .post(`/repos/${ORG}/${REPO}/issues/17/comments`, (b) =>
        b.body.startsWith(
          "fixloop does not know /fixloop merge-it-please. It understands:\n\n- `/fixloop retry`",
        ),
      )
      .reply(201, {});
    await h.probot.receive({
      id: "d-comment-3",
      name: "issue_comment",
      payload: comment("/fixloop merge-it-please"),
    });
    await h.probot.receive({
      id: "d-comment-4",
      name: "issue_comment",
      payload: comment("LGTM, fixloop rocks"),
    });
  });
});

/** What a reviewer reads: the finding, its risk, the source's guidance, the last transitions (URLs defused). */
const EXPLAIN_REPLY = [
  "**Enable S3 Block Public Access on the bucket** (`2246b397c614a4456bf7b417`, pr_open)",
  "",
  "True Risk 68 (high): High risk (68/100): high severity × internet reachable.",
  "",
  "Guidance from the source: Enable S3 Block Public Access on the bucket",
  "",
  "- 2026-11-20T10:00:00.000Z: — → new: first seen in generic (generic) as f-7f3a9c21",
  "- 2026-11-20T10:00:00.000Z: new → triaged: High risk (68/100): high severity × internet reachable.",
  "- 2026-11-20T10:00:00.000Z: triaged → fixing: risk 68 (high) with confidence 0.64",
  "- 2026-11-20T10:00:00.000Z: fixing → pr_open: opened https:\u200b//github.com/acme/infra/pull/17: aws-s3-public-access-block: block all public access (aws\\_s3\\_bucket\\_public\\_access\\_block.backups)",
].join("\n");
