// Running a comment command on a fixloop PR or tracking issue. Every command gets a reply (a
// silent bot is the most common complaint about bots); only people with write access to the
// repository may run one, and approving a gated fix needs admin access or the security team.
// A redelivered webhook is answered once: its delivery id is recorded first.

import { errorsAsLine } from "../config/config-errors.ts";
import type { GitHub, RepoRef } from "../github/client.ts";
import { mdInline } from "../github/markdown.ts";
import { attackPathLine, guidanceLine } from "../github/pr-body.ts";
import { remediateJob } from "../jobs/kinds.ts";
import { changeStateIn } from "../lifecycle/change-state.ts";
import type { Actor, FindingState } from "../lifecycle/machine.ts";
import { guidanceOf } from "../remediate/present.ts";
import { auditTrail } from "../store/audit.ts";
import { firstDelivery } from "../store/deliveries.ts";
import { getFinding, type StoredFinding } from "../store/findings.ts";
import { enqueueJobs } from "../store/jobs.ts";
import { remediationsOfPr } from "../store/remediations.ts";
import type { Store } from "../store/store.ts";
import { type CommandName, helpText, parseComment } from "./commands.ts";
import type { AppEnv } from "./probot-env.ts";

export interface CommentEvent {
  deliveryId: string;
  repository: RepoRef;
  number: number;
  body: string;
  author: { login: string; id: number; type: string };
  installationId: number;
}

/** Where a fixloop finding can be retried from, and the first step to take. */
const RETRY_FROM: Partial<Record<FindingState, FindingState>> = {
  closed_unmerged: "fixing",
  unlocatable: "triaged",
  unfixable: "triaged",
  reopened: "fixing",
};

export async function handleComment(env: AppEnv, event: CommentEvent): Promise<string | null> {
  if (event.author.type === "Bot") return null;
  const parsed = parseComment(event.body);
  if (parsed.kind === "ignore") return null;
  const { store } = env;
  if (!(await firstDelivery(store.db, event.deliveryId, "issue_comment", store.now()))) return null;
  const gh = await env.github(event.installationId);
  const reply = (body: string) =>
    gh.rest.issues.createComment({ ...event.repository, issue_number: event.number, body }).then(() => body);

  const findingIds = await findingsOf(store, event.repository, event.number);
  if (findingIds.length === 0) return null; // not a fixloop PR or issue
  if (parsed.kind === "unknown")
    return reply(helpText(`fixloop does not know ${mdInline(parsed.text, 80)}. It understands:`));
  const name: CommandName = parsed.name;
  if (name === "help") return reply(helpText());

  const permission = await permissionOf(gh, event.repository, event.author.login);
  if (permission !== "admin" && permission !== "write" && permission !== "maintain")
    return reply(
      `@${event.author.login} only people with write access to this repository can run \`/fixloop ${name}\`.`,
    );
  const actor: Actor = { kind: "github-user", login: event.author.login, id: event.author.id };

  if (name === "explain") return reply(await explain(store, findingIds));
  if (name === "approve") {
    const repoConfig = await env.repoConfig(event.installationId, event.repository);
    if (!repoConfig.ok)
      return reply(
        `fixloop.yml is invalid, so fixloop does nothing here: ${errorsAsLine(repoConfig.errors)}`,
      );
    const team = repoConfig.config.securityTeam;
    const allowed =
      permission === "admin" || (team !== null && (await isTeamMember(gh, team, event.author.login)));
    if (!allowed)
      return reply(
        `@${event.author.login} approving a gated fix needs admin access${team ? ` or membership of @${team}` : " (no securityTeam is configured)"}.`,
      );
    const moved = await move(
      store,
      findingIds,
      "awaiting_approval",
      "fixing",
      actor,
      `approved by ${event.author.login}`,
    );
    return reply(
      moved > 0
        ? "Approved: fixloop is preparing the pull request."
        : "Nothing here is waiting for approval.",
    );
  }
  // retry
  let queued = 0;
  for (const id of findingIds) {
    const finding = await getFinding(store.db, id);
    if (!finding) continue;
    const step = RETRY_FROM[finding.state];
    if (step) await move(store, [id], finding.state, step, actor, `/fixloop retry by ${event.author.login}`);
    if (step === "triaged")
      await move(store, [id], "triaged", "fixing", actor, `/fixloop retry by ${event.author.login}`);
    else if (!step && finding.state !== "pr_open" && finding.state !== "fixing") continue;
    await store.transaction((tx) => enqueueJobs(tx, [remediateJob(id, finding.risk.score)], store.now()));
    queued++;
  }
  return reply(
    queued > 0
      ? `On it: fixloop will compute the fix again on the current default branch (${queued} finding${queued === 1 ? "" : "s"}).`
      : "Nothing to retry: the findings here are resolved, merged or being verified.",
  );
}

async function findingsOf(store: Store, repository: RepoRef, number: number): Promise<string[]> {
  const full = `${repository.owner}/${repository.repo}`;
  const prs = await remediationsOfPr(store.db, full, number);
  if (prs.length > 0) return [...new Set(prs.map((r) => r.findingId))];
  const issues = await store.db
    .selectFrom("tracking_issues")
    .select("finding_id")
    .where("repository", "=", full)
    .where("number", "=", number)
    .execute();
  return issues.map((r) => r.finding_id);
}

async function move(
  store: Store,
  ids: readonly string[],
  from: FindingState,
  to: FindingState,
  actor: Actor,
  reason: string,
): Promise<number> {
  let moved = 0;
  await store.transaction(async (tx) => {
    for (const findingId of ids) {
      const row = await tx
        .selectFrom("findings")
        .select(["state", "risk_score"])
        .where("id", "=", findingId)
        .executeTakeFirst();
      if (row?.state !== from) continue;
      await changeStateIn(tx, { findingId, to, actor, reason, expectedFrom: from }, store.now());
      if (to === "fixing") await enqueueJobs(tx, [remediateJob(findingId, row.risk_score)], store.now());
      moved++;
    }
  });
  return moved;
}

async function explain(store: Store, ids: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const id of ids) {
    const f = await getFinding(store.db, id);
    if (!f) continue;
    const trail = await auditTrail(store.db, id);
    parts.push(
      `**${mdInline(f.title, 200)}** (\`${id}\`, ${f.state})`,
      "",
      `True Risk ${f.risk.score} (${f.risk.tier}): ${mdInline(f.risk.explanation, 500)}`,
      "",
      ...sourceSays(f),
      ...trail.slice(-10).map((e) => `- ${e.at}: ${e.from ?? "—"} → ${e.to}: ${mdInline(e.reason, 300)}`),
      "",
    );
  }
  return parts.join("\n").trim();
}

/** What the source says beyond the risk: the attack path it describes and its guidance. */
function sourceSays(f: StoredFinding): string[] {
  const lines = [
    f.context.attackPathText ? attackPathLine(f.context.attackPathText) : "",
    guidanceLine(guidanceOf(f.context)),
  ].filter((line) => line !== "");
  return lines.length > 0 ? [...lines.flatMap((line) => [line, ""])] : [];
}

async function permissionOf(gh: GitHub, repo: RepoRef, username: string): Promise<string> {
  try {
    const r = await gh.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    return r.data.role_name ?? r.data.permission;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return "none";
    throw error;
  }
}

async function isTeamMember(gh: GitHub, team: string, username: string): Promise<boolean> {
  const [org, slug] = team.split("/") as [string, string];
  try {
    const r = await gh.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username });
    return r.data.state === "active";
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}
