// Exceptions written as code, through the real app: replayed push and pull_request deliveries
// (@octokit/webhooks-examples, adapted in ids and shas; the push's commit lists the exceptions
// file among its changes, as a push that touches it does), GitHub answered by the mock kit.

import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { signRequest } from "../../src/http/signature.ts";
import { persistFindings } from "../../src/ingest/persist.ts";
import { sweepJob } from "../../src/jobs/kinds.ts";
import { sweepExpiredExceptions } from "../../src/jobs/sweeps.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { getFinding } from "../../src/store/findings.ts";
import { enqueueJobs, listJobs } from "../../src/store/jobs.ts";
import { saveTrackingIssue } from "../../src/store/tracking-issues.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import { triage } from "../store/helpers.ts";
import {
  API_SECRET,
  type Harness,
  INSTALLATION_ID,
  mockConfig,
  ORG,
  REPO,
  startHarness,
  uniqueTimestamp,
} from "./harness.ts";
import { publicBucket } from "./verification-setup.ts";

const gh = useMockGitHub();
const HEAD = "c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe";
const BASE = "ba5eba5eba5eba5eba5eba5eba5eba5eba5eba5e";
const FILE = ".github/fixloop-exceptions.yml";
const ORG_REPO = ".github";

let h: Harness;
let finding: string;
beforeEach(async () => {
  h = await startHarness();
  [finding] = (
    await persistFindings(h.store, triage(publicBucket("failed")), {
      org: ORG,
      installationId: INSTALLATION_ID,
    })
  ).map((r) => r.id) as [string];
  // A finding fixloop could not fix: the kind a security team accepts for a while.
  await changeState(h.store, {
    findingId: finding,
    to: "unfixable",
    actor: { kind: "app" },
    reason: "managed by another team",
  });
  await h.store.db.deleteFrom("jobs").execute();
});
afterEach(async () => {
  await h.close();
});

function token() {
  gh()
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .optionally()
    .times(5)
    .reply(201, { token: "ghs_t", expires_at: "2026-11-20T11:00:00Z" });
}

function push(repo: string) {
  const payload = withIds(
    webhookExample("push", (p) => p.ref === "refs/heads/master" && !!p.installation),
    { owner: ORG, repo, installationId: INSTALLATION_ID, headSha: HEAD },
  );
  payload.commits[0]!.modified = [FILE];
  return payload;
}

const GOOD = `exceptions:
  - rule: aws-s3-public-access-block
    resource: "arn:aws:s3:::prod-customer-*"
    reason: Public website bucket, reviewed by the data team
    approvedBy: bob
    expires: 2026-12-10
`;

describe("push of .github/fixloop-exceptions.yml to the default branch", () => {
  it("applies a valid file: the finding is excepted until the date, once however often it is delivered", async () => {
    token();
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).times(2).reply(200, GOOD);
    await h.probot.receive({ id: "push-1", name: "push", payload: push(ORG_REPO) });
    await h.probot.receive({ id: "push-1", name: "push", payload: push(ORG_REPO) });
    expect((await getFinding(h.store.db, finding))?.state).toBe("excepted");
    const rows = await h.store.db.selectFrom("exceptions").selectAll().execute();
    expect(
      rows.map((r) => [
        r.origin,
        r.reference,
        JSON.parse(r.approved_by).login,
        new Date(r.expires_at ?? 0).toISOString(),
        r.reason,
      ]),
    ).toEqual([
      [
        "file",
        `${ORG}/.github/${FILE}#0`,
        "bob",
        "2026-12-11T00:00:00.000Z",
        "Public website bucket, reviewed by the data team",
      ],
    ]);
  });

  it("ends the exception when its entry is removed", async () => {
    token();
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).reply(200, GOOD);
    await h.probot.receive({ id: "push-1", name: "push", payload: push(ORG_REPO) });
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).reply(200, "exceptions: []\n");
    await h.probot.receive({ id: "push-2", name: "push", payload: push(ORG_REPO) });
    const trail = await auditTrail(h.store.db, finding);
    expect(trail.slice(-3).map((e) => `${e.from} → ${e.to}: ${e.reason}`)).toEqual([
      "unfixable → excepted: exception until 2026-12-11T00:00:00.000Z: Public website bucket, reviewed by the data team",
      `excepted → triaged: exception #1 approved by @bob on 2026-11-20 ended on 2026-11-20T10:00:00.000Z (its entry left ${FILE}): the SLA restarts from then`,
      expect.stringMatching(/^triaged → fixing: /),
    ]);
  });

  it("refuses an invalid file whole: a failing check run names each error by key path, on its line", async () => {
    token();
    const bad = `${GOOD}  - finding: 2246b397c614a4456bf7b417
    reason: temporary
    approvedBy: alice
  - rule: S3.8
    resource: "*"
    reason: x
    approvedBy: "not a user"
    expires: 2026-02-30
`;
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).reply(200, bad);
    gh().post(`/repos/${ORG}/${ORG_REPO}/check-runs`).reply(201, { id: 5, html_url: "https://github.com/x" });
    await h.probot.receive({ id: "push-3", name: "push", payload: push(ORG_REPO) });
    expect((await getFinding(h.store.db, finding))?.state).toBe("unfixable");
    const body = gh().requests.find((r) => r.method === "POST" && r.path.endsWith("/check-runs"))?.body as {
      name: string;
      conclusion: string;
      head_sha: string;
      output: { title: string; summary: string; annotations: Array<{ start_line: number; message: string }> };
    };
    expect([body.name, body.conclusion, body.head_sha, body.output.title]).toEqual([
      "fixloop/exceptions",
      "failure",
      HEAD,
      `${FILE} is invalid: nothing was applied`,
    ]);
    expect(body.output.annotations.map((a) => [a.start_line, a.message])).toEqual([
      [7, "exceptions[1].expires: required"],
      [10, 'exceptions[2].approvedBy: "not a user" is not a GitHub user name'],
      [10, 'exceptions[2].expires: must be a date written YYYY-MM-DD (got "2026-02-30")'],
    ]);
  });
});

describe("the register", () => {
  async function cli(args: string[]) {
    let stdout = "";
    let stderr = "";
    const dataDir = join(h.repoDir, "../../../data");
    // The CLI's store reads the wall clock: set it to the harness's.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(h.clock.clock());
    const code = await main(["exceptions", ...args, "--data-dir", dataDir], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      cwd: process.cwd(),
      env: {},
    });
    vi.useRealTimers();
    return { code, stdout, stderr };
  }

  async function api(query: string) {
    const target = `/api/exceptions${query}`;
    const headers = signRequest(API_SECRET, {
      timestamp: uniqueTimestamp(h.clock.clock()),
      method: "GET",
      target,
      body: "",
    });
    const res = await fetch(`${h.apiUrl}${target}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it("lists the file's exception in the CLI, the API and the period's evidence, and filters by expiry", async () => {
    token();
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).reply(200, GOOD);
    await h.probot.receive({ id: "push-1", name: "push", payload: push(ORG_REPO) });
    expect(await cli([])).toEqual({
      code: 0,
      stdout: [
        "EXPIRES     KIND       ORIGIN  FINDING                   RULE                        APPROVED BY  WHERE                                          REASON",
        `2026-12-11  exception  file    ${finding}  aws-s3-public-access-block  @bob         acme/.github/.github/fixloop-exceptions.yml#0  Public website bucket, reviewed by the data team`,
        "",
      ].join("\n"),
      stderr: "",
    });
    const row = {
      kind: "exception",
      origin: "file",
      finding,
      rule: "aws-s3-public-access-block",
      approvedBy: "bob",
      reason: "Public website bucket, reviewed by the data team",
      expiresAt: "2026-12-11T00:00:00.000Z",
      reference: `${ORG}/.github/${FILE}#0`,
      createdAt: "2026-11-20T10:00:00.000Z",
      org: ORG,
    };
    expect(JSON.parse((await cli(["--json", "--expiring", "30d"])).stdout)).toEqual([row]);
    expect(JSON.parse((await cli(["--json", "--expiring", "7d"])).stdout)).toEqual([]);
    expect(await api("?expiring=30d")).toEqual({ status: 200, body: { exceptions: [row] } });
    expect(await api("?expiring=soon")).toEqual({
      status: 400,
      body: { error: 'expiring wants a number of days such as 30d (got "soon")' },
    });
    h.clock.advance(60_000);
    const target = "/api/evidence?since=2026-11-01";
    const headers = signRequest(API_SECRET, {
      timestamp: uniqueTimestamp(h.clock.clock()),
      method: "GET",
      target,
      body: "",
    });
    const period = (await (await fetch(`${h.apiUrl}${target}`, { headers })).json()) as {
      exceptions: unknown[];
    };
    expect(period.exceptions).toEqual([row]);
    expect((await cli(["--expiring", "soon"])).stderr).toContain(
      '--expiring wants a number of days such as 30d (got "soon")',
    );
  });
});

describe("the notice before an exception ends", () => {
  it("tells the approver and the owners once on the tracking issue, and queues the notification", async () => {
    token();
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).reply(200, GOOD);
    await h.probot.receive({ id: "push-1", name: "push", payload: push(ORG_REPO) });
    await saveTrackingIssue(
      h.store.db,
      {
        findingId: finding,
        repository: `${ORG}/${REPO}`,
        number: 12,
        url: `https://github.com/${ORG}/${REPO}/issues/12`,
        reason: "unfixable",
      },
      h.clock.clock(),
    );
    mockConfig(gh(), REPO, "exceptions:\n  noticeDays: 7\n");
    // The notification it queues is routed by the organization's configuration (none here).
    gh()
      .get(`/repos/${ORG}/.github/contents/.github/fixloop.yml`)
      .optionally()
      .times(2)
      .reply(404, { message: "Not Found" });
    gh()
      .post(`/repos/${ORG}/${REPO}/issues/12/comments`)
      .reply(201, { id: 1, html_url: `https://github.com/${ORG}/${REPO}/issues/12#issuecomment-1` });
    // Eight days before: too early. Then six days before, twice (a redelivered sweep): one comment.
    h.clock.set(Date.parse("2026-12-03T00:00:00Z"));
    await enqueueJobs(h.store.db, [sweepJob("sweep:exception-expiry", h.clock.clock())], h.clock.clock());
    await h.drain();
    expect(gh().requests.filter((r) => r.path.endsWith("/comments"))).toHaveLength(0);
    for (const at of ["2026-12-05T00:00:00Z", "2026-12-05T02:00:00Z"]) {
      h.clock.set(Date.parse(at));
      await enqueueJobs(h.store.db, [sweepJob("sweep:exception-expiry", h.clock.clock())], h.clock.clock());
      await h.drain();
    }
    const comments = gh().requests.filter((r) => r.path.endsWith("/comments"));
    expect(comments).toHaveLength(1);
    expect((comments[0]!.body as { body: string }).body).toBe(
      [
        "@bob: The exception for this finding, approved by @bob on 2026-11-20, ends on 2026-12-11T00:00:00.000Z (in 6 days).",
        "",
        "Reason given: Public website bucket, reviewed by the data team",
        "",
        "After that fixloop takes the finding back into the loop: its SLA restarts from the end date and, if the code still fails, a new fix PR is opened. To keep it, renew it before then (a new `/fixloop accept-risk --until YYYY-MM-DD` approved by the security team, or a later `expires` in `.github/fixloop-exceptions.yml`).",
        "",
        "<!-- fixloop:exception-expiring:1 -->",
      ].join("\n"),
    );
    const notify = await h.store.db
      .selectFrom("jobs")
      .select(["payload"])
      .where("kind", "=", "notify")
      .execute();
    expect(notify.map((j) => JSON.parse(j.payload))).toEqual([
      {
        event: "exception-expiring",
        findingId: finding,
        at: "2026-12-11T00:00:00.000Z",
        summary: expect.stringMatching(/^exception for .* ends on 2026-12-11$/),
        link: `https://github.com/${ORG}/${REPO}/issues/12`,
      },
    ]);
  });
});

describe("the SLA after an exception from the file expires", () => {
  it("restarts from the expiry and the remediate job is queued", async () => {
    token();
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).reply(200, GOOD);
    await h.probot.receive({ id: "push-1", name: "push", payload: push(ORG_REPO) });
    const before = await h.store.db
      .selectFrom("findings")
      .select(["sla_due", "first_seen"])
      .executeTakeFirstOrThrow();
    h.clock.set(Date.parse("2026-12-11T00:30:00Z"));
    expect(await sweepExpiredExceptions(h.store)).toBe(1);
    const after = await h.store.db
      .selectFrom("findings")
      .select(["sla_due", "state"])
      .executeTakeFirstOrThrow();
    expect(after.state).toBe("fixing");
    expect(new Date(after.sla_due).toISOString()).toBe(
      new Date(Date.parse("2026-12-11T00:00:00Z") + (before.sla_due - before.first_seen)).toISOString(),
    );
    expect((await listJobs(h.store.db, { state: "queued" })).map((j) => j.uniqueKey)).toEqual([
      `remediate:${finding}`,
    ]);
    expect((await auditTrail(h.store.db, finding)).at(-2)?.reason).toBe(
      "exception #1 approved by @bob on 2026-11-20 ended on 2026-12-11T00:00:00.000Z (expired): the SLA restarts from then",
    );
  });
});

// In the organization's .github repository, whose file covers every finding of the organization.
describe("a pull request that changes the exceptions file", () => {
  function opened(author: string) {
    const payload = withIds(
      webhookExample("pull_request", (p) => p.action === "opened"),
      {
        owner: ORG,
        repo: ORG_REPO,
        installationId: INSTALLATION_ID,
        number: 31,
        headSha: HEAD,
        baseSha: BASE,
      },
    );
    (payload.pull_request.user as { login: string }).login = author;
    return payload;
  }

  function entry(approvedBy: string, expires: string | null) {
    return `exceptions:
  - finding: ${"2246b397c614a4456bf7b417"}
    reason: Accepted until the migration
    approvedBy: ${approvedBy}
${expires ? `    expires: ${expires}\n` : ""}`;
  }

  async function check(file: string, author: string, members: string[]) {
    token();
    mockConfig(gh(), ORG_REPO, "securityTeam: acme/security\n");
    // The one pull_request pipeline lists the PR's files once; the check runs because the file is among them.
    gh()
      .get(`/repos/${ORG}/${ORG_REPO}/pulls/31/files?per_page=100`)
      .reply(200, [{ filename: FILE, status: "modified", patch: "@@ -0,0 +1 @@\n+exceptions:" }]);
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${HEAD}`).reply(200, file);
    gh().get(`/repos/${ORG}/${ORG_REPO}/contents/${FILE}?ref=${BASE}`).reply(404, { message: "Not Found" });
    for (const login of ["alice", "mallory", "bob"])
      gh()
        .get(`/orgs/${ORG}/teams/security/memberships/${login}`)
        .optionally()
        .reply(
          ...((members.includes(login)
            ? [200, { state: "active", role: "member", url: "" }]
            : [404, { message: "Not Found" }]) as [number, object]),
        );
    gh().post(`/repos/${ORG}/${ORG_REPO}/check-runs`).reply(201, { id: 6, html_url: "https://github.com/x" });
    gh().post(`/repos/${ORG}/${ORG_REPO}/pulls/31/requested_reviewers`).reply(201, { number: 31 });
    await h.probot.receive({ id: `pr-${author}`, name: "pull_request", payload: opened(author) });
    const body = gh().requests.find((r) => r.path.endsWith("/check-runs"))?.body as {
      conclusion: string;
      output: { annotations: Array<{ start_line: number; message: string }> };
    };
    const review = gh().requests.find((r) => r.path.endsWith("/requested_reviewers"))?.body;
    expect(review).toEqual({ team_reviewers: ["security"] });
    return [body.conclusion, ...body.output.annotations.map((a) => `${a.start_line}: ${a.message}`)];
  }

  it("fails when the approver is the PR's author", async () => {
    expect(await check(entry("alice", "2026-12-01"), "alice", ["alice"])).toEqual([
      "failure",
      "2: approvedBy @alice is the pull request's author: nobody approves their own exception",
    ]);
  });

  it("fails when the approver is not in the security team", async () => {
    expect(await check(entry("mallory", "2026-12-01"), "alice", ["bob"])).toEqual([
      "failure",
      "2: approvedBy @mallory is not a member of the security team @acme/security",
    ]);
  });

  it("fails when the entry has no expiry", async () => {
    expect(await check(entry("bob", null), "alice", ["bob"])).toEqual([
      "failure",
      "2: exceptions[0].expires: required",
    ]);
  });

  it("fails when the entry runs longer than its finding's tier allows", async () => {
    const tier = (await getFinding(h.store.db, finding))?.risk.tier;
    expect(tier).toBe("high");
    expect(await check(entry("bob", "2027-06-01"), "alice", ["bob"])).toEqual([
      "failure",
      "2: expires 2027-06-01 is longer than 90 days, the limit for its high finding: at the latest 2027-02-17",
    ]);
  });

  it("holds an entry that covers no finding yet to the strictest tier", async () => {
    expect(
      await check(
        entry("bob", "2027-01-15").replace("2246b397c614a4456bf7b417", "ffffffffffffffffffffffff"),
        "alice",
        ["bob"],
      ),
    ).toEqual([
      "failure",
      "2: expires 2027-01-15 is longer than 30 days, the limit for the strictest tier (critical; it covers no finding yet): at the latest 2026-12-19",
    ]);
  });

  it("passes a good entry and asks the security team to review", async () => {
    expect(await check(entry("bob", "2027-01-15"), "alice", ["bob"])).toEqual(["success"]);
  });
});
