// `/fixloop approve` on the tracking issue of a fix gated for approval, as replayed issue_comment
// deliveries (@octokit/webhooks-examples, adapted only in ids, body and author): who may approve
// (a repository admin, a member of the configured securityTeam) and who is refused (no write
// access; write access without membership), with GitHub's answers to the two questions fixloop asks.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
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
const BATCH = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/cspm-batch.json"), "utf8"));
/** The batch's first record: a public bucket holding PII on an attack path, gated for approval. */
const GATED = "4f627203c485b023eb9b4282";
const ISSUE = 5;
const R = `/repos/${ORG}/${REPO}`;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  mockInstallation(gh());
  mockRepositories(gh());
  mockConfig(gh(), REPO, "securityTeam: acme/security\n");
  gh()
    .post(`${R}/issues`, (b) => b.title.length > 0)
    .reply(201, { number: ISSUE, html_url: `https://github.com/${ORG}/${REPO}/issues/${ISSUE}` });
  await h.postFindings([BATCH[0]]);
  await h.drain();
  expect((await getFinding(h.store.db, GATED))?.state).toBe("awaiting_approval");
});
afterEach(async () => {
  await h.close();
});

function approveBy(login: string, id: string) {
  const payload = withIds(
    webhookExample("issue_comment", (p) => p.action === "created"),
    { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: ISSUE },
  );
  payload.comment.body = "Reviewed the blast radius.\n/fixloop approve";
  if (payload.comment.user) {
    payload.comment.user.login = login;
    payload.comment.user.type = "User";
  }
  return h.probot.receive({ id, name: "issue_comment", payload });
}

function permission(login: string, role: string) {
  gh().get(`${R}/collaborators/${login}/permission`).reply(200, { permission: role, role_name: role });
}

function replies(body: string) {
  gh()
    .post(`${R}/issues/${ISSUE}/comments`, (b) => b.body === body)
    .reply(201, {});
}

async function remediateJobs() {
  return (await listJobs(h.store.db, { kind: "remediate" })).filter((j) => j.state === "queued");
}

describe("/fixloop approve", () => {
  it("a member of the securityTeam with write access: approved, the fix is queued", async () => {
    permission("alice", "write");
    gh()
      .get(`/orgs/${ORG}/teams/security/memberships/alice`)
      .reply(200, { state: "active", role: "member", url: "" });
    replies("Approved: fixloop is preparing the pull request.");
    await approveBy("alice", "d-approve-1");
    expect((await getFinding(h.store.db, GATED))?.state).toBe("fixing");
    expect(await remediateJobs()).toHaveLength(1);
    const last = (await auditTrail(h.store.db, GATED)).at(-1);
    expect(last).toMatchObject({ from: "awaiting_approval", to: "fixing", reason: "approved by alice" });
  });

  it("a repository admin: approved without asking about the team", async () => {
    permission("root", "admin");
    replies("Approved: fixloop is preparing the pull request.");
    await approveBy("root", "d-approve-2");
    expect((await getFinding(h.store.db, GATED))?.state).toBe("fixing");
    expect(gh().count("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}")).toBe(0);
  });

  it("write access, but not a member of the securityTeam: refused, nothing changes", async () => {
    permission("bob", "write");
    gh().get(`/orgs/${ORG}/teams/security/memberships/bob`).reply(404, { message: "Not Found" });
    replies("@bob approving a gated fix needs admin access or membership of @acme/security.");
    await approveBy("bob", "d-approve-3");
    expect((await getFinding(h.store.db, GATED))?.state).toBe("awaiting_approval");
    expect(await remediateJobs()).toHaveLength(0);
  });

  it("an invited member who has not accepted (pending): refused", async () => {
    permission("carol", "maintain");
    gh()
      .get(`/orgs/${ORG}/teams/security/memberships/carol`)
      .reply(200, { state: "pending", role: "member", url: "" });
    replies("@carol approving a gated fix needs admin access or membership of @acme/security.");
    await approveBy("carol", "d-approve-4");
    expect((await getFinding(h.store.db, GATED))?.state).toBe("awaiting_approval");
  });

  it("no write access: refused before anything else is asked", async () => {
    permission("mallory", "triage");
    replies("@mallory only people with write access to this repository can run `/fixloop approve`.");
    await approveBy("mallory", "d-approve-5");
    expect((await getFinding(h.store.db, GATED))?.state).toBe("awaiting_approval");
    expect(gh().count("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}")).toBe(0);
  });
});
