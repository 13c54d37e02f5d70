// End to end through the app: a high-risk finding's fix PR is opened, and the owning team hears of
// it in Slack, the default Microsoft Teams channel and a signed webhook — each a durable job, each
// request checked by a receiver double that fails the test on anything it did not expect (the
// GitHub kit records every request to an unmocked host). Receivers that are down delay, then
// deliver; one that stays down leaves a `dead` job whose error names the variable, not the URL.

import nock from "nock";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { SeenSignatures } from "../../src/http/replay.ts";
import { TIMESTAMP_HEADER, verifyRequest } from "../../src/http/signature.ts";
import { notifyJob } from "../../src/jobs/kinds.ts";
import { enqueueJobs } from "../../src/store/jobs.ts";
import { API_SECRET, type Harness, ORG, REPO, startHarness } from "../app/harness.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { openFixPr } from "./fix-pr.ts";

const gh = useMockGitHub();
const FINDING = "2246b397c614a4456bf7b417";
const PR_URL = `https://github.com/${ORG}/${REPO}/pull/17`;
const ORG_CONFIG = [
  // A long SLA: the fixture finding is old, and these tests are about the fix PR's message.
  "slaHours:",
  "  high: 2160",
  "notifications:",
  "  slack:",
  "    teams:",
  "      acme/data-platform: SLACK_WEBHOOK_DATA_PLATFORM",
  "    default: SLACK_WEBHOOK_SECURITY",
  "  msteams:",
  "    default: TEAMS_WEBHOOK_SECURITY",
  "  webhooks:",
  "    - url: SIEM_WEBHOOK_URL",
  "      secret: SIEM_WEBHOOK_SECRET",
  "",
].join("\n");

// Slack and Teams URLs carry their token in the path: the secrets a log must never show.
const SLACK_PATH = "/services/T0000/B0000/slacksecrettoken0123456789";
const TEAMS_PATH = "/webhookb2/teamssecret0123456789/IncomingWebhook/abc/def";
const SIEM_SECRET = "siem-signing-secret-0123456789";
const ENV = {
  FIXLOOP_API_SECRET: API_SECRET,
  FIXLOOP_PUBLIC_URL: "https://fixloop.example.com",
  SLACK_WEBHOOK_DATA_PLATFORM: `https://hooks.slack.com${SLACK_PATH}`,
  SLACK_WEBHOOK_SECURITY: "https://hooks.slack.com/services/T0000/B0001/securitychannel000000",
  TEAMS_WEBHOOK_SECURITY: `https://acme.webhook.office.com${TEAMS_PATH}`,
  SIEM_WEBHOOK_URL: "https://siem.example.com/ingest/fixloop?source=github",
  SIEM_WEBHOOK_SECRET: SIEM_SECRET,
};

interface Received {
  host: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A receiver that answers each expected request with `status` and records it. */
function receiver(origin: string, path: string, statuses: number[], into: Received[]) {
  const scope = nock(origin);
  for (const status of statuses)
    scope.post(path).reply(function (uri, body) {
      into.push({
        host: origin,
        path: uri,
        headers: Object.fromEntries(
          Object.entries(this.req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
        ),
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return [status, status === 429 ? "rate_limited" : "ok", status === 429 ? { "retry-after": "30" } : {}];
    });
  return scope;
}

let h: Harness | undefined;
let logged = "";
afterEach(async () => {
  await h?.close();
  h = undefined;
  nock.cleanAll();
});

async function start() {
  logged = "";
  const log = pino(
    { level: "debug" },
    {
      write: (line: string) => {
        logged += line;
      },
    },
  );
  h = await startHarness({ appOptions: { env: ENV }, log });
  return h;
}

async function jobsOf(harness: Harness, kind: string) {
  return harness.store.db
    .selectFrom("jobs")
    .select(["kind", "state", "attempts", "last_error", "unique_key"])
    .where("kind", "=", kind)
    .orderBy("id")
    .execute();
}

const SLACK_TEXT =
  "*Fix PR opened* (high): <https://github.com/acme/infra/pull/17|Enable S3 Block Public Access on the bucket>\nfixloop opened a fix PR (high tier)";

describe("notifications where teams live, end to end", () => {
  it("a high-risk fix PR opened: one message to the owning team's Slack, Teams' default, and a signed webhook", async () => {
    const harness = await start();
    const got: Received[] = [];
    receiver("https://hooks.slack.com", SLACK_PATH, [200], got);
    receiver("https://acme.webhook.office.com", TEAMS_PATH, [200], got);
    receiver("https://siem.example.com", "/ingest/fixloop?source=github", [200], got);
    await openFixPr(gh(), harness, ORG_CONFIG);
    await harness.drain();

    expect(got.map((r) => r.host).sort()).toEqual([
      "https://acme.webhook.office.com",
      "https://hooks.slack.com",
      "https://siem.example.com",
    ]);
    const slack = got.find((r) => r.host === "https://hooks.slack.com") as Received;
    expect(JSON.parse(slack.body)).toEqual({ text: SLACK_TEXT });

    const teams = JSON.parse((got.find((r) => r.host.includes("office")) as Received).body);
    expect(teams.attachments[0].content.body.map((b: { text: string }) => b.text)).toEqual([
      "**Fix PR opened** (high)",
      "Enable S3 Block Public Access on the bucket",
      "fixloop opened a fix PR \\(high tier\\)",
    ]);
    expect(teams.attachments[0].content.actions).toEqual([
      { type: "Action.OpenUrl", title: `Open ${FINDING.slice(0, 12)}`, url: PR_URL },
    ]);

    // The signed webhook verifies with fixloop's own verifier, as its /api would check it.
    const siem = got.find((r) => r.host.includes("siem")) as Received;
    const verified = verifyRequest({
      headers: siem.headers,
      method: "POST",
      target: siem.path,
      body: siem.body,
      secret: SIEM_SECRET,
      now: harness.store.now(),
      seen: new SeenSignatures(),
    });
    expect(verified).toEqual({ ok: true, scheme: "v2" });
    expect(siem.headers[TIMESTAMP_HEADER]).toBe(String(Math.floor(harness.store.now() / 1000)));
    expect(JSON.parse(siem.body)).toEqual({
      version: 1,
      event: "fix-pr-opened",
      at: "2026-11-20T10:00:00.000Z",
      summary: "fixloop opened a fix PR (high tier)",
      link: PR_URL,
      teams: ["acme/data-platform"],
      finding: {
        id: FINDING,
        title: "Enable S3 Block Public Access on the bucket",
        tier: "high",
        repository: null,
      },
    });
    expect((await jobsOf(harness, "notify-send")).map((j) => j.state)).toEqual(["done", "done", "done"]);

    // A redelivered webhook or a second drain sends nothing more (nothing else is mocked).
    await harness.drain();
    expect(got).toHaveLength(3);
    expect(logged).not.toContain("slacksecrettoken");
  });

  it("a receiver that is down delays but loses nothing; one that stays down is dead, its URL never logged", async () => {
    const harness = await start();
    const got: Received[] = [];
    receiver("https://hooks.slack.com", SLACK_PATH, [500, 503, 200], got);
    receiver("https://acme.webhook.office.com", TEAMS_PATH, Array(8).fill(500), got);
    receiver("https://siem.example.com", "/ingest/fixloop?source=github", [429, 200], got);
    await openFixPr(gh(), harness, ORG_CONFIG);
    await harness.drain();
    for (let i = 0; i < 12; i++) {
      harness.clock.advance(60 * 60_000);
      await harness.drain();
    }
    const sends = await jobsOf(harness, "notify-send");
    const slack = sends.find((j) => j.unique_key?.includes("SLACK_WEBHOOK_DATA_PLATFORM"));
    const teams = sends.find((j) => j.unique_key?.includes("TEAMS_WEBHOOK_SECURITY"));
    const siem = sends.filter((j) => j.unique_key?.includes("SIEM_WEBHOOK_URL"));
    expect(slack).toMatchObject({ state: "done", attempts: 3 });
    expect(got.filter((r) => r.host === "https://hooks.slack.com")).toHaveLength(3);
    // The 429 waited for its Retry-After without spending an attempt, then delivered.
    expect(siem.map((j) => j.state)).toEqual(["done", "done"]);
    expect(teams).toMatchObject({ state: "dead", attempts: 8 });
    expect(teams?.last_error).toBe(
      "attempt 8/8: msteams webhook (TEAMS_WEBHOOK_SECURITY): the receiver answered 500: ok",
    );
    const everything = JSON.stringify(sends) + logged;
    for (const secret of ["slacksecrettoken", "teamssecret", SIEM_SECRET])
      expect(everything).not.toContain(secret);
  });

  it("past digestAfter in the window, one digest carries the rest", async () => {
    const harness = await start();
    const got: Received[] = [];
    receiver("https://hooks.slack.com", SLACK_PATH, [200], got);
    // Teams' default and the SIEM get these too (the SIEM every one: signed webhooks are never digested).
    nock("https://acme.webhook.office.com").post(TEAMS_PATH).times(6).reply(200, "1");
    nock("https://siem.example.com").post("/ingest/fixloop?source=github").times(8).reply(200, "ok");
    await openFixPr(gh(), harness, ORG_CONFIG);
    await harness.drain();
    // Seven more events about the finding within the window (default: digest after 5).
    const events = Array.from({ length: 7 }, (_, i) =>
      notifyJob({
        event: "sla-warning",
        findingId: FINDING,
        at: new Date(Date.parse("2026-11-20T10:01:00Z") + i * 1000).toISOString(),
        summary: `warning ${i + 1}`,
      }),
    );
    receiver("https://hooks.slack.com", SLACK_PATH, Array(4).fill(200), got);
    await harness.store.transaction((tx) => enqueueJobs(tx, events, harness.store.now()));
    for (let i = 0; i < 6; i++) {
      harness.clock.advance(1_000);
      await harness.drain();
    }
    const slackTexts = () =>
      got.filter((r) => r.host === "https://hooks.slack.com").map((r) => JSON.parse(r.body).text as string);
    // The PR message and 4 warnings one by one (5 in the window), the other 3 held.
    expect(slackTexts()).toHaveLength(5);
    receiver("https://hooks.slack.com", SLACK_PATH, [200], got);
    harness.clock.advance(15 * 60_000);
    await harness.drain();
    const texts = slackTexts();
    expect(texts).toHaveLength(6);
    expect(texts[5]?.split("\n")[0]).toBe("*fixloop: 3 notifications*");
    expect(texts[5]).toContain("warning 5");
    expect(texts[5]).toContain("warning 7");
    // The held ones were carried by the digest: none is left to be sent alone.
    harness.clock.advance(60 * 60_000);
    await harness.drain();
    expect(slackTexts()).toHaveLength(6);
  });
});
