// End to end through the app: a person's pull request that changes the block of an open finding is
// labelled for security review, the security team is asked, and one comment lists the finding; a
// later push that no longer touches it takes the label off and says so in the same comment. A PR by
// fixloop itself is left alone, and a redelivered event acts once. Payloads are GitHub's recorded
// pull_request deliveries (@octokit/webhooks-examples); every GitHub request must be mocked.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { remediationsOf } from "../../src/store/remediations.ts";
import {
  FIXTURES,
  type Harness,
  INSTALLATION_ID,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  startHarness,
} from "../app/harness.ts";
import { answerDirectories, entriesOf } from "../github/kit/graphql-trees.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";

const gh = useMockGitHub();
const PUBLIC_BUCKET = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));
const MAIN_TF = readFileSync(join(FIXTURES, "repos/cspm-demo/envs/prod/main.tf"), "utf8");
// The scan check run is off here: test/review/pr-scan.test.ts covers it.
const CONFIG =
  "owners:\n  teams:\n    data-platform: acme/data-platform\nsecurityTeam: acme/appsec\nprScan:\n  enabled: false\n";
const FINDING = "2246b397c614a4456bf7b417";
const R = `/repos/${ORG}/${REPO}`;
const PR = 31;
const HEAD1 = "1111111111111111111111111111111111111111";
const HEAD2 = "2222222222222222222222222222222222222222";
const BASE = "0000000000000000000000000000000000000001";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** The finding gets its fix PR (#17), located at envs/prod/main.tf aws_s3_bucket.backups. */
async function openFinding(config = CONFIG) {
  mockInstallation(gh());
  await h.postFindings(PUBLIC_BUCKET);
  mockRepositories(gh());
  mockConfig(gh(), REPO, config);
  gh()
    .get(`${R}/labels?per_page=100`)
    .reply(200, [{ name: "security" }]);
  gh().post(`${R}/labels`).times(3).reply(201, {});
  gh().post(`${R}/git/trees`).reply(201, { sha: "tree0000000000000000000000000000000000001" });
  gh().post(`${R}/git/commits`).reply(201, { sha: "c0ffee0000000000000000000000000000000001" });
  gh().post(`${R}/git/refs`).reply(201, { ref: "refs/heads/x" });
  gh()
    .post(`${R}/pulls`)
    .reply(201, { number: 17, html_url: `https://github.com/${ORG}/${REPO}/pull/17` });
  gh().patch(`${R}/issues/17`).reply(200, { number: 17 });
  gh().post(`${R}/pulls/17/requested_reviewers`).reply(201, { number: 17 });
  await h.drain();
}

type Action = "opened" | "synchronize" | "reopened";
function delivery(action: Action, headSha: string, edit: (pr: Record<string, unknown>) => void = () => {}) {
  const payload = withIds(
    webhookExample("pull_request", (p) => p.action === action && p.installation !== undefined),
    { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: PR, headSha, baseSha: BASE },
  );
  edit(payload.pull_request as unknown as Record<string, unknown>);
  return payload;
}

/** The PR as GitHub delivers it once `name` is on it (beside the example's own label). */
const withLabel = (name: string) => (pr: Record<string, unknown>) => {
  const labels = pr.labels as Array<Record<string, unknown>>;
  labels.push({ ...labels[0], id: 4_000_001, node_id: "LA_kwDOfixloop", name, color: "b60205" });
};

/** GitHub's answer to GET /pulls/{n}/files for one modified file. */
function changedFile(path: string, patch: string) {
  return {
    sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
    filename: path,
    status: "modified",
    additions: 1,
    deletions: 1,
    changes: 2,
    blob_url: `https://github.com/${ORG}/${REPO}/blob/${HEAD1}/${path}`,
    raw_url: `https://github.com/${ORG}/${REPO}/raw/${HEAD1}/${path}`,
    contents_url: `https://api.github.com${R}/contents/${path}?ref=${HEAD1}`,
    patch,
  };
}

function mockHeadFile(sha: string, text: string) {
  gh()
    .get(`${R}/contents/envs/prod/main.tf?ref=${sha}`)
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

// Line 18 of main.tf, in aws_s3_bucket.backups: the team tag changes.
const TAG_PATCH =
  '@@ -16,4 +16,4 @@\n \n   tags = {\n-    Team = "data-platform"\n+    Team = "storage"\n   }\n }';
const TAGGED = MAIN_TF.replace('Team = "data-platform"', 'Team = "storage"');
// Line 44, in module.logs: nothing of the finding's.
const ACL_PATCH =
  '@@ -42,4 +42,4 @@\n \n   bucket = "${var.environment}-access-logs"\n-  acl    = "log-delivery-write"\n+  acl    = "private"\n }';
const ACL = MAIN_TF.replace('"log-delivery-write"', '"private"');

const COMMENT_BODY = [
  "### fixloop: this pull request touches a resource with open security findings",
  "",
  "fixloop labelled it `security-review-required` and asked @acme/appsec to review. Changing these blocks may conflict with their fixes, or may be the fix.",
  "",
  "| Finding | Risk | SLA due | Where | Fix or tracking |",
  "|---|---|---|---|---|",
];

const work = () => gh().requests.filter((r) => !/access_tokens/.test(r.path));

describe("a person's pull request touching an open finding", () => {
  it("is labelled, the security team asked, one comment kept; a later push that leaves it takes it back", async () => {
    await openFinding();
    const [remediation] = await remediationsOf(h.store.db, FINDING);
    expect(remediation?.prNumber).toBe(17);
    const before = work().length;

    gh()
      .get(`${R}/pulls/${PR}/files?per_page=100`)
      .reply(200, [changedFile("envs/prod/main.tf", TAG_PATCH)]);
    mockHeadFile(HEAD1, TAGGED);
    gh()
      .post(`${R}/issues/${PR}/labels`, { labels: ["security-review-required"] })
      .reply(200, []);
    gh()
      .post(`${R}/pulls/${PR}/requested_reviewers`, { team_reviewers: ["appsec"] })
      .reply(201, {});
    // fixloop never commented here: the comment is posted without listing the PR's comments.
    gh()
      .post(`${R}/issues/${PR}/comments`)
      .reply(201, { id: 4_200_000_901, html_url: "https://github.com/c/901" });
    await h.probot.receive({ id: "pr-d-1", name: "pull_request", payload: delivery("opened", HEAD1) });

    const opened = work().slice(before);
    expect(opened.map((r) => `${r.method} ${r.route}`)).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      "GET /repos/{owner}/{repo}/contents/{path}",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    ]);
    const posted = (opened.at(-1)!.body as { body: string }).body;
    expect(posted).toBe(
      [
        ...COMMENT_BODY,
        "| `aws-s3-public-access-block` Enable S3 Block Public Access on the bucket | high (68) | 2026-11-09 08:15 UTC | `envs/prod/main.tf` `aws_s3_bucket.backups` | [fix PR \\#17](https://github.com/acme/infra/pull/17) |",
        "",
        "<!-- fixloop:associated-findings -->",
      ].join("\n"),
    );

    // The same delivery again (GitHub's redelivery): nothing more is asked of GitHub.
    const count = work().length;
    await h.probot.receive({ id: "pr-d-1", name: "pull_request", payload: delivery("opened", HEAD1) });
    expect(work().length).toBe(count);

    // A later push changes only module.logs: the label comes off, the same comment says so.
    gh()
      .get(`${R}/pulls/${PR}/files?per_page=100`)
      .reply(200, [changedFile("envs/prod/main.tf", ACL_PATCH)]);
    mockHeadFile(HEAD2, ACL);
    gh().delete(`${R}/issues/${PR}/labels/security-review-required`).reply(200, []);
    // The comment's id is remembered: edited in place without a listing.
    gh()
      .patch(`${R}/issues/comments/4200000901`)
      .reply(200, { id: 4_200_000_901, html_url: "https://github.com/c/901" });
    await h.probot.receive({
      id: "pr-d-2",
      name: "pull_request",
      payload: delivery("synchronize", HEAD2, withLabel("security-review-required")),
    });
    const pushed = work().slice(count);
    expect(pushed.map((r) => `${r.method} ${r.route}`)).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      "GET /repos/{owner}/{repo}/contents/{path}",
      "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
    ]);
    expect((pushed.at(-1)!.body as { body: string }).body).toBe(
      [
        "### fixloop: no open findings touched",
        "",
        "This pull request no longer touches a resource with an open finding; `security-review-required` was removed.",
        "",
        "<!-- fixloop:associated-findings -->",
      ].join("\n"),
    );
  });

  it("a delivery that failed at the comment is finished by GitHub's redelivery: one comment, one review request", async () => {
    await openFinding();
    const before = work().length;
    gh()
      .get(`${R}/pulls/${PR}/files?per_page=100`)
      .times(2)
      .reply(200, [changedFile("envs/prod/main.tf", TAG_PATCH)]);
    mockHeadFile(HEAD1, TAGGED);
    mockHeadFile(HEAD1, TAGGED);
    gh()
      .post(`${R}/issues/${PR}/labels`, { labels: ["security-review-required"] })
      .times(2)
      .reply(200, []);
    gh().post(`${R}/pulls/${PR}/requested_reviewers`).reply(201, {});
    gh().post(`${R}/issues/${PR}/comments`).reply(502, { message: "Bad Gateway" });
    await expect(
      h.probot.receive({ id: "pr-d-5", name: "pull_request", payload: delivery("opened", HEAD1) }),
    ).rejects.toThrow();
    // GitHub may have taken the comment before failing: the retry looks for it before posting.
    gh().get(`${R}/issues/${PR}/comments?per_page=100`).reply(200, []);
    gh().post(`${R}/issues/${PR}/comments`).reply(201, { id: 902, html_url: "https://github.com/c/902" });
    await h.probot.receive({ id: "pr-d-5", name: "pull_request", payload: delivery("opened", HEAD1) });
    expect(
      work()
        .slice(before)
        .map((r) => `${r.method} ${r.route}`),
    ).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      "GET /repos/{owner}/{repo}/contents/{path}",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      "GET /repos/{owner}/{repo}/contents/{path}",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
      "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    ]);
  });

  it("costs one request when no open finding is in the changed files", async () => {
    await openFinding();
    const before = work().length;
    gh()
      .get(`${R}/pulls/${PR}/files?per_page=100`)
      .reply(200, [changedFile("envs/staging/main.tf", "@@ -1,1 +1,1 @@\n-a\n+b")]);
    await h.probot.receive({ id: "pr-d-3", name: "pull_request", payload: delivery("reopened", HEAD1) });
    expect(
      work()
        .slice(before)
        .map((r) => `${r.method} ${r.route}`),
    ).toEqual(["GET /repos/{owner}/{repo}/pulls/{pull_number}/files"]);
  });

  it("leaves fixloop's own pull requests alone", async () => {
    await openFinding();
    const before = work().length;
    const own = delivery("opened", HEAD1, (pr) => {
      pr.number = 17;
      (pr.user as Record<string, unknown>).login = "fixloop[bot]";
      (pr.user as Record<string, unknown>).type = "Bot";
      pr.body = "Fixes…\n<!-- fixloop:finding=2246b397c614a4456bf7b417 v=1 -->";
    });
    await h.probot.receive({ id: "pr-d-4", name: "pull_request", payload: own });
    expect(work().length).toBe(before);
  });

  // Two reasons for one label: the PR touches the finding's block, and it adds a bucket the
  // fixloop/scan check reports (high: in securityReview.tiers). A later push that leaves the
  // finding's block keeps the label for the new bucket; the comment no longer says it was removed.
  it("keeps the label while the scan still needs review, and says so in the same comment", async () => {
    await openFinding(CONFIG.replace("enabled: false", "enabled: true"));
    const before = work().length;
    const demo = (name: string) => readFileSync(join(FIXTURES, "repos/cspm-demo/envs/prod", name), "utf8");
    const UPLOADS_TF = 'resource "aws_s3_bucket" "uploads" {\n  bucket = "uploads"\n}\n';
    const base = {
      "envs/prod/variables.tf": demo("variables.tf"),
      "envs/prod/terraform.tfvars": demo("terraform.tfvars"),
    };
    const refs: Record<string, Record<string, string>> = {
      [HEAD1]: { ...base, "envs/prod/main.tf": TAGGED, "envs/prod/uploads.tf": UPLOADS_TF },
      [HEAD2]: { ...base, "envs/prod/main.tf": ACL, "envs/prod/uploads.tf": UPLOADS_TF },
      [BASE]: { ...base, "envs/prod/main.tf": MAIN_TF },
    };
    const added = {
      ...changedFile(
        "envs/prod/uploads.tf",
        '@@ -0,0 +1,3 @@\n+resource "aws_s3_bucket" "uploads" {\n+  bucket = "uploads"\n+}',
      ),
      status: "added",
    };
    const push = (head: string, patch: string) => {
      gh()
        .get(`${R}/pulls/${PR}/files?per_page=100`)
        .reply(200, [changedFile("envs/prod/main.tf", patch), added]);
      gh()
        .post(
          "/graphql",
          (b) => b.variables.e0_0 === `${head}:envs/prod` && b.variables.e1_0 === `${BASE}:envs/prod`,
        )
        .reply(200, (_uri, body) => answerDirectories(body, (ref, dir) => entriesOf(refs[ref] ?? {}, dir)));
      gh().post(`${R}/check-runs`).reply(201, { id: 78, html_url: "https://github.com/acme/infra/runs/78" });
    };
    push(HEAD1, TAG_PATCH);
    gh()
      .post(`${R}/issues/${PR}/labels`, { labels: ["security-review-required"] })
      .reply(200, []);
    gh()
      .post(`${R}/pulls/${PR}/requested_reviewers`, { team_reviewers: ["appsec"] })
      .reply(201, {});
    gh().post(`${R}/issues/${PR}/comments`).reply(201, { id: 903, html_url: "https://github.com/c/903" });
    await h.probot.receive({ id: "pr-d-6", name: "pull_request", payload: delivery("opened", HEAD1) });
    // With the check run on, labelling costs six requests: the head file comes with the scan's query.
    expect(
      work()
        .slice(before)
        .map((r) => `${r.method} ${r.route ?? r.path}`),
    ).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      "POST /graphql",
      "POST /repos/{owner}/{repo}/check-runs",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    ]);

    const count = work().length;
    push(HEAD2, ACL_PATCH);
    gh()
      .patch(`${R}/issues/comments/903`, {
        body: [
          "### fixloop: no open findings touched",
          "",
          "This pull request no longer touches a resource with an open finding.",
          "",
          "<!-- fixloop:associated-findings -->",
        ].join("\n"),
      })
      .reply(200, { id: 903, html_url: "https://github.com/c/903" });
    await h.probot.receive({
      id: "pr-d-7",
      name: "pull_request",
      payload: delivery("synchronize", HEAD2, withLabel("security-review-required")),
    });
    expect(
      work()
        .slice(count)
        .map((r) => `${r.method} ${r.route ?? r.path}`),
    ).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      "POST /graphql",
      "POST /repos/{owner}/{repo}/check-runs",
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
    ]);
  });
});
