// `/fixloop approve` on the tracking issue of a fix gated for approval, as replayed issue_comment
// deliveries (@octokit/webhooks-examples, adapted only in ids, body and author): who may approve
// (a repository admin, a member of the configured securityTeam) and who is refused (no write
// access; write access without membership), with GitHub's answers to the two questions fixloop asks.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import {
  commentBy,
  GATED,
  gateForApproval,
  type Harness,
  GATED_ISSUE as ISSUE,
  mockPermission,
  ORG,
  REPO,
  startHarness,
} from "./harness.ts";

const gh = useMockGitHub();
const R = `/repos/${ORG}/${REPO}`;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await gateForApproval(h, gh());
});
afterEach(async () => {
  await h.close();
});

const approveBy = (login: string, id: string) =>
  commentBy(h, { number: ISSUE, login, body: "Reviewed the blast radius.\n/fixloop approve", id });

const permission = (login: string, role: string) => mockPermission(gh(), login, role);

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
