// Jira through the app: the finding's Jira issue follows its tracking issue — created once (with a
// remote link to the GitHub issue and a comment on it naming the key), updated in place, moved to
// done when the tracking issue closes and back when it reopens.
//
// Test basis: no package on the npm registry ships Atlassian's published OpenAPI description of the
// Jira Cloud platform REST API (only clients such as jira.js, and atlassian-openapi, a library for
// Atlassian's OpenAPI flavour, not the description), so this double checks requests against the
// shapes recorded from Atlassian's documentation: "Create issue" (POST /rest/api/3/issue, `fields`
// with project.key, issuetype.name, summary and an ADF `description`), "Edit issue" (PUT
// /rest/api/3/issue/{issueIdOrKey}, 204), "Get transitions" / "Transition issue" (GET/POST
// /rest/api/3/issue/{issueIdOrKey}/transitions, `{"transition": {"id": "…"}}`, 204) and "Create or
// update remote issue link" (POST …/remotelink, `object.url` and `object.title` required, `globalId`).

import nock from "nock";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { jiraSyncJob } from "../../src/jobs/kinds.ts";
import { jiraIssueOf } from "../../src/store/jira-issues.ts";
import { enqueueJobs } from "../../src/store/jobs.ts";
import { markTrackingIssueClosed, saveTrackingIssue } from "../../src/store/tracking-issues.ts";
import { API_SECRET, type Harness, ORG, REPO, startHarness } from "../app/harness.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { openFixPr } from "./fix-pr.ts";

const gh = useMockGitHub();
const FINDING = "2246b397c614a4456bf7b417";
const JIRA = "https://acme.atlassian.net";
const TOKEN = "ATATT3xFfGF0jiratoken0123456789";
const ISSUE_URL = `https://github.com/${ORG}/${REPO}/issues/41`;
const ORG_CONFIG = [
  "jira:",
  `  baseUrl: ${JIRA}`,
  "  project: SEC",
  "  emailEnv: JIRA_EMAIL",
  "  tokenEnv: JIRA_API_TOKEN",
  "",
].join("\n");
const AUTH = `Basic ${Buffer.from(`fixloop@acme.example:${TOKEN}`).toString("base64")}`;

/** ADF as Atlassian documents it: a doc of block nodes; text nodes non-empty, marks from a set. */
function checkAdf(node: unknown, path = "description"): string[] {
  const n = node as { type?: unknown; text?: unknown; content?: unknown[]; marks?: Array<{ type: string }> };
  if (path === "description" && (n.type !== "doc" || (n as { version?: unknown }).version !== 1))
    return [`${path}: not an ADF doc of version 1`];
  if (n.type === "text") {
    const problems = typeof n.text === "string" && n.text.length > 0 ? [] : [`${path}: empty text node`];
    for (const m of n.marks ?? [])
      if (!["strong", "code", "link", "em"].includes(m.type)) problems.push(`${path}: mark ${m.type}`);
    return problems;
  }
  if (!["doc", "paragraph", "heading"].includes(String(n.type)))
    return [`${path}: node type ${String(n.type)}`];
  return (n.content ?? []).flatMap((c, i) => checkAdf(c, `${path}.content[${i}]`));
}

interface JiraCall {
  method: string;
  path: string;
  body: unknown;
}

/** Jira Cloud, answering as documented and refusing what the documentation does not allow. */
function jiraDouble(calls: JiraCall[]) {
  const scope = nock(JIRA, { reqheaders: { authorization: AUTH } });
  const record = (method: string) => (uri: string, body: unknown) => {
    calls.push({ method, path: uri, body });
    return true;
  };
  return {
    create: () =>
      scope
        .post("/rest/api/3/issue", (b) => {
          const f = b.fields;
          const ok =
            f?.project?.key === "DATA" &&
            f?.issuetype?.name === "Task" &&
            typeof f.summary === "string" &&
            f.summary.length <= 255 &&
            !f.summary.includes("\n") &&
            checkAdf(f.description).length === 0;
          return ok && record("POST")("/rest/api/3/issue", b);
        })
        .reply(201, { id: "10000", key: "DATA-1", self: `${JIRA}/rest/api/3/issue/10000` }),
    remoteLink: () =>
      scope
        .post("/rest/api/3/issue/DATA-1/remotelink", (b) => {
          const ok =
            b.object?.url === ISSUE_URL && typeof b.object?.title === "string" && b.globalId?.length <= 255;
          return ok && record("POST")("/rest/api/3/issue/DATA-1/remotelink", b);
        })
        .reply(201, { id: 10000, self: `${JIRA}/rest/api/3/issue/DATA-1/remotelink/10000` }),
    edit: () =>
      scope
        .put(
          "/rest/api/3/issue/DATA-1",
          (b) => checkAdf(b.fields?.description).length === 0 && record("PUT")("/rest/api/3/issue/DATA-1", b),
        )
        .reply(204),
    transitions: () =>
      scope.get("/rest/api/3/issue/DATA-1/transitions").reply(200, {
        transitions: [
          {
            id: "11",
            name: "To Do",
            to: { name: "To Do", statusCategory: { id: 2, key: "new", name: "To Do" } },
          },
          {
            id: "21",
            name: "In Progress",
            to: { name: "In Progress", statusCategory: { id: 4, key: "indeterminate", name: "In Progress" } },
          },
          {
            id: "31",
            name: "Done",
            to: { name: "Done", statusCategory: { id: 3, key: "done", name: "Done" } },
          },
        ],
      }),
    transition: (id: string) =>
      scope
        .post(
          "/rest/api/3/issue/DATA-1/transitions",
          (b) => b.transition?.id === id && record("POST")(`transition ${id}`, b),
        )
        .reply(204),
  };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  nock.cleanAll();
});

describe("Jira follows the tracking issue, end to end", () => {
  it("created once and linked both ways, updated in place, done on close, reopened, never a second issue", async () => {
    let logged = "";
    const log = pino(
      { level: "debug" },
      {
        write: (line: string) => {
          logged += line;
        },
      },
    );
    const env = { FIXLOOP_API_SECRET: API_SECRET, JIRA_EMAIL: "fixloop@acme.example", JIRA_API_TOKEN: TOKEN };
    h = await startHarness({ appOptions: { env }, log });
    const harness = h;
    // The finding, its PR opened as in the notification test (no notifications configured).
    await openFixPr(gh(), harness, ORG_CONFIG);
    await harness.drain();

    const calls: JiraCall[] = [];
    const jira = jiraDouble(calls);
    const sync = async () => {
      await harness.store.transaction((tx) => enqueueJobs(tx, [jiraSyncJob(FINDING)], harness.store.now()));
      await harness.drain();
    };
    const track = () =>
      saveTrackingIssue(
        harness.store.db,
        { findingId: FINDING, repository: `${ORG}/${REPO}`, number: 41, url: ISSUE_URL, reason: "why" },
        harness.store.now(),
      );

    // 1. A tracking issue: the Jira issue is created in the finding's own project (jira_project: DATA).
    await track();
    jira.create();
    jira.remoteLink();
    gh()
      .post(
        `/repos/${ORG}/${REPO}/issues/41/comments`,
        (b) => b.body === `Tracked in Jira as [DATA-1](${JIRA}/browse/DATA-1).`,
      )
      .reply(201, { id: 1, html_url: `${ISSUE_URL}#issuecomment-1` });
    await sync();
    expect(await jiraIssueOf(harness.store.db, FINDING)).toEqual({
      findingId: FINDING,
      key: "DATA-1",
      url: `${JIRA}/browse/DATA-1`,
      status: "open",
    });
    const created = calls[0]?.body as { fields: Record<string, unknown> };
    expect(created.fields.summary).toBe("[fixloop] Enable S3 Block Public Access on the bucket");
    expect(calls[1]?.body).toEqual({
      globalId: `fixloop-tracking-issue=${ISSUE_URL}`,
      application: { type: "com.github", name: "GitHub" },
      relationship: "tracked in",
      object: { url: ISSUE_URL, title: `${ORG}/${REPO}#41` },
    });

    // 2. Written again: updated in place, not created again.
    jira.edit();
    await sync();
    expect(calls.map((c) => `${c.method} ${c.path}`).slice(2)).toEqual(["PUT /rest/api/3/issue/DATA-1"]);

    // 3. The tracking issue closes (the finding resolved): a transition to the done category.
    await markTrackingIssueClosed(harness.store.db, FINDING, harness.store.now());
    jira.edit();
    jira.transitions();
    jira.transition("31");
    await sync();
    expect((await jiraIssueOf(harness.store.db, FINDING))?.status).toBe("done");

    // 4. Reopened: back to the `new` category.
    await track();
    jira.edit();
    jira.transitions();
    jira.transition("11");
    await sync();
    expect((await jiraIssueOf(harness.store.db, FINDING))?.status).toBe("open");
    expect(calls.filter((c) => c.path === "/rest/api/3/issue")).toHaveLength(1);
    expect(nock.pendingMocks()).toEqual([]);
    expect(logged).not.toContain(TOKEN);
  });
});
