// The design's seed routing payload, verbatim, through the app: the signed POST is accepted with a
// note that it names no check; the tracking issue lists the catalog rules that fail on the bucket
// with their diffs, the attack path and the guidance link; an admin approves, and the PR's body
// shows the attack path and the guidance link.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NO_CHECK_NOTE } from "../../src/ingest/notes.ts";
import { getFinding } from "../../src/store/findings.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
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
} from "./harness.ts";

const gh = useMockGitHub();
const SEED_TEXT = readFileSync(join(FIXTURES, "findings/generic/seed-routing-payload.json"), "utf8");
const SEED = JSON.parse(SEED_TEXT);
const FINDING = "4f627203c485b023eb9b4282";
const ISSUE_URL = `https://github.com/${ORG}/${REPO}/issues/5`;
const PR_URL = `https://github.com/${ORG}/${REPO}/pull/17`;
const ATTACK_PATH =
  "The source reports this attack path: `Internet -> EC2 (Instance Profile) -> S3:GetObject`";
const GUIDANCE =
  "Guidance from the source: [docs.internal.com/security/s3-encryption-guide](https://docs.internal.com/security/s3-encryption-guide)";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function requestBody(method: string, route: string): Record<string, unknown> {
  const r = gh().requests.find((x) => x.method === method && x.route === route);
  if (!r) throw new Error(`no ${method} ${route}`);
  return r.body as Record<string, unknown>;
}

describe("the seed routing payload through the app", () => {
  it("is posted byte for byte (the harness sends JSON.stringify of it, which is the file's text)", () => {
    expect(JSON.stringify(SEED)).toBe(SEED_TEXT.trimEnd());
  });

  it("202 says it names no check; the issue lists the failing rules; approved, the PR shows the path and guidance", async () => {
    mockInstallation(gh());
    const posted = await h.postFindings(SEED);
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({
      accepted: 1,
      rejected: [],
      findings: [{ id: FINDING, state: "awaiting_approval", outcome: "created", notes: [NO_CHECK_NOTE] }],
    });

    mockRepositories(gh());
    mockConfig(gh(), REPO, null);
    mockConfig(gh(), ".github", null);
    gh().post(`/repos/${ORG}/${REPO}/issues`).reply(201, { number: 5, html_url: ISSUE_URL });
    await h.drain();
    const issue = requestBody("POST", "/repos/{owner}/{repo}/issues").body as string;
    expect(issue).toContain(`- ${ATTACK_PATH}\n- ${GUIDANCE}\n`);
    expect(issue).toContain(
      "The finding names no check, so fixloop ran its rule catalog on the located resource. 1 rule fails there; approving applies its fix in one pull request:\n\n" +
        "- `aws-s3-public-access-block`: S3 bucket does not block public access. Fix: block all public access (aws\\_s3\\_bucket\\_public\\_access\\_block.backups). Named by `aws-s3-public-access-block`, `S3.8`, `s3_bucket_level_public_access_block`",
    );
    expect(issue).toContain('  +resource "aws_s3_bucket_public_access_block" "backups" {\n');
    expect(issue).toContain(
      'send the finding again with `rule_id` set to that check (for example `"rule_id": "S3.8"`; `control_id` is read the same way)',
    );
    expect(issue).not.toContain("The change fixloop proposes:");
    // The commit differs on every run (the harness commits the repository afresh).
    const stable = issue.replace(/\/blob\/[0-9a-f]{40}\//g, "/blob/<sha>/");
    await expect(stable).toMatchFileSnapshot("__snapshots__/seed-tracking-issue.md");

    // An admin approves in the issue; fixloop opens the PR.
    gh()
      .get(`/repos/${ORG}/${REPO}/collaborators/octocat/permission`)
      .reply(200, { permission: "admin", role_name: "admin" });
    gh()
      .post(`/repos/${ORG}/${REPO}/issues/5/comments`, (b) => b.body.startsWith("Approved:"))
      .reply(201, {});
    const payload = withIds(
      webhookExample("issue_comment", (p) => p.action === "created"),
      { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: 5 },
    );
    payload.comment.body = "/fixloop approve";
    if (payload.comment.user) {
      payload.comment.user.login = "octocat";
      payload.comment.user.type = "User";
    }
    await h.probot.receive({ id: "d-approve-1", name: "issue_comment", payload });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("fixing");

    gh()
      .get(`/repos/${ORG}/${REPO}/labels?per_page=100`)
      .optionally()
      .reply(200, [{ name: "security" }]);
    gh().post(`/repos/${ORG}/${REPO}/labels`).times(5).optionally().reply(201, {});
    gh()
      .post(`/repos/${ORG}/${REPO}/git/trees`)
      .reply(201, { sha: "tree0000000000000000000000000000000000001" });
    gh()
      .post(`/repos/${ORG}/${REPO}/git/commits`)
      .reply(201, { sha: "c0ffee0000000000000000000000000000000001" });
    gh().post(`/repos/${ORG}/${REPO}/git/refs`).reply(201, {});
    gh().post(`/repos/${ORG}/${REPO}/pulls`).reply(201, { number: 17, html_url: PR_URL });
    gh().patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, { number: 17 });
    // owner_team "data-platform" routes to the organization's team of that name when it exists.
    gh()
      .get(`/orgs/${ORG}/teams/data-platform`)
      .reply(200, { id: 7, slug: "data-platform", name: "Data Platform" });
    gh().post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).optionally().reply(201, {});
    gh().post(`/repos/${ORG}/${REPO}/issues/5/comments`).optionally().reply(201, {});
    gh().patch(`/repos/${ORG}/${REPO}/issues/5`).optionally().reply(200, {});
    await h.drain();
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
    const pr = requestBody("POST", "/repos/{owner}/{repo}/pulls");
    expect(pr.body).toContain(`\n\n${ATTACK_PATH}\n\n${GUIDANCE}\n\n`);
    await expect(pr.body).toMatchFileSnapshot("__snapshots__/seed-pr-body.md");
  });
});
