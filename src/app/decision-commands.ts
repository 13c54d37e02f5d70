// The decision commands: a person reports a false positive, the security team confirms or rejects
// it; a person asks to accept a risk until a date, the security team approves; a person snoozes a
// finding, re-routes it, or asks where it stands. Each reply says what changed and what happens
// next; each refusal says who may run it instead. Segregation of duties: the one who reported a
// false positive or requested an exception never confirms or approves it (read from the trail).

import { errorsAsLine } from "../config/config-errors.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { UNSPECIFIED_RULE } from "../findings/model.ts";
import { mdInline } from "../github/markdown.ts";
import { fullName } from "../github/platform.ts";
import { suppressionResource, suppressionRuleId } from "../lifecycle/admission.ts";
import { runCommand } from "../lifecycle/apply.ts";
import * as lifecycle from "../lifecycle/commands.ts";
import {
  confirmIn,
  durationRefusal,
  grantIn,
  loginOf,
  type PendingDecision,
  pendingDecision,
  routeIn,
  untilEnd,
} from "../lifecycle/decisions.ts";
import type { Actor, FindingState } from "../lifecycle/machine.ts";
import { OPEN_STATES, VERIFYING_STATES } from "../lifecycle/states.ts";
import { auditTrail } from "../store/audit.ts";
import { latestExceptionOf } from "../store/exceptions.ts";
import { getFinding, type StoredFinding } from "../store/findings.ts";
import type { SuppressionScopeKind } from "../store/suppression-scopes.ts";
import { commandSpec, type TeamArg, usageOf } from "./commands.ts";
import type { CommandContext } from "./comment-commands.ts";

type GitHubUser = Extract<Actor, { kind: "github-user" }>;

const HOUR = 3_600_000;
/** The longest snooze: a snooze needs nobody's approval, so it is short. */
export const SNOOZE_MAX_DAYS = 14;

const userOf = (ctx: CommandContext) => ctx.actor as GitHubUser;
const where = (ctx: CommandContext) => `${fullName(ctx.event.repository)}#${ctx.event.number}`;
/** `2026-12-06 07:49 UTC` */
const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
const code = (text: string) => `\`${text}\``;
const usage = (name: Parameters<typeof commandSpec>[0]) => code(usageOf(commandSpec(name)));

/** The repository's configuration with a security team, or the refusal that says why not. */
async function settings(ctx: CommandContext, action: string): Promise<RepoConfig | string> {
  const parsed = await ctx.repoConfig();
  if (!parsed.ok)
    return `fixloop.yml is invalid, so fixloop does nothing here: ${errorsAsLine(parsed.errors)}`;
  if (parsed.config.securityTeam === null)
    return `@${userOf(ctx).login} no \`securityTeam\` is configured in fixloop.yml, so nobody could ${action}; a repository admin can set one.`;
  return parsed.config;
}

async function findings(ctx: CommandContext): Promise<StoredFinding[]> {
  const list = await Promise.all(ctx.findingIds.map((id) => getFinding(ctx.store.db, id)));
  return list.filter((f): f is StoredFinding => f !== undefined);
}

/** The reply when no finding here is where the command applies. */
function nothingHere(list: readonly StoredFinding[], what: string): string {
  const states = [...new Set(list.map((f) => code(f.state)))].join(", ");
  return `Nothing here can ${what}: the finding is ${states || "unknown"}. \`/fixloop status\` says where it stands.`;
}

/** Asks the security team: a review request on a fix PR (a refusal is told, not thrown). */
async function askTeam(ctx: CommandContext, team: string): Promise<string> {
  if (ctx.surface !== "pull-request") return "";
  const slug = team.split("/")[1] as string;
  const refused = await ctx.platform.requestReview(ctx.event.repository, ctx.event.number, {
    teams: [slug],
    users: [],
  });
  return refused ? ` (GitHub refused the review request: ${mdInline(refused, 200)})` : "";
}

/** Runs a command on every finding here with the delivery; how many it moved. */
async function moveEach(ctx: CommandContext, command: lifecycle.Command, after?: () => Promise<void>) {
  return ctx.commit(async (tx) => {
    let moved = 0;
    for (const id of ctx.findingIds)
      if ((await runCommand(tx, id, command, ctx.store.now())).events.length > 0) moved++;
    // GitHub's side of the decision inside the transaction: when it fails nothing is recorded,
    // and the redelivery does it all again (closing and labelling are idempotent).
    if (moved > 0 && after) await after();
    return moved;
  });
}

export async function falsePositive(ctx: CommandContext): Promise<string> {
  const config = await settings(ctx, "review a false positive");
  if (typeof config === "string") return config;
  const team = config.securityTeam as string;
  const by = userOf(ctx);
  const reason = ctx.args.reason as string;
  const now = ctx.store.now();
  const dueAt = now + config.falsePositive.reviewHours * HOUR;
  const command = lifecycle.reportFalsePositive({ by, reason, dueAt, notice: { team, where: where(ctx) } });
  let refused = "";
  const moved = await moveEach(ctx, command, async () => {
    refused = await askTeam(ctx, team);
    const { repository, number } = ctx.event;
    if (ctx.surface === "pull-request") await ctx.platform.closePullRequest(repository, number);
    else await ctx.platform.addLabels(repository, number, ["false-positive-pending"]);
  });
  if (moved === 0) return nothingHere(await findings(ctx), "be reported as a false positive now");
  const changed =
    ctx.surface === "pull-request" ? "this PR is closed" : "this issue is labelled `false-positive-pending`";
  return [
    `@${by.login} reported this finding as a false positive: ${mdInline(reason, 300)}`,
    "",
    `Changed: the finding is \`false_positive_pending\` and ${changed}.`,
    `Next: @${team} reviews it by ${when(dueAt)} (${config.falsePositive.reviewHours} h)${refused}: a member other than @${by.login} runs ${usage("confirm-false-positive")} to suppress it, or ${usage("reject-false-positive")} to have it fixed.`,
  ].join("\n");
}

/** The pending request of each finding in `state`, with the refusal when the actor made it. */
async function pendingOf(ctx: CommandContext, state: FindingState) {
  const out: Array<{ finding: StoredFinding; pending: PendingDecision }> = [];
  for (const finding of await findings(ctx)) {
    if (finding.state !== state) continue;
    const pending = pendingDecision(state, await auditTrail(ctx.store.db, finding.id));
    if (pending) out.push({ finding, pending });
  }
  return out;
}

const SCOPE_PLACE: Record<SuppressionScopeKind, (f: StoredFinding, ctx: CommandContext) => string> = {
  resource: () => "on this resource",
  repository: (f, ctx) => `in ${f.repository ?? fullName(ctx.event.repository)}`,
  organization: (f, ctx) => `anywhere in ${f.org ?? ctx.event.repository.owner}`,
};

export async function confirmFalsePositive(ctx: CommandContext): Promise<string> {
  const config = await settings(ctx, "confirm a false positive");
  if (typeof config === "string") return config;
  const by = userOf(ctx);
  const scope = (ctx.args.scope as SuppressionScopeKind | undefined) ?? "resource";
  const pending = await pendingOf(ctx, "false_positive_pending");
  if (pending.length === 0) return nothingHere(await findings(ctx), "be confirmed as a false positive");
  const own = pending.find((p) => loginOf(p.pending.by) === by.login);
  if (own)
    return `@${by.login} you reported this false positive, so another member of @${config.securityTeam} must confirm it.`;
  if (
    scope !== "resource" &&
    pending.some((p) => p.finding.rule.catalogId === null && p.finding.rule.nativeId === UNSPECIFIED_RULE)
  )
    return `@${by.login} the source names no rule for this finding, so its false positive can only be confirmed for this resource: \`/fixloop confirm-false-positive --scope resource\`.`;
  const suppressions = await ctx.commit(async (tx) => {
    const ids: number[] = [];
    for (const { finding: f, pending: p } of pending) {
      const reporter = loginOf(p.by) ?? p.by.kind;
      const command = lifecycle.confirmFalsePositive({ by, scope, reporter, reason: p.reason });
      const repository = scope === "organization" ? null : (f.repository ?? fullName(ctx.event.repository));
      const record = {
        org: f.org ?? ctx.event.repository.owner,
        repository,
        ruleId: suppressionRuleId(f.rule),
        resource: scope === "resource" ? suppressionResource(f.resource) : null,
        scope,
        findingId: f.id,
        decidedBy: by,
        reason: p.reason,
      };
      const id = await confirmIn(tx, command, record, ctx.store.now());
      if (id !== undefined) ids.push(id);
    }
    return ids;
  });
  const first = pending[0] as (typeof pending)[number];
  const reporter = loginOf(first.pending.by) ?? first.pending.by.kind;
  return [
    `@${by.login} confirmed the false positive reported by @${reporter}: ${mdInline(first.pending.reason, 300)}`,
    "",
    "Changed: the finding is `suppressed`.",
    `Next: ${scope === "resource" ? "this resource's later findings of the same rule" : `later findings of rule ${code(suppressionRuleId(first.finding.rule))} ${SCOPE_PLACE[scope](first.finding, ctx)}`} are suppressed on arrival (suppression ${suppressions.map((i) => `#${i}`).join(", ")}).`,
  ].join("\n");
}

const AFTER_REJECT: Partial<Record<FindingState, string>> = {
  fixing: "fixloop computes the fix again and opens a new PR",
  awaiting_approval: "fixloop prepares the fix again; it waits for `/fixloop approve`",
  recorded_only: "its triage records it only, as before",
};

export async function rejectFalsePositive(ctx: CommandContext): Promise<string> {
  const by = userOf(ctx);
  const reason = ctx.args.reason as string;
  const moved = await moveEach(ctx, lifecycle.rejectFalsePositive({ by, reason }));
  const list = await findings(ctx);
  if (moved === 0) return nothingHere(list, "have a false positive rejected");
  const state = list[0]?.state as FindingState;
  return [
    `@${by.login} rejected the false positive: ${mdInline(reason, 300)}`,
    "",
    `Changed: the finding is back in the loop (\`${state}\`).`,
    `Next: ${AFTER_REJECT[state] ?? "fixloop takes it from there"}.`,
  ].join("\n");
}

/** The longest exception the findings here may get: the strictest of their tiers. */
function maxDaysOf(list: readonly StoredFinding[], config: RepoConfig): { days: number; tier: string } {
  const limits = list.map((f) => ({ tier: f.risk.tier, days: config.exceptions.maxDays[f.risk.tier] }));
  return limits.reduce((a, b) => (b.days < a.days ? b : a), {
    tier: "low",
    days: config.exceptions.maxDays.low,
  });
}

export async function acceptRisk(ctx: CommandContext): Promise<string> {
  const config = await settings(ctx, "approve an exception");
  if (typeof config === "string") return config;
  const by = userOf(ctx);
  const until = ctx.args.until as string;
  const reason = ctx.args.reason as string;
  const limit = maxDaysOf(await findings(ctx), config);
  const refusal = durationRefusal(
    until,
    ctx.store.now(),
    limit.days,
    `an exception for a ${limit.tier} finding`,
  );
  if (refusal) return `@${by.login} ${refusal}. Usage: ${usage("accept-risk")}`;
  const team = config.securityTeam as string;
  const command = lifecycle.requestException({ by, until, reason, notice: { team, where: where(ctx) } });
  let refused = "";
  const moved = await moveEach(ctx, command, async () => {
    refused = await askTeam(ctx, team);
  });
  if (moved === 0) return nothingHere(await findings(ctx), "have an exception requested now");
  return [
    `@${by.login} asks to accept the risk until ${until}: ${mdInline(reason, 300)}`,
    "",
    "Changed: the finding is `awaiting_exception`; its SLA keeps running until the exception is approved.",
    `Next: @${team} is asked${refused}: a member other than @${by.login} runs \`/fixloop approve-exception\` to except it until ${until}.`,
  ].join("\n");
}

export async function approveException(ctx: CommandContext): Promise<string> {
  const config = await settings(ctx, "approve an exception");
  if (typeof config === "string") return config;
  const by = userOf(ctx);
  const pending = await pendingOf(ctx, "awaiting_exception");
  if (pending.length === 0) return nothingHere(await findings(ctx), "have an exception approved");
  const first = pending[0] as (typeof pending)[number];
  const request = first.pending as Extract<PendingDecision, { kind: "exception" }>;
  const requester = loginOf(request.by) ?? request.by.kind;
  if (pending.some((p) => loginOf(p.pending.by) === by.login))
    return `@${by.login} you requested this exception, so another member of @${config.securityTeam} must approve it.`;
  const limit = maxDaysOf(
    pending.map((p) => p.finding),
    config,
  );
  const refusal = durationRefusal(
    request.until,
    ctx.store.now(),
    limit.days,
    `an exception for a ${limit.tier} finding`,
  );
  if (refusal)
    return `@${by.login} this request cannot be approved: ${refusal}. @${requester} may ask again with ${usage("accept-risk")}.`;
  const expiresAt = untilEnd(request.until);
  const moved = await ctx.commit(async (tx) => {
    let n = 0;
    for (const { finding, pending: p } of pending) {
      const req = p as typeof request;
      const command = lifecycle.approveException({ by, requester, until: req.until, reason: req.reason });
      const exception = {
        findingId: finding.id,
        reason: req.reason,
        approvedBy: by,
        requestedBy: req.by,
        expiresAt,
        kind: "exception" as const,
        origin: "command" as const,
      };
      if (await grantIn(tx, command, exception, ctx.store.now())) n++;
    }
    return n;
  });
  if (moved === 0) return nothingHere(await findings(ctx), "have an exception approved");
  return [
    `@${by.login} approved the exception @${requester} asked for: ${mdInline(request.reason, 300)}`,
    "",
    `Changed: the finding is \`excepted\` until ${request.until}.`,
    `Next: it comes back into the loop when the exception ends, ${when(expiresAt)}.`,
  ].join("\n");
}

export async function snooze(ctx: CommandContext): Promise<string> {
  const by = userOf(ctx);
  const until = ctx.args.until as string;
  const refusal = durationRefusal(until, ctx.store.now(), SNOOZE_MAX_DAYS, "a snooze");
  if (refusal)
    return `@${by.login} ${refusal}. Usage: ${usage("snooze")} (longer needs an approved exception: ${usage("accept-risk")})`;
  const expiresAt = untilEnd(until);
  const reason = `snoozed by ${by.login} until ${until}`;
  const moved = await ctx.commit(async (tx) => {
    let n = 0;
    for (const id of ctx.findingIds) {
      const exception = {
        findingId: id,
        reason,
        approvedBy: by,
        expiresAt,
        kind: "snooze" as const,
        origin: "command" as const,
      };
      if (await grantIn(tx, lifecycle.snooze({ by, until }), exception, ctx.store.now())) n++;
    }
    return n;
  });
  if (moved === 0) return nothingHere(await findings(ctx), "be snoozed now");
  return [
    `@${by.login} snoozed this finding until ${until}.`,
    "",
    "Changed: the finding is `excepted` (a snooze: no approval, counted, and shown by `/fixloop status`).",
    `Next: it comes back into the loop when the snooze ends, ${when(expiresAt)}.`,
  ].join("\n");
}

/** Whether a finding can be re-routed: open work not being verified. Not `reopened` either (a
 *  passing moment: it is fixed again at once), whose routing note would count as a reopening. */
const routable = (f: StoredFinding) =>
  OPEN_STATES.has(f.state) && !VERIFYING_STATES.has(f.state) && f.state !== "reopened";

export async function assign(ctx: CommandContext): Promise<string> {
  const by = userOf(ctx);
  const arg = ctx.args.team as TeamArg;
  const team = `${arg.org}/${arg.slug}`;
  const owner = ctx.event.repository.owner;
  if (arg.org.toLowerCase() !== owner.toLowerCase())
    return `@${by.login} fixloop routes findings to teams of @${owner} only (got @${team}). Usage: ${usage("assign")}`;
  if ((await ctx.platform.teamExists(arg.org, arg.slug)) === false)
    return `@${by.login} @${owner} has no team @${team}. Usage: ${usage("assign")}`;
  const list = (await findings(ctx)).filter(routable);
  if (list.length === 0) return nothingHere(await findings(ctx), "be re-routed (it is not open work)");
  let refused = "";
  await ctx.commit(async (tx) => {
    for (const f of list) {
      const command = lifecycle.assign({ by, team, previous: f.ownerTeam });
      await routeIn(tx, f.id, command, team, ctx.store.now());
    }
    if (ctx.surface === "pull-request") refused = await askTeam(ctx, team);
  });
  const was = list[0]?.ownerTeam;
  return [
    `@${by.login} routed this finding to @${team}${was ? ` (was @${was})` : ""}.`,
    "",
    `Changed: its owner is now @${team}; the routing decision is in its audit trail.`,
    ctx.surface === "pull-request"
      ? `Next: @${team}'s review is requested on this PR${refused}.`
      : `Next: @${team}, this finding is yours; its SLA is unchanged.`,
  ].join("\n");
}

export async function status(ctx: CommandContext): Promise<string> {
  const parsed = await ctx.repoConfig();
  const reviewHours = parsed.ok ? parsed.config.falsePositive.reviewHours : 24;
  const parts: string[] = [];
  for (const f of await findings(ctx)) {
    const trail = await auditTrail(ctx.store.db, f.id);
    const decision = await openDecision(ctx, f, trail, reviewHours);
    const sla = OPEN_STATES.has(f.state)
      ? `due ${f.slaDue.slice(0, 10)}${f.slaBreachedAt ? `, breached ${f.slaBreachedAt.slice(0, 10)}` : ""}`
      : `stopped (\`${f.state}\` is closed)`;
    parts.push(
      `**${mdInline(f.title, 200)}** (\`${f.id}\`)`,
      "",
      `- State: \`${f.state}\``,
      `- Owner: ${f.ownerTeam ? `@${f.ownerTeam}` : "no owner team"}`,
      `- SLA: ${sla}`,
      `- Open decisions: ${decision}`,
      "",
    );
  }
  return parts.join("\n").trim();
}

async function openDecision(
  ctx: CommandContext,
  f: StoredFinding,
  trail: Awaited<ReturnType<typeof auditTrail>>,
  reviewHours: number,
): Promise<string> {
  const pending = pendingDecision(f.state, trail);
  const who = (a: Actor) => (a.kind === "github-user" ? `@${a.login}` : a.kind);
  if (pending?.kind === "false-positive")
    return `false positive reported by ${who(pending.by)} (${mdInline(pending.reason, 200)}), security review due ${when(Date.parse(pending.at) + reviewHours * HOUR)}`;
  if (pending?.kind === "exception")
    return `exception until ${pending.until} requested by ${who(pending.by)} (${mdInline(pending.reason, 200)}), waiting for the security team's approval`;
  if (f.state === "excepted") {
    const e = await latestExceptionOf(ctx.store.db, f.id);
    if (e?.kind === "snooze")
      return `snoozed by ${who(e.approvedBy)}, ends ${e.expiresAt === null ? "never" : when(e.expiresAt)}`;
    if (e) {
      const asked = e.requestedBy ? ` (requested by ${who(e.requestedBy)})` : "";
      return `exception approved by ${who(e.approvedBy)}${asked}, ends ${e.expiresAt === null ? "never" : when(e.expiresAt)}: ${mdInline(e.reason, 200)}`;
    }
  }
  return "none";
}
