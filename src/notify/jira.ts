// Jira Cloud: a finding that gets a GitHub tracking issue also gets one Jira issue, through the
// REST API v3 as Atlassian documents it — created once (POST /rest/api/3/issue; its key stored),
// updated in place (PUT /rest/api/3/issue/{key}), moved to a status of the `done` category when the
// tracking issue closes (the finding resolved) and back to `new` when it reopens (the transition
// looked up with GET /rest/api/3/issue/{key}/transitions, as transition ids differ per workflow),
// and linked both ways: a remote link from Jira to the GitHub issue (POST …/remotelink, with a
// globalId so a retry updates it instead of adding a second) and a comment on the GitHub issue
// naming the Jira key. The `jira-sync` job does it, so Jira being down delays but loses nothing.

import type { RepoConfigParse } from "../config/repo-config.ts";
import { type Platform, type RepoRef, repoRefOf } from "../github/platform.ts";
import type { JobContext, JobOutcome } from "../jobs/worker.ts";
import { getFinding, type StoredFinding } from "../store/findings.ts";
import { jiraIssueOf, saveJiraIssue } from "../store/jira-issues.ts";
import { remediationsOf } from "../store/remediations.ts";
import type { Store } from "../store/store.ts";
import { type TrackingIssueRecord, trackingIssueOf } from "../store/tracking-issues.ts";
import type { JiraConfig } from "./config.ts";
import { DeliveryFailed, type Fetch, ReceiverBusy, send } from "./http.ts";
import { doc, heading, link, paragraph, text } from "./jira-adf.ts";
import type { SecretSource } from "./secrets.ts";

export interface JiraDeps {
  store: Store;
  log: { info(fields: Record<string, unknown>, message: string): void };
  orgConfig(installationId: number | null, repository: RepoRef): Promise<RepoConfigParse>;
  platform(installationId: number | null): Promise<Platform>;
  secrets: SecretSource;
  fetch?: Fetch;
}

interface Api {
  call(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<unknown>;
  baseUrl: string;
}

function jiraApi(deps: JiraDeps, config: JiraConfig, now: number): Api {
  // Jira Cloud's API is at the site's root (https://acme.atlassian.net).
  const baseUrl = new URL(config.baseUrl as string).origin;
  const label = `Jira (${new URL(baseUrl).host})`;
  const email = deps.secrets.value(config.emailEnv ?? "", label);
  const token = deps.secrets.value(config.tokenEnv ?? "", label);
  const basic = Buffer.from(`${email}:${token}`).toString("base64");
  return {
    baseUrl,
    async call(method, path, body) {
      const res = await send(
        deps.fetch ?? fetch,
        {
          method,
          url: `${baseUrl}${path}`,
          label: `${label} ${method} ${path}`,
          secrets: [token, basic],
          headers: {
            authorization: `Basic ${basic}`,
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
        now,
      );
      return res.text ? JSON.parse(res.text) : null;
    },
  };
}

/** The `jira-sync` job: brings the finding's Jira issue in line with its tracking issue. */
export async function syncJira(
  deps: JiraDeps,
  findingId: string,
  ctx: JobContext,
): Promise<JobOutcome | undefined> {
  const finding = await getFinding(deps.store.db, findingId);
  if (!finding?.org) return undefined;
  const parsed = await deps.orgConfig(finding.installationId, { owner: finding.org, repo: ".github" });
  if (!parsed.ok || parsed.config.jira.baseUrl === null) return undefined;
  const tracking = await trackingIssueOf(deps.store.db, findingId);
  if (!tracking) return undefined;
  const config = parsed.config.jira;
  try {
    const api = jiraApi(deps, config, deps.store.now());
    const known = await jiraIssueOf(deps.store.db, findingId);
    const fields = { summary: summaryOf(finding), description: descriptionOf(finding, tracking) };
    const issue = known ?? (await createIssue(deps, api, config, finding, tracking, fields, ctx));
    if (!issue) return undefined;
    if (known) await api.call("PUT", `/rest/api/3/issue/${encodeURIComponent(known.key)}`, { fields });
    const wanted = tracking.state === "closed" ? "done" : "open";
    if (issue.status !== wanted) {
      await transition(api, issue.key, wanted);
      await saveJiraIssue(deps.store.db, { ...issue, status: wanted }, deps.store.now());
    }
    return undefined;
  } catch (error) {
    if (error instanceof ReceiverBusy) return { rescheduleAt: error.retryAt };
    throw error;
  }
}

async function createIssue(
  deps: JiraDeps,
  api: Api,
  config: JiraConfig,
  finding: StoredFinding,
  tracking: TrackingIssueRecord,
  fields: { summary: string; description: unknown },
  ctx: JobContext,
) {
  // A create that succeeded before a crash is adopted, never repeated (the key is saved first).
  let key = (ctx.progress as { key?: string } | null)?.key;
  const project = await projectOf(deps.store, config, finding);
  if (!project) {
    deps.log.info(
      { findingId: finding.id },
      "no Jira issue: no project for the finding (jira.project, teamProjects)",
    );
    return null;
  }
  if (!key) {
    const created = (await api.call("POST", "/rest/api/3/issue", {
      fields: {
        project: { key: project },
        issuetype: { name: config.issueType },
        labels: ["fixloop"],
        ...fields,
      },
    })) as { key?: unknown };
    if (typeof created?.key !== "string")
      throw new DeliveryFailed("Jira answered the create without an issue key");
    key = created.key;
    await ctx.saveProgress({ key });
  }
  const record = { findingId: finding.id, key, url: `${api.baseUrl}/browse/${key}`, status: "open" as const };
  await api.call("POST", `/rest/api/3/issue/${encodeURIComponent(key)}/remotelink`, {
    globalId: `fixloop-tracking-issue=${tracking.url}`,
    application: { type: "com.github", name: "GitHub" },
    relationship: "tracked in",
    object: { url: tracking.url, title: `${tracking.repository}#${tracking.number}` },
  });
  const platform = await deps.platform(finding.installationId);
  await platform.comment(
    repoRefOf(tracking.repository),
    tracking.number,
    `Tracked in Jira as [${key}](${record.url}).`,
  );
  await saveJiraIssue(deps.store.db, record, deps.store.now());
  return record;
}

/** The finding's own `jira_project`, else its team's project, else the default. */
async function projectOf(store: Store, config: JiraConfig, finding: StoredFinding): Promise<string | null> {
  const own = (finding.context as { ticketProject?: unknown }).ticketProject;
  if (typeof own === "string" && /^[A-Z][A-Z0-9_]{1,9}$/.test(own)) return own;
  const latest = (await remediationsOf(store.db, finding.id)).at(-1);
  const team = (latest?.ownerTeam ?? finding.ownerTeam)?.toLowerCase();
  return (team ? config.teamProjects[team] : undefined) ?? config.project;
}

/** Jira summaries are one line of at most 255 characters, shown as plain text. */
function summaryOf(finding: StoredFinding): string {
  return `[fixloop] ${finding.title}`.replace(/\s+/g, " ").trim().slice(0, 255);
}

function descriptionOf(finding: StoredFinding, tracking: TrackingIssueRecord) {
  return doc(
    heading(3, finding.title.slice(0, 500)),
    paragraph(text("Risk: "), text(`${finding.risk.tier} (${finding.risk.score})`, { type: "strong" })),
    paragraph(text("Rule: "), text(finding.rule.catalogId ?? finding.rule.nativeId, { type: "code" })),
    paragraph(text("SLA due: "), text(finding.slaDue)),
    paragraph(text("GitHub: "), link(`${tracking.repository}#${tracking.number}`, tracking.url)),
    paragraph(text(`fixloop finding ${finding.id}. Updated by fixloop: edits here may be replaced.`)),
  );
}

interface Transition {
  id: string;
  to?: { statusCategory?: { key?: string } };
}

async function transition(api: Api, key: string, to: "open" | "done"): Promise<void> {
  const path = `/rest/api/3/issue/${encodeURIComponent(key)}/transitions`;
  const listed = ((await api.call("GET", path)) as { transitions?: Transition[] } | null)?.transitions ?? [];
  const categories = to === "done" ? ["done"] : ["new", "indeterminate"];
  const pick = categories
    .map((c) => listed.find((t) => t.to?.statusCategory?.key === c))
    .find((t): t is Transition => t !== undefined);
  if (!pick)
    throw new DeliveryFailed(`Jira ${key}: no transition to a status of the ${categories[0]} category`, true);
  await api.call("POST", path, { transition: { id: pick.id } });
}
