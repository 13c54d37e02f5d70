// The decision commands on a fix PR (replayed issue_comment deliveries from
// @octokit/webhooks-examples, adapted only in ids, body and author): a false positive closes the
// PR and asks the security team for its review; an assignment requests the new team's review.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import {
  commentBy,
  type Harness,
  INSTALLATION_ID,
  mockPermission,
  ORG,
  REPO,
  startHarness,
} from "./harness.ts";
import { FINDING, openFixPr, PR_NUMBER, R } from "./verification-setup.ts";

const gh = useMockGitHub();
const IDS = { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: PR_NUMBER };
const CONFIG = "securityTeam: acme/security\n";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await openFixPr(h, gh(), { config: CONFIG });
  expect((await getFinding(h.store.db, FINDING))?.state).toBe("pr_open");
});
afterEach(async () => {
  await h.close();
});

const say = (login: string, body: string, id: string) => commentBy(h, { number: PR_NUMBER, login, body, id });

const writer = (login: string) => mockPermission(gh(), login, "write");

function replies(body: string) {
  gh()
    .post(`${R}/issues/${PR_NUMBER}/comments`, (b) => {
      if (b.body !== body) console.error(`unexpected reply:\n${b.body}`);
      return b.body === body;
    })
    .reply(201, {});
}

describe("decision commands on a fix PR", () => {
  it("/fixloop false-positive: the security team's review is requested and the PR closed", async () => {
    writer("alice");
    gh()
      .post(
        `${R}/pulls/${PR_NUMBER}/requested_reviewers`,
        (b) => JSON.stringify(b.team_reviewers) === '["security"]',
      )
      .reply(201, {});
    gh()
      .patch(`${R}/pulls/${PR_NUMBER}`, (b) => b.state === "closed")
      .reply(200, {});
    replies(
      [
        "@alice reported this finding as a false positive: the bucket is a public website by design",
        "",
        "Changed: the finding is `false_positive_pending` and this PR is closed.",
        "Next: @acme/security reviews it by 2026-11-21 10:00 UTC (24 h): a member other than @alice runs `/fixloop confirm-false-positive [--scope resource|repository|organization]` to suppress it, or `/fixloop reject-false-positive <reason>` to have it fixed.",
      ].join("\n"),
    );
    await say("alice", "/fixloop false-positive the bucket is a public website by design", "d-pr-fp");
    await say("alice", "/fixloop false-positive the bucket is a public website by design", "d-pr-fp");
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("false_positive_pending");
    expect(gh().count("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}")).toBe(1);

    // GitHub then tells fixloop the PR was closed: the finding stays where the decision put it.
    const closed = withIds(
      webhookExample("pull_request", (p) => p.action === "closed"),
      IDS,
    );
    await h.probot.receive({ id: "d-pr-closed", name: "pull_request", payload: closed });
    expect((await getFinding(h.store.db, FINDING))?.state).toBe("false_positive_pending");
  });

  it("/fixloop assign: the new team's review is requested on the PR", async () => {
    writer("alice");
    gh().get(`/orgs/${ORG}/teams/payments`).reply(200, { slug: "payments" });
    gh()
      .post(
        `${R}/pulls/${PR_NUMBER}/requested_reviewers`,
        (b) => JSON.stringify(b.team_reviewers) === '["payments"]',
      )
      .reply(201, {});
    const before = (await getFinding(h.store.db, FINDING))?.ownerTeam;
    replies(
      [
        `@alice routed this finding to @acme/payments${before ? ` (was @${before})` : ""}.`,
        "",
        "Changed: its owner is now @acme/payments; the routing decision is in its audit trail.",
        "Next: @acme/payments's review is requested on this PR.",
      ].join("\n"),
    );
    await say("alice", "/fixloop assign acme/payments", "d-pr-assign");
    expect((await getFinding(h.store.db, FINDING))?.ownerTeam).toBe("acme/payments");
    const remediation = await h.store.db
      .selectFrom("remediations")
      .select("owner_team")
      .where("finding_id", "=", FINDING)
      .execute();
    expect(remediation.map((r) => r.owner_team)).toEqual(["acme/payments"]);
    expect((await auditTrail(h.store.db, FINDING)).at(-1)?.reason).toMatch(
      /^routed to acme\/payments by alice/,
    );
  });
});
