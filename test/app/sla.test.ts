// SLA notices end to end, through the real Probot app: a CSPM POSTs a finding (high tier: a 720 h
// SLA), fixloop opens its PR, and the manual clock moves while the job worker runs the `sweep:sla`
// sweep. The owners are warned once at 75 % of the SLA; on the breach the PR gets the
// `sla-breached` label and one comment mentioning the owners and the security team, the breach is
// recorded with its time; each escalation step is told once. Every GitHub request is mocked and
// checked against GitHub's OpenAPI description; an unexpected one (a second comment) fails the test.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { notifySla } from "../../src/sla/notices.ts";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { slaBreachesOf } from "../../src/store/sla-breaches.ts";
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
import {
  COMMENTS,
  EVIDENCE_PATH,
  EVIDENCE_URL,
  FINDING,
  openFixPr,
  PR_URL,
  postedBodies,
  publicBucket,
  R,
  signedGet,
} from "./verification-setup.ts";

const gh = useMockGitHub();
const MINUTE = 60_000;
/** The first record of the generic CSPM batch: critical, gated for approval (an issue, no PR). */
const ISSUE_FINDING = "4f627203c485b023eb9b4282";
const HOUR = 60 * MINUTE;
// The fixture was detected on 2026-11-02, eighteen days before the harness's clock: the
// organization's 30-day SLA for the high tier (its due date is set at ingest, with the
// organization's settings) leaves room to watch it run out.
const ORG_CONFIG = "slaHours:\n  high: 720\n";
const CONFIG = [
  "securityTeam: acme/appsec",
  "sla:",
  "  warnAt: 0.75",
  "  escalate:",
  "    - after: 24h",
  "      notify: acme/security-leads",
  "    - after: 3d",
  "      notify: acme/ciso-office",
  "",
].join("\n");

let h: Harness;
let due: number;
beforeEach(async () => {
  h = await startHarness();
  await openFixPr(h, gh(), { config: CONFIG, orgConfig: ORG_CONFIG });
  const finding = await getFinding(h.store.db, FINDING);
  expect(finding?.state).toBe("pr_open");
  expect(finding?.risk.tier).toBe("high");
  due = Date.parse(finding!.slaDue);
});
afterEach(async () => {
  await h.close();
});

const comments = () => postedBodies<{ body: string }>(gh(), COMMENTS).map((c) => c.body);
/** The SLA's notifications (the fix PR's own `fix-pr-opened` is another feature's). */
const notifications = async () =>
  (await listJobs(h.store.db, { kind: "notify" }))
    .map((j) => j.payload as Record<string, unknown>)
    .filter((n) => String(n.event).startsWith("sla-"));
const mockComment = (id: number) =>
  gh()
    .post(`${R}/issues/17/comments`)
    .reply(201, { id, html_url: `${PR_URL}#issuecomment-${id}` });
/** Moves the clock to `at` and lets the due jobs (the sweeps among them) run. */
async function at(ms: number) {
  h.clock.set(ms);
  await h.drain();
}
const DUE_TEXT = (d: number) => {
  const iso = new Date(d).toISOString();
  return `due ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC (30 d, high tier)`;
};

describe("SLA notices on the finding's PR", () => {
  it("warns once at 75 %, then labels and comments once on the breach, recording its time", async () => {
    const warnAt = due - 180 * HOUR; // 75 % of 720 h
    await at(warnAt - 20 * MINUTE);
    expect(comments()).toEqual([]);

    mockComment(2);
    await at(warnAt + 5 * MINUTE);
    expect(comments()).toEqual([
      [
        `**SLA due soon.** 75 % of this finding's SLA has passed: it is ${DUE_TEXT(due)}.`,
        "",
        `Evidence: [SLA and audit trail](${EVIDENCE_URL})`,
        "",
        "@acme/data-platform: please merge the fix, or record a decision (`/fixloop help`), before then.",
      ].join("\n"),
    ]);
    expect(await notifications()).toEqual([
      expect.objectContaining({
        event: "sla-warning",
        findingId: FINDING,
        link: PR_URL,
        summary: `SLA due soon: a high-tier finding is due ${DUE_TEXT(due).slice(4, 24)} and is still pr open.`,
      }),
    ]);

    // The sweep runs again, and again: nothing more (a second comment would be an unmocked request).
    await at(warnAt + 20 * MINUTE);
    await at(warnAt + 35 * MINUTE);
    expect(comments()).toHaveLength(1);

    const breachedList = async () =>
      (
        (await (await signedGet(h, "/api/findings?breached=true")).json()) as {
          findings: Array<{ id: string }>;
        }
      ).findings.map((f) => f.id);
    expect(await breachedList()).toEqual([]);

    // The due date passes: the next sweep records the breach, labels the PR and comments once.
    gh()
      .get(`${R}/labels?per_page=100`)
      .optionally()
      .reply(200, [{ name: "security" }]);
    gh().post(`${R}/labels`).optionally().reply(201, {});
    gh()
      .post(`${R}/issues/17/labels`, { labels: ["sla-breached"] })
      .reply(200, [{ name: "sla-breached" }]);
    mockComment(3);
    const sweptAt = due + 10 * MINUTE;
    await at(sweptAt);
    const finding = await getFinding(h.store.db, FINDING);
    expect(finding?.slaBreachedAt).toBe(new Date(sweptAt).toISOString());
    expect(comments()).toHaveLength(2);
    expect(comments()[1]).toBe(
      [
        `**SLA breached.** This finding was ${DUE_TEXT(due)} and is still pr open. The breach is recorded with its time in the finding's audit trail.`,
        "",
        `Evidence: [SLA and audit trail](${EVIDENCE_URL})`,
        "",
        "@acme/data-platform @acme/appsec: please fix it or record a decision now.",
      ].join("\n"),
    );
    expect(await slaBreachesOf(h.store.db, FINDING)).toEqual([
      {
        findingId: FINDING,
        due: new Date(due).toISOString(),
        breachedAt: new Date(sweptAt).toISOString(),
        state: "pr_open",
        riskTier: "high",
      },
    ]);
    expect((await notifications()).map((n) => [n.event, n.at])).toEqual([
      ["sla-warning", new Date(warnAt + 5 * MINUTE).toISOString()],
      ["sla-breached", new Date(sweptAt).toISOString()],
    ]);

    expect(await breachedList()).toEqual([FINDING]);

    // The evidence record says when.
    const evidence = await signedGet(h, EVIDENCE_PATH);
    expect(((await evidence.json()) as { sla: unknown }).sla).toMatchObject({
      due: new Date(due).toISOString(),
      breached: true,
      breachedAt: new Date(sweptAt).toISOString(),
    });

    // Later sweeps and a re-scan that reports the finding again (the CSPM's next POST): nothing twice.
    await at(sweptAt + 15 * MINUTE);
    expect((await h.postFindings(publicBucket())).status).toBe(202);
    await h.drain();
    expect(comments()).toHaveLength(2);
    expect(gh().count("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")).toBe(1);
    expect(await slaBreachesOf(h.store.db, FINDING)).toHaveLength(1);
  });

  it("climbs the escalation ladder one step at a time, each once, retrying a failed post", async () => {
    gh()
      .get(`${R}/labels?per_page=100`)
      .optionally()
      .reply(200, [{ name: "sla-breached" }]);
    gh().post(`${R}/issues/17/labels`).reply(200, []);
    mockComment(2); // the warning
    mockComment(3); // the breach
    await at(due - 180 * HOUR);
    await at(due + 5 * MINUTE);
    expect(comments()).toHaveLength(2);

    // Step 1 is due 24 h after the due date; GitHub fails the first post: the claim is released.
    gh().post(`${R}/issues/17/comments`).reply(502, { message: "Bad Gateway" });
    await at(due + 24 * HOUR + 5 * MINUTE);
    mockComment(4);
    await at(due + 24 * HOUR + 20 * MINUTE);
    const step1 = comments().at(-1);
    expect(step1).toBe(
      [
        `**SLA escalation, step 1 of 2.** This finding has been past its SLA for 24 h: it was ${DUE_TEXT(due)} and is still pr open.`,
        "",
        `Evidence: [SLA and audit trail](${EVIDENCE_URL})`,
        "",
        "@acme/security-leads: please see that it is fixed or decided.",
      ].join("\n"),
    );
    await at(due + 48 * HOUR);
    expect(comments().filter((c) => c.startsWith("**SLA escalation"))).toHaveLength(2); // the 502 and the retry

    mockComment(5);
    await at(due + 72 * HOUR + 5 * MINUTE);
    expect(comments().at(-1)).toContain(
      "**SLA escalation, step 2 of 2.** This finding has been past its SLA for 3 d",
    );
    expect(comments().at(-1)).toContain("@acme/ciso-office: please see that it is fixed or decided.");

    // Two replicas giving the notices at once, and more sweeps: nothing more is posted.
    await Promise.all([notifySla(h.env), notifySla(h.env)]);
    await at(due + 96 * HOUR);
    expect(comments()).toHaveLength(5);
    expect(
      (await notifications()).filter((n) => n.event === "sla-escalation").map((n) => [n.teams, n.link]),
    ).toEqual([
      [["acme/security-leads"], PR_URL],
      [["acme/ciso-office"], PR_URL],
    ]);
  });
});

describe("SLA notices on the tracking issue when there is no PR", () => {
  it("a critical finding waiting for approval, already past its due date: breached at the first sweep, told once on its issue", async () => {
    await h.close(); // this test starts its own harness, with no PR
    h = await startHarness();
    const batch = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/cspm-batch.json"), "utf8"));
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, "securityTeam: acme/appsec\n");
    gh()
      .post(`${R}/issues`)
      .reply(201, { number: 5, html_url: `https://github.com/${ORG}/${REPO}/issues/5` });
    gh().get(`${R}/labels?per_page=100`).optionally().reply(200, []);
    gh().post(`${R}/labels`).optionally().reply(201, {});
    gh()
      .post(`${R}/issues/5/labels`, { labels: ["sla-breached"] })
      .reply(200, []);
    gh()
      .post(`${R}/issues/5/comments`)
      .reply(201, { id: 9, html_url: `https://github.com/${ORG}/${REPO}/issues/5#issuecomment-9` });
    await h.postFindings([batch[0]]);
    await h.drain();
    h.clock.advance(15 * MINUTE);
    await h.drain();
    const issueComments = postedBodies<{ body: string }>(gh(), COMMENTS).map((c) => c.body);
    expect(issueComments).toEqual([
      [
        "**SLA breached.** This finding was due 2026-11-04 08:15 UTC (48 h, critical tier) and is still awaiting approval. The breach is recorded with its time in the finding's audit trail.",
        "",
        `Evidence: [SLA and audit trail](https://fixloop.example.com/findings/${ISSUE_FINDING})`,
        "",
        // Its owner is the bare tag value "data-platform", which no mapping made a team: not
        // mentioned (it could be anyone's user name).
        "@acme/appsec: please fix it or record a decision now.",
      ].join("\n"),
    ]);
    h.clock.advance(15 * MINUTE);
    await h.drain();
    expect(postedBodies(gh(), COMMENTS)).toHaveLength(1);
  });
});
