// The decision commands end to end: replayed issue_comment deliveries (@octokit/webhooks-examples,
// adapted only in ids, body and author) on the tracking issue of a gated finding, through the real
// app, with GitHub's answers to what fixloop asks (a commenter's permission, a team membership).
// Refusals (self-approval, non-member, too long, malformed date, unknown scope) change nothing;
// a redelivered webhook does nothing twice.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildEvidenceRecord } from "../../src/evidence/record.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding, listFindings } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { recordSuppressionScope } from "../../src/store/suppression-scopes.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import {
  commentBy,
  FIXTURES,
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
const BATCH = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/cspm-batch.json"), "utf8"));
const R = `/repos/${ORG}/${REPO}`;
const DAY = 86_400_000;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await gateForApproval(h, gh());
});
afterEach(async () => {
  await h.close();
});

const say = (login: string, body: string, id: string) => commentBy(h, { number: ISSUE, login, body, id });

const permission = (login: string, role: string) => mockPermission(gh(), login, role);

function member(login: string, yes: boolean) {
  const route = `/orgs/${ORG}/teams/security/memberships/${login}`;
  if (yes) gh().get(route).reply(200, { state: "active", role: "member", url: "" });
  else gh().get(route).reply(404, { message: "Not Found" });
}

/** The reply fixloop posts, exactly. */
function replies(body: string) {
  gh()
    .post(`${R}/issues/${ISSUE}/comments`, (b) => {
      if (b.body !== body) console.error(`unexpected reply:\n${b.body}`);
      return b.body === body;
    })
    .reply(201, {});
}

const state = async () => (await getFinding(h.store.db, GATED))?.state;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** alice (write access) reports the finding as a false positive on its tracking issue. */
async function reportFalsePositive() {
  permission("alice", "write");
  gh()
    .get(`${R}/labels?per_page=100`)
    .reply(200, [{ name: "security" }, { name: "fixloop" }]);
  gh()
    .post(`${R}/labels`, (b) => b.name === "false-positive-pending")
    .reply(201, {});
  gh()
    .post(`${R}/issues/${ISSUE}/labels`, (b) => JSON.stringify(b.labels) === '["false-positive-pending"]')
    .reply(200, []);
  replies(
    [
      "@alice reported this finding as a false positive: the bucket serves a public website",
      "",
      "Changed: the finding is `false_positive_pending` and this issue is labelled `false-positive-pending`.",
      "Next: @acme/security reviews it by 2026-11-21 10:00 UTC (24 h): a member other than @alice runs `/fixloop confirm-false-positive [--scope resource|repository|organization]` to suppress it, or `/fixloop reject-false-positive <reason>` to have it fixed.",
    ].join("\n"),
  );
  await say("alice", "/fixloop false-positive the bucket serves a public website", "d-fp-1");
  expect(await state()).toBe("false_positive_pending");
}

describe("/fixloop false-positive", () => {
  it("labels the issue, asks the security team with a due date, and queues the notification", async () => {
    await reportFalsePositive();
    // Only the decision's notification (the SLA sweep may announce the old fixture's breach too).
    const decisionWaiting = async () =>
      (await listJobs(h.store.db, { kind: "notify" })).filter(
        (j) => (j.payload as { event: string }).event === "decision-waiting",
      );
    const notify = await decisionWaiting();
    expect(notify).toHaveLength(1);
    expect(notify[0]?.payload).toMatchObject({
      event: "decision-waiting",
      findingId: GATED,
      teams: ["acme/security"],
      summary:
        "acme/infra#5: alice reports a false positive; the security team reviews it by 2026-11-21T10:00:00.000Z",
    });
    // The same delivery again: no second label, reply or notification (each would be unmocked).
    await say("alice", "/fixloop false-positive the bucket serves a public website", "d-fp-1");
    expect(await decisionWaiting()).toHaveLength(1);
    expect(
      (await auditTrail(h.store.db, GATED)).filter((e) => e.to === "false_positive_pending"),
    ).toHaveLength(1);
  });

  it("without a reason: the usage line, nothing asked", async () => {
    replies("<reason> is required. Usage: `/fixloop false-positive <reason>`");
    await say("alice", "/fixloop false-positive", "d-fp-2");
    expect(await state()).toBe("awaiting_approval");
  });

  it("without write access: refused", async () => {
    permission("mallory", "read");
    replies("@mallory only people with write access to this repository can run `/fixloop false-positive`.");
    await say("mallory", "/fixloop false-positive nope", "d-fp-3");
    expect(await state()).toBe("awaiting_approval");
  });
});

describe("/fixloop confirm-false-positive", () => {
  beforeEach(reportFalsePositive);

  it("the reporter, although on the security team, may not confirm it", async () => {
    member("alice", true);
    replies("@alice you reported this false positive, so another member of @acme/security must confirm it.");
    await say("alice", "/fixloop confirm-false-positive", "d-cfp-1");
    expect(await state()).toBe("false_positive_pending");
  });

  it("a writer outside the security team: refused, and told who may", async () => {
    member("bob", false);
    replies("@bob only members of @acme/security can confirm a false positive.");
    await say("bob", "/fixloop confirm-false-positive", "d-cfp-2");
    expect(await state()).toBe("false_positive_pending");
  });

  it("an unknown scope: the usage line", async () => {
    replies(
      "--scope must be one of resource, repository, organization (got `universe`). Usage: `/fixloop confirm-false-positive [--scope resource|repository|organization]`",
    );
    await say("carol", "/fixloop confirm-false-positive --scope universe", "d-cfp-3");
    expect(await state()).toBe("false_positive_pending");
  });

  it("another member: suppressed for this resource; redelivered, nothing twice", async () => {
    member("carol", true);
    replies(
      [
        "@carol confirmed the false positive reported by @alice: the bucket serves a public website",
        "",
        "Changed: the finding is `suppressed`.",
        "Next: this resource's later findings of the same rule are suppressed on arrival (suppression #1).",
      ].join("\n"),
    );
    await say("carol", "/fixloop confirm-false-positive", "d-cfp-4");
    expect(await state()).toBe("suppressed");
    expect((await auditTrail(h.store.db, GATED)).at(-1)).toMatchObject({
      from: "false_positive_pending",
      to: "suppressed",
      actor: { kind: "github-user", login: "carol" },
      reason:
        "false positive confirmed by carol for this resource (reported by alice: the bucket serves a public website)",
    });
    // Redelivered: nothing twice (a second reply would be an unmocked request).
    await say("carol", "/fixloop confirm-false-positive", "d-cfp-4");
    const scopes = await h.store.db.selectFrom("suppression_scopes").selectAll().execute();
    expect(scopes.map((r) => [r.org, r.scope, r.rule_id, r.resource, r.finding_id])).toEqual([
      ["acme", "resource", "unspecified", "aws:s3:prod-customer-data-backups", GATED],
    ]);
  });

  it("a finding whose source names no rule cannot be suppressed for the organization", async () => {
    member("carol", true);
    replies(
      "@carol the source names no rule for this finding, so its false positive can only be confirmed for this resource: `/fixloop confirm-false-positive --scope resource`.",
    );
    await say("carol", "/fixloop confirm-false-positive --scope organization", "d-cfp-5");
    expect(await state()).toBe("false_positive_pending");
  });

  it("/fixloop reject-false-positive: back into the loop where its gate sends it", async () => {
    member("carol", true);
    replies(
      [
        "@carol rejected the false positive: the bucket holds customer exports",
        "",
        "Changed: the finding is back in the loop (`awaiting_approval`).",
        "Next: fixloop prepares the fix again; it waits for `/fixloop approve`.",
      ].join("\n"),
    );
    await say("carol", "/fixloop reject-false-positive the bucket holds customer exports", "d-rfp-1");
    expect(await state()).toBe("awaiting_approval");
    const queued = (await listJobs(h.store.db, { kind: "remediate" })).filter((j) => j.state === "queued");
    expect(queued).toHaveLength(1);
  });
});

describe("/fixloop accept-risk and approve-exception", () => {
  it("a date past the tier's maximum is refused with the limit", async () => {
    permission("alice", "write");
    replies(
      "@alice an exception for a critical finding may last at most 30 days (2027-01-31 is 72 days away). Usage: `/fixloop accept-risk --until YYYY-MM-DD <reason>`",
    );
    await say("alice", "/fixloop accept-risk --until 2027-01-31 vendor fix in January", "d-ar-1");
    expect(await state()).toBe("awaiting_approval");
  });

  it("a date in the past, or not a date: the usage line", async () => {
    permission("alice", "write");
    replies(
      "@alice 2026-11-01 is not after today (2026-11-20). Usage: `/fixloop accept-risk --until YYYY-MM-DD <reason>`",
    );
    await say("alice", "/fixloop accept-risk --until 2026-11-01 too late", "d-ar-2");
    replies(
      "--until must be a date as YYYY-MM-DD (got `2026-13-01`). Usage: `/fixloop accept-risk --until YYYY-MM-DD <reason>`",
    );
    await say("alice", "/fixloop accept-risk --until 2026-13-01 not a month", "d-ar-3");
    expect(await state()).toBe("awaiting_approval");
  });

  it("requested, refused to its requester and to a non-member, approved by another member", async () => {
    permission("alice", "write");
    replies(
      [
        "@alice asks to accept the risk until 2026-12-15: compensating WAF rule until the migration",
        "",
        "Changed: the finding is `awaiting_exception`; its SLA keeps running until the exception is approved.",
        "Next: @acme/security is asked: a member other than @alice runs `/fixloop approve-exception` to except it until 2026-12-15.",
      ].join("\n"),
    );
    await say(
      "alice",
      "/fixloop accept-risk --until 2026-12-15 compensating WAF rule until the migration",
      "d-ar-4",
    );
    expect(await state()).toBe("awaiting_exception");
    expect(
      (await listJobs(h.store.db, { kind: "notify" })).find(
        (j) => (j.payload as { event: string }).event === "decision-waiting",
      )?.payload,
    ).toMatchObject({
      event: "decision-waiting",
      teams: ["acme/security"],
    });

    member("alice", true);
    replies("@alice you requested this exception, so another member of @acme/security must approve it.");
    await say("alice", "/fixloop approve-exception", "d-ae-1");
    member("bob", false);
    replies("@bob only members of @acme/security can approve an exception.");
    await say("bob", "/fixloop approve-exception", "d-ae-2");
    expect(await state()).toBe("awaiting_exception");

    member("carol", true);
    replies(
      [
        "@carol approved the exception @alice asked for: compensating WAF rule until the migration",
        "",
        "Changed: the finding is `excepted` until 2026-12-15.",
        "Next: it comes back into the loop when the exception ends, 2026-12-16 00:00 UTC.",
      ].join("\n"),
    );
    await say("carol", "/fixloop approve-exception", "d-ae-3");
    await say("carol", "/fixloop approve-exception", "d-ae-3"); // redelivered: nothing twice
    expect(await state()).toBe("excepted");
    const rows = await h.store.db.selectFrom("exceptions").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      finding_id: GATED,
      kind: "exception",
      origin: "command",
      reason: "compensating WAF rule until the migration",
      expires_at: Date.parse("2026-12-16T00:00:00Z"),
    });
    expect(JSON.parse(rows[0]?.approved_by as string)).toMatchObject({ login: "carol" });
    expect(JSON.parse(rows[0]?.requested_by as string)).toMatchObject({ login: "alice" });

    // The evidence record shows both decisions with their actor and reason.
    const record = await buildEvidenceRecord(h.store.db, GATED);
    const decisions = record.audit.filter((e) => e.to === "awaiting_exception" || e.to === "excepted");
    expect(decisions.map((e) => [e.actorLabel, e.reason])).toEqual([
      [
        expect.stringContaining("alice"),
        "exception requested by alice until 2026-12-15: compensating WAF rule until the migration",
      ],
      [
        expect.stringContaining("carol"),
        "exception approved by carol until 2026-12-15 (requested by alice: compensating WAF rule until the migration)",
      ],
    ]);
  });

  it("a request whose date has passed by the time of approval is refused, and says who asks again", async () => {
    permission("alice", "write");
    gh().post(`${R}/issues/${ISSUE}/comments`).reply(201, {});
    await say("alice", "/fixloop accept-risk --until 2026-11-25 WAF", "d-ar-5");
    h.clock.advance(6 * DAY);
    member("carol", true);
    replies(
      "@carol this request cannot be approved: 2026-11-25 is not after today (2026-11-26). @alice may ask again with `/fixloop accept-risk --until YYYY-MM-DD <reason>`.",
    );
    await say("carol", "/fixloop approve-exception", "d-ae-4");
    expect(await state()).toBe("awaiting_exception");
  });
});

describe("/fixloop snooze, assign and status", () => {
  it("snooze: at most 14 days, then excepted as a snooze, shown by status", async () => {
    permission("alice", "write");
    replies(
      "@alice a snooze may last at most 14 days (2026-12-20 is 30 days away). Usage: `/fixloop snooze --until YYYY-MM-DD` (longer needs an approved exception: `/fixloop accept-risk --until YYYY-MM-DD <reason>`)",
    );
    await say("alice", "/fixloop snooze --until 2026-12-20", "d-sn-1");
    expect(await state()).toBe("awaiting_approval");

    permission("alice", "write");
    replies(
      [
        "@alice snoozed this finding until 2026-11-30.",
        "",
        "Changed: the finding is `excepted` (a snooze: no approval, counted, and shown by `/fixloop status`).",
        "Next: it comes back into the loop when the snooze ends, 2026-12-01 00:00 UTC.",
      ].join("\n"),
    );
    await say("alice", "/fixloop snooze --until 2026-11-30", "d-sn-2");
    expect(await state()).toBe("excepted");
    const rows = await h.store.db.selectFrom("exceptions").selectAll().execute();
    expect(rows.map((r) => [r.kind, r.origin, r.expires_at])).toEqual([
      ["snooze", "command", Date.parse("2026-12-01T00:00:00Z")],
    ]);

    const f = await getFinding(h.store.db, GATED);
    replies(
      [
        `**${f?.title}** (\`${GATED}\`)`,
        "",
        "- State: `excepted`",
        "- Owner: @data-platform",
        `- SLA: stopped (\`excepted\` is closed)`,
        "- Open decisions: snoozed by @alice, ends 2026-12-01 00:00 UTC",
      ].join("\n"),
    );
    await say("dave", "/fixloop status", "d-st-1");
    expect(isoDay(h.clock.clock() + 10 * DAY)).toBe("2026-11-30");
  });

  it("assign: the owner changes, and the routing decision is in the trail", async () => {
    permission("alice", "write");
    gh().get(`/orgs/${ORG}/teams/data-platform`).reply(200, { slug: "data-platform" });
    replies(
      [
        "@alice routed this finding to @acme/data-platform (was @data-platform).",
        "",
        "Changed: its owner is now @acme/data-platform; the routing decision is in its audit trail.",
        "Next: @acme/data-platform, this finding is yours; its SLA is unchanged.",
      ].join("\n"),
    );
    await say("alice", "/fixloop assign acme/data-platform", "d-as-1");
    const f = await getFinding(h.store.db, GATED);
    expect(f?.ownerTeam).toBe("acme/data-platform");
    expect(f?.state).toBe("awaiting_approval");
    expect((await auditTrail(h.store.db, GATED)).at(-1)).toMatchObject({
      from: "awaiting_approval",
      to: "awaiting_approval",
      actor: { kind: "github-user", login: "alice" },
      reason: "routed to acme/data-platform by alice (was data-platform)",
    });

    permission("alice", "write");
    replies(
      "@alice fixloop routes findings to teams of @acme only (got @other/security). Usage: `/fixloop assign <org/team>`",
    );
    await say("alice", "/fixloop assign other/security", "d-as-2");
    permission("alice", "write");
    gh().get(`/orgs/${ORG}/teams/nobody`).reply(404, { message: "Not Found" });
    replies("@alice @acme has no team @acme/nobody. Usage: `/fixloop assign <org/team>`");
    await say("alice", "/fixloop assign acme/nobody", "d-as-3");
  });
});

describe("suppression on arrival", () => {
  it("a rule confirmed a false positive for the organization: its later findings arrive suppressed, naming the decision", async () => {
    // The decision as /fixloop confirm-false-positive --scope organization records it: on the
    // catalog rule Security Hub's EC2.13 maps to.
    await recordSuppressionScope(
      h.store.db,
      {
        org: ORG,
        repository: null,
        ruleId: "aws-sg-open-admin-ports",
        resource: null,
        scope: "organization",
        findingId: GATED,
        decidedBy: { kind: "github-user", login: "carol", id: 7 },
        reason: "bastion security groups are reviewed by the network team",
      },
      h.clock.clock(),
    );
    expect((await h.postFindings([BATCH[1]])).status).toBe(202);
    const result = (await listFindings(h.store.db)).find((f) => f.rule.nativeId === "EC2.13");
    expect(result?.state).toBe("suppressed");
    const trail = await auditTrail(h.store.db, result?.id as string);
    expect(trail.map((e) => e.to)).toEqual(["new", "suppressed"]);
    expect(trail[1]?.reason).toBe(
      `suppressed on arrival: aws-sg-open-admin-ports was confirmed a false positive everywhere in acme by carol on 2026-11-20 (suppression #1, finding ${GATED}: bastion security groups are reviewed by the network team)`,
    );
    const queued = (await listJobs(h.store.db, { kind: "remediate" })).filter((j) => j.state === "queued");
    expect(queued).toHaveLength(0);
  });

  it("in another organization the decision does not apply", async () => {
    await recordSuppressionScope(
      h.store.db,
      {
        org: "globex",
        repository: null,
        ruleId: "aws-sg-open-admin-ports",
        resource: null,
        scope: "organization",
        findingId: GATED,
        decidedBy: { kind: "github-user", login: "carol", id: 7 },
        reason: "x",
      },
      h.clock.clock(),
    );
    expect((await h.postFindings([BATCH[1]])).status).toBe(202);
    const result = (await listFindings(h.store.db)).find((f) => f.rule.nativeId === "EC2.13");
    expect(result?.state).not.toBe("suppressed");
  });
});
