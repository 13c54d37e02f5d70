// Running a comment command on a fixloop PR or tracking issue. Every command gets a reply (a
// silent bot is the most common complaint about bots); who may run each one is in its table entry
// (commands.ts). Dispatch is a table too: one handler per command.
//
// A redelivered webhook is answered once, and a delivery that failed is answered by its
// redelivery: a command that changes state records its delivery id in the same transaction as
// the change; one that only replies records it once the reply is posted.

import { errorsAsLine } from "../config/config-errors.ts";
import type { RepoConfigParse } from "../config/repo-config.ts";
import { mdInline } from "../github/markdown.ts";
import type { Platform, RepoRef } from "../github/platform.ts";
import { attackPathLine, guidanceLine } from "../github/pr-body.ts";
import { runCommand } from "../lifecycle/apply.ts";
import type { Command } from "../lifecycle/command.ts";
import { approve as approveCommand, retry as retryCommand } from "../lifecycle/commands.ts";
import type { Actor } from "../lifecycle/machine.ts";
import { guidanceOf } from "../remediate/present.ts";
import { auditTrail } from "../store/audit.ts";
import { deliverySeen, firstDelivery } from "../store/deliveries.ts";
import { getFinding, type StoredFinding } from "../store/findings.ts";
import { remediationsOfPr } from "../store/remediations.ts";
import type { Db, Store } from "../store/store.ts";
import { findingsOfTrackingIssue } from "../store/tracking-issues.ts";
import {
  type CommandArgs,
  type CommandName,
  type CommandSpec,
  commandSpec,
  helpText,
  malformedText,
  parseComment,
} from "./commands.ts";
import * as decisions from "./decision-commands.ts";
import type { AppEnv } from "./probot-env.ts";

export interface CommentEvent {
  deliveryId: string;
  repository: RepoRef;
  number: number;
  body: string;
  author: { login: string; id: number; type: string };
  installationId: number;
}

/** The GitHub operations comment commands need: a subset of the port (tests pass a few lines). */
export type CommentPlatform = Pick<
  Platform,
  | "comment"
  | "permissionOf"
  | "isTeamMember"
  | "closePullRequest"
  | "requestReview"
  | "addLabels"
  | "teamExists"
>;

export interface CommentDeps {
  store: Store;
  platform: CommentPlatform;
  repoConfig: () => Promise<RepoConfigParse>;
}

/** What a handler is given: the command's arguments, the findings it is about, who runs it. */
export interface CommandContext {
  store: Store;
  event: CommentEvent;
  args: CommandArgs;
  findingIds: readonly string[];
  actor: Actor;
  /** Where the command was written: a fixloop PR or a tracking issue. */
  surface: "pull-request" | "issue";
  platform: CommentPlatform;
  repoConfig: () => Promise<RepoConfigParse>;
  /** Runs the command's effect in one transaction with the record of its delivery. */
  commit<T>(effect: (tx: Db) => Promise<T>): Promise<T>;
}

/** Returns the reply. */
type CommandHandler = (ctx: CommandContext) => Promise<string>;

/** The redelivery of a delivery whose effect is already committed. */
class AlreadyHandled extends Error {}

const HANDLERS: Readonly<Record<CommandName, CommandHandler>> = {
  help: async () => helpText(),
  explain: (ctx) => explain(ctx.store, ctx.findingIds),
  approve: approve,
  retry: retry,
  "false-positive": decisions.falsePositive,
  "confirm-false-positive": decisions.confirmFalsePositive,
  "reject-false-positive": decisions.rejectFalsePositive,
  "accept-risk": decisions.acceptRisk,
  "approve-exception": decisions.approveException,
  snooze: decisions.snooze,
  assign: decisions.assign,
  status: decisions.status,
};

/** The command handlers' table, for the architecture test (every command has one). */
export const COMMAND_HANDLER_NAMES: readonly string[] = Object.keys(HANDLERS);

export async function handleComment(env: AppEnv, event: CommentEvent): Promise<string | null> {
  if (event.author.type === "Bot") return null;
  const platform = await env.platform(event.installationId);
  return runComment(
    {
      store: env.store,
      platform,
      repoConfig: () => env.repoConfig(event.installationId, event.repository),
    },
    event,
  );
}

export async function runComment(deps: CommentDeps, event: CommentEvent): Promise<string | null> {
  if (event.author.type === "Bot") return null;
  const parsed = parseComment(event.body);
  if (parsed.kind === "ignore") return null;
  const { store } = deps;
  if (await deliverySeen(store.db, event.deliveryId)) return null;
  const { findingIds, surface } = await findingsOf(store, event.repository, event.number);
  if (findingIds.length === 0) return null; // not a fixloop PR or issue

  let committed = false;
  const commit = <T>(effect: (tx: Db) => Promise<T>) =>
    store
      .transaction(async (tx) => {
        if (!(await firstDelivery(tx, event.deliveryId, "issue_comment", store.now())))
          throw new AlreadyHandled();
        return effect(tx);
      })
      .then((result) => {
        committed = true;
        return result;
      });
  let body: string;
  try {
    body = await replyTo(parsed, { deps, event, findingIds, surface, commit });
  } catch (error) {
    if (error instanceof AlreadyHandled) return null;
    throw error;
  }
  await deps.platform.comment(event.repository, event.number, body);
  if (!committed) await firstDelivery(store.db, event.deliveryId, "issue_comment", store.now());
  return body;
}

async function replyTo(
  parsed: Exclude<ReturnType<typeof parseComment>, { kind: "ignore" }>,
  run: {
    deps: CommentDeps;
    event: CommentEvent;
    findingIds: readonly string[];
    surface: CommandContext["surface"];
    commit: CommandContext["commit"];
  },
): Promise<string> {
  if (parsed.kind === "unknown")
    return helpText(`fixloop does not know ${mdInline(parsed.text, 80)}. It understands:`);
  if (parsed.kind === "malformed") return malformedText(parsed.error, parsed.usage);
  const { deps, event } = run;
  const refusal = await refusalOf(commandSpec(parsed.name), deps, event);
  if (refusal !== null) return refusal;
  const actor: Actor = { kind: "github-user", login: event.author.login, id: event.author.id };
  const { platform, repoConfig } = deps;
  return HANDLERS[parsed.name]({ ...run, store: deps.store, args: parsed.args, actor, platform, repoConfig });
}

/** Why the author may not run the command, or null when they may. */
async function refusalOf(spec: CommandSpec, deps: CommentDeps, event: CommentEvent): Promise<string | null> {
  const { who, name } = spec;
  if (who === "anyone") return null;
  const login = event.author.login;
  if (who === "security-team") return securityTeamRefusal(spec, deps, login);
  const permission = await deps.platform.permissionOf(event.repository, login);
  if (permission !== "admin" && permission !== "write" && permission !== "maintain")
    return `@${login} only people with write access to this repository can run \`/fixloop ${name}\`.`;
  if (who === "writers") return null;
  const config = await deps.repoConfig();
  if (!config.ok)
    return `fixloop.yml is invalid, so fixloop does nothing here: ${errorsAsLine(config.errors)}`;
  if (permission === "admin") return null;
  const team = config.config.securityTeam;
  if (team !== null && (await deps.platform.isTeamMember(team, login))) return null;
  return `@${login} approving a gated fix needs admin access${team ? ` or membership of @${team}` : " (no securityTeam is configured)"}.`;
}

/** Segregation of duties: only the security team's members, whatever their repository role. */
async function securityTeamRefusal(
  spec: CommandSpec,
  deps: CommentDeps,
  login: string,
): Promise<string | null> {
  const config = await deps.repoConfig();
  if (!config.ok)
    return `fixloop.yml is invalid, so fixloop does nothing here: ${errorsAsLine(config.errors)}`;
  const team = config.config.securityTeam;
  const action = spec.action ?? `run \`/fixloop ${spec.name}\``;
  if (team === null)
    return `@${login} no \`securityTeam\` is configured in fixloop.yml, so nobody can ${action} here; a repository admin can set one.`;
  if (await deps.platform.isTeamMember(team, login)) return null;
  return `@${login} only members of @${team} can ${action}.`;
}

async function approve(ctx: CommandContext): Promise<string> {
  const moved = await applyToEach(ctx, approveCommand({ by: userOf(ctx.actor) }));
  return moved > 0
    ? "Approved: fixloop is preparing the pull request."
    : "Nothing here is waiting for approval.";
}

async function retry(ctx: CommandContext): Promise<string> {
  const queued = await applyToEach(ctx, retryCommand({ by: userOf(ctx.actor) }));
  return queued > 0
    ? `On it: fixloop will compute the fix again on the current default branch (${queued} finding${queued === 1 ? "" : "s"}).`
    : "Nothing to retry: the findings here are resolved, merged or being verified.";
}

/** Runs a lifecycle command on every finding of the PR or issue, with the delivery; how many it moved. */
function applyToEach(ctx: CommandContext, command: Command): Promise<number> {
  return ctx.commit(async (tx) => {
    let n = 0;
    for (const id of ctx.findingIds) {
      const result = await runCommand(tx, id, command, ctx.store.now());
      if (result.events.length > 0 || result.jobs.length > 0) n++;
    }
    return n;
  });
}

const userOf = (actor: Actor) => actor as Extract<Actor, { kind: "github-user" }>;

async function findingsOf(
  store: Store,
  repository: RepoRef,
  number: number,
): Promise<{ findingIds: string[]; surface: CommandContext["surface"] }> {
  const full = `${repository.owner}/${repository.repo}`;
  const prs = await remediationsOfPr(store.db, full, number);
  if (prs.length > 0)
    return { findingIds: [...new Set(prs.map((r) => r.findingId))], surface: "pull-request" };
  return { findingIds: await findingsOfTrackingIssue(store.db, full, number), surface: "issue" };
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
