// The lifecycle commands: every decision that moves a finding, one function each. A command is
// built from its decision and is pure over the finding (./command.ts): it returns the audit events
// and the jobs that follow, and ./apply.ts writes them in one transaction. A new decision (false
// positive, accept risk, snooze, assign…) is one more function here, built the same way; what
// entering a state implies is in ./states.ts, not here.

import { notifyJob, regressionJob, sourceResolvedJob } from "../jobs/kinds.ts";
import { APP, type Command, Path, routeByGate } from "./command.ts";
import { type Actor, type FindingState, type Links, TRANSITIONS } from "./machine.ts";

type GitHubUser = Extract<Actor, { kind: "github-user" }>;

const none: Command = (f, now) => new Path(f, now).result();

/** `/fixloop approve`: a gated fix may open its PR. Nothing to do unless it waits for approval. */
export function approve(decision: { by: GitHubUser }): Command {
  return (f, now) => {
    if (f.state !== "awaiting_approval") return none(f, now);
    return new Path(f, now).to("fixing", decision.by, `approved by ${decision.by.login}`).result();
  };
}

/** Where a fixloop finding can be retried from, and the first step to take. */
const RETRY_FROM: Partial<Record<FindingState, FindingState>> = {
  closed_unmerged: "fixing",
  unlocatable: "triaged",
  unfixable: "triaged",
  reopened: "fixing",
};

/** `/fixloop retry`: compute the fix again on the current default branch. A finding being fixed or
 *  with an open PR just gets the job; resolved, merged or verifying ones have nothing to retry
 *  (an empty result: no events, no jobs). */
export function retry(decision: { by: GitHubUser }): Command {
  return (f, now) => {
    const reason = `/fixloop retry by ${decision.by.login}`;
    const path = new Path(f, now);
    const step = f.state === null ? undefined : RETRY_FROM[f.state];
    if (step === "triaged")
      return path.to("triaged", decision.by, reason).to("fixing", decision.by, reason).result();
    if (step) return path.to(step, decision.by, reason).result();
    if (f.state === "pr_open" || f.state === "fixing") return path.redo("fixing").result();
    return path.result();
  };
}

/** Tiers whose fix PR is news for the owning team's channel (src/notify). */
const NOTIFY_PR_TIERS: ReadonlySet<string> = new Set(["critical", "high"]);

/** The app opened (or adopted) the fix's PR; a critical or high one is announced where teams live. */
export function prOpened(decision: { reason: string; links: Links; tier?: string }): Command {
  return (f, now) => {
    const path = new Path(f, now).to("pr_open", APP, decision.reason, { links: decision.links });
    if (decision.tier && NOTIFY_PR_TIERS.has(decision.tier))
      path.queue(
        notifyJob({
          event: "fix-pr-opened",
          findingId: f.id,
          at: new Date(now).toISOString(),
          summary: `fixloop opened a fix PR (${decision.tier} tier)`,
          ...(decision.links.pr ? { link: decision.links.pr } : {}),
        }),
      );
    return path.result();
  };
}

export interface PullRequestDecision {
  url: string;
  by: GitHubUser;
  /** The merge commit (merged only). */
  mergeCommitSha?: string | null;
}

/** The fix's PR was closed without merge: no new PR until its fix changes or someone retries.
 *  A finding no longer `pr_open` (a redelivery) is left alone. */
export function prClosed(pr: PullRequestDecision): Command {
  return (f, now) => {
    if (f.state !== "pr_open") return none(f, now);
    const reason = `${pr.url} closed without merge by ${pr.by.login}: no new PR until its fix changes or someone runs /fixloop retry`;
    return new Path(f, now).to("closed_unmerged", pr.by, reason, { links: { pr: pr.url } }).result();
  };
}

/** The fix's PR was merged: verification takes over (entering `merged` queues it). */
export function merged(pr: PullRequestDecision): Command {
  return (f, now) => {
    if (f.state !== "pr_open") return none(f, now);
    const sha = pr.mergeCommitSha ?? null;
    const reason = `${pr.url} merged by ${pr.by.login} as ${sha ?? "an unknown commit"}`;
    const links = { pr: pr.url, ...(sha ? { commit: sha } : {}) };
    return new Path(f, now).to("merged", pr.by, reason, { links }).result();
  };
}

/** The verification job starts on a merged finding (its window is set by the caller). */
export function startVerification(decision: { reason: string; links: Links }): Command {
  return (f, now) =>
    new Path(f, now)
      .expect("merged")
      .to("verifying", APP, decision.reason, { links: decision.links })
      .result();
}

export type VerdictDecision =
  | { verified: true; summary: string; links: Links }
  | {
      verified: false;
      reason: string;
      links: Links /** The rule still fails in the merged code. */;
      newFix: boolean;
    };

/** The verification's verdict: resolved, or reopened — and fixed again at once when the merged
 *  code still fails the rule. */
export function verdict(decision: VerdictDecision): Command {
  return (f, now) => {
    const path = new Path(f, now).expect("verifying");
    if (decision.verified)
      return path.to("resolved", APP, `verified: ${decision.summary}`, { links: decision.links }).result();
    path.to("reopened", APP, `not verified: ${decision.reason}`, { links: decision.links });
    path.queue(
      notifyJob({
        event: "verification-failed",
        findingId: f.id,
        at: new Date(now).toISOString(),
        summary: `the merged fix was not verified: ${decision.reason}`.slice(0, 2000),
        ...(decision.links.pr ? { link: decision.links.pr } : {}),
      }),
    );
    if (decision.newFix)
      path.to(
        "fixing",
        APP,
        "the rule still fails on the resource in the merged code: fixloop computes a new fix",
      );
    return path.result();
  };
}

export interface SourceDecision {
  /** Who reported it (an ingest actor). */
  actor: Actor;
  reason: string;
  links?: Links;
  /** The risk score of the record that reported it (the priority of the job that follows). */
  riskScore?: number;
}

/** A resolved finding is reported failing again: reopened, its PR told and the fix computed again
 *  (the regression job, src/verify/regression.ts). */
export function regress(d: SourceDecision): Command {
  return (f, now) =>
    new Path(f, now)
      .to("reopened", d.actor, d.reason, d.links ? { links: d.links } : {})
      .queue(regressionJob(f.id, d.riskScore ?? f.riskScore))
      .result();
}

/** The source's own re-scan resolves a finding fixloop had no fix for: its tracking issue is closed
 *  with the source's word (src/remediate/source-resolved.ts). */
export function resolveBySource(d: SourceDecision): Command {
  return (f, now) =>
    new Path(f, now).to("resolved", d.actor, d.reason).queue(sourceResolvedJob(f.id)).result();
}

/** The source says its owners accepted or waived the finding there. */
export function suppressBySource(d: SourceDecision): Command {
  return (f, now) => new Path(f, now).to("suppressed", d.actor, d.reason).result();
}

/** Compute the fix again: a reopened finding (regression), or a closed PR's finding whose fix has
 *  changed since. `inline`: the running job carries on with the fix itself (no new job). */
export function recompute(d: {
  from: FindingState;
  reason: string;
  links?: Links;
  inline?: boolean;
}): Command {
  return (f, now) =>
    new Path(f, now)
      .expect(d.from)
      .to("fixing", APP, d.reason, {
        ...(d.links ? { links: d.links } : {}),
        ...(d.inline ? { inline: true } : {}),
      })
      .result();
}

/** No PR can be made: nothing to patch where the finding is (`unlocatable`) or no safe change
 *  (`unfixable`); its tracking issue says why. */
export function cannotFix(d: { to: "unlocatable" | "unfixable"; reason: string; links?: Links }): Command {
  return (f, now) =>
    new Path(f, now)
      .expect("fixing")
      .to(d.to, APP, d.reason, d.links ? { links: d.links } : {})
      .result();
}

export interface ExceptionGrant {
  approvedBy: GitHubUser;
  reason: string;
  expiresAt: Date;
}

/** A person accepts the finding's risk until a date (validated by src/lifecycle/exceptions.ts). */
export function grantException(d: ExceptionGrant): Command {
  return (f, now) =>
    new Path(f, now)
      .to("excepted", d.approvedBy, `exception until ${d.expiresAt.toISOString()}: ${d.reason}`)
      .result();
}

export interface ExceptionExpiry {
  exceptionId: number;
  approver: Actor;
  /** When it was granted (the audit trail says whose exception, granted when, ended). */
  approvedAt?: number;
  expiresAt: number;
  /** Why it ended: "expired" (default), or its entry left the exceptions file. */
  why?: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** An exception ended: the finding is triaged again and goes where its triage gate sends it —
 *  fixed (a remediate job), waiting for approval, or recorded only — instead of resting in
 *  `triaged`, where nothing would ever pick it up. */
export function expireException(d: ExceptionExpiry): Command {
  return (f, now) => {
    const who =
      d.approver.kind !== "github-user"
        ? d.approver.kind
        : d.approver.id
          ? `@${d.approver.login} (GitHub user ${d.approver.id})`
          : `@${d.approver.login}`;
    const granted = d.approvedAt === undefined ? "" : ` on ${day(d.approvedAt)}`;
    const reason = `exception #${d.exceptionId} approved by ${who}${granted} ended on ${new Date(d.expiresAt).toISOString()} (${d.why ?? "expired"}): the SLA restarts from then`;
    return routeByGate(new Path(f, now).expect("excepted").to("triaged", APP, reason), f.gate).result();
  };
}

// --- People's decisions (the /fixloop decision commands) ---
//
// Each is allowed only where the state machine allows its target state; elsewhere it changes
// nothing (an empty result), and the comment handler says why. Who may decide (write access, the
// security team, never the reporter or requester) is checked before, by the app.

/** Whether a person may take the finding to `to` from where it is now. */
export function canDecide(state: FindingState | null, to: FindingState): boolean {
  return state !== null && TRANSITIONS[state].includes(to);
}

/** Who must hear about a decision that waits for them. */
export interface DecisionNotice {
  /** `org/team` of the security team (absent: none is configured). */
  team?: string;
  /** What the finding is, for people: `acme/infra#5`. */
  where: string;
  link?: string;
}

function waiting(findingId: string, now: number, summary: string, notice: DecisionNotice) {
  return notifyJob({
    event: "decision-waiting",
    findingId,
    at: new Date(now).toISOString(),
    summary: `${notice.where}: ${summary}`,
    ...(notice.team ? { teams: [notice.team] } : {}),
    ...(notice.link ? { link: notice.link } : {}),
  });
}

/** `/fixloop false-positive <reason>`: the finding waits for the security team's review, due at `dueAt`. */
export function reportFalsePositive(d: {
  by: GitHubUser;
  reason: string;
  dueAt: number;
  notice: DecisionNotice;
}): Command {
  return (f, now) => {
    if (!canDecide(f.state, "false_positive_pending")) return none(f, now);
    const due = new Date(d.dueAt).toISOString();
    return new Path(f, now)
      .to("false_positive_pending", d.by, `false positive reported by ${d.by.login}: ${d.reason}`)
      .queue(
        waiting(
          f.id,
          now,
          `${d.by.login} reports a false positive; the security team reviews it by ${due}`,
          d.notice,
        ),
      )
      .result();
  };
}

export type SuppressionScope = "resource" | "repository" | "organization";

/** `/fixloop confirm-false-positive`: suppressed; `scope` says which later findings of the rule are
 *  suppressed on arrival (the record is written with it, src/store/suppression-scopes.ts). */
export function confirmFalsePositive(d: {
  by: GitHubUser;
  scope: SuppressionScope;
  reporter: string;
  reason: string;
}): Command {
  return (f, now) => {
    if (f.state !== "false_positive_pending") return none(f, now);
    const reason = `false positive confirmed by ${d.by.login} for this ${d.scope} (reported by ${d.reporter}: ${d.reason})`;
    return new Path(f, now).to("suppressed", d.by, reason).result();
  };
}

/** `/fixloop reject-false-positive <reason>`: triaged again and on where its gate sends it — fixed
 *  with a new PR (a remediate job) for a finding fixloop may fix. */
export function rejectFalsePositive(d: { by: GitHubUser; reason: string }): Command {
  return (f, now) => {
    if (f.state !== "false_positive_pending") return none(f, now);
    const path = new Path(f, now).to(
      "triaged",
      d.by,
      `false positive rejected by ${d.by.login}: ${d.reason}`,
    );
    return routeByGate(path, f.gate).result();
  };
}

/** `/fixloop accept-risk --until DATE <reason>`: waits for the security team's approval. */
export function requestException(d: {
  by: GitHubUser;
  until: string;
  reason: string;
  notice: DecisionNotice;
}): Command {
  return (f, now) => {
    if (!canDecide(f.state, "awaiting_exception")) return none(f, now);
    return new Path(f, now)
      .to("awaiting_exception", d.by, `exception requested by ${d.by.login} until ${d.until}: ${d.reason}`)
      .queue(
        waiting(
          f.id,
          now,
          `${d.by.login} asks to accept the risk until ${d.until}; the security team approves or not`,
          d.notice,
        ),
      )
      .result();
  };
}

/** `/fixloop approve-exception`: the requested exception is granted until its date. */
export function approveException(d: {
  by: GitHubUser;
  requester: string;
  until: string;
  reason: string;
}): Command {
  return (f, now) => {
    if (f.state !== "awaiting_exception") return none(f, now);
    const reason = `exception approved by ${d.by.login} until ${d.until} (requested by ${d.requester}: ${d.reason})`;
    return new Path(f, now).to("excepted", d.by, reason).result();
  };
}

/** `/fixloop snooze --until DATE`: out of the loop until the date, without approval (an exception
 *  of kind `snooze`, which the expiry sweep ends like any other). */
export function snooze(d: { by: GitHubUser; until: string }): Command {
  return (f, now) => {
    if (!canDecide(f.state, "excepted")) return none(f, now);
    return new Path(f, now).to("excepted", d.by, `snoozed by ${d.by.login} until ${d.until}`).result();
  };
}

/** `/fixloop assign org/team`: the routing decision, in the trail (the state does not change). */
export function assign(d: { by: GitHubUser; team: string; previous: string | null }): Command {
  return (f, now) => {
    const was = d.previous ? `was ${d.previous}` : "had no owner";
    return new Path(f, now).note(d.by, `routed to ${d.team} by ${d.by.login} (${was})`).result();
  };
}

export type { Command };
