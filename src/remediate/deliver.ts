// Delivering a patch as a pull request: a new PR (within the noise budget), or the finding's open
// PR refreshed (a new commit only when the fix changed), or — grouping — the group's open PR joined.
// The decisions are the shared pipeline's (./pr-delivery.ts), with the app's PRs read from the
// store; the state change and the remediation record are written together, after GitHub has the PR.

import type { RepoConfig } from "../config/repo-config.ts";
import { fullName, type Platform, type PullRequestProgress, type RepoRef } from "../github/platform.ts";
import type { TriagedFinding } from "../ingest/triage-finding.ts";
import { runCommand } from "../lifecycle/apply.ts";
import { prOpened } from "../lifecycle/commands.ts";
import type { OwnerDecision } from "../owners/resolve-owner.ts";
import { type FindingSource, findingSources, getFinding, type StoredFinding } from "../store/findings.ts";
import {
  type Assignment,
  openPrCounts,
  openRemediationOf,
  type Remediation,
  recordRemediation,
  remediationsOfPr,
  updateRemediation,
} from "../store/remediations.ts";
import type { Db } from "../store/store.ts";
import { effectiveMode, sourceCanRescan } from "../verify/decide.ts";
import { type IndexedSnapshot, planIn, type RemediationEnv } from "./env.ts";
import { type GroupPlanAt, keepGroupPlan, lastGroupPlan } from "./group-plan.ts";
import { groupFor, openGroupPr, type PrGroup } from "./grouping.ts";
import { noPr } from "./no-pr.ts";
import type { GroupFixPlan, PatchPlan } from "./plan-fix.ts";
import {
  deliverPullRequest,
  type FixPullRequests,
  type PrOutcome,
  prBranch,
  prContent,
  prLimits,
} from "./pr-delivery.ts";
import { COMMANDS, prFinding } from "./present.ts";
import type { RemediateResult } from "./remediate-job.ts";
import { candidatesOf, type Searched } from "./search-repositories.ts";
import { triagedFromStored } from "./stored-finding.ts";

export interface Delivery {
  finding: StoredFinding;
  sources: FindingSource[];
  repository: RepoRef;
  defaultBranch: string;
  indexed: IndexedSnapshot;
  plan: PatchPlan;
  owner: OwnerDecision;
  config: RepoConfig;
  where: Searched;
  /** Runs what decides for the organization — opening a new PR, against its budget — under its lock. */
  orgLocked: OrgLocked;
}

/** Runs `fn` under the organization's lock (or directly, when the caller already holds it). */
export type OrgLocked = <T>(fn: () => Promise<T>) => Promise<T>;

/** Resuming a half-made PR after a crash: what the job's progress names, and how to save more. */
export interface Resume {
  progress: PullRequestProgress;
  save: (p: PullRequestProgress) => Promise<void>;
}

/** The PR a finding goes to: its own open one, or (grouping) its group's, which it joins. */
interface PrTarget {
  group: PrGroup | null;
  own: Remediation | undefined;
  joined: { prNumber: number; findingIds: string[] } | null;
  members: Array<{ finding: StoredFinding; sources: FindingSource[] }>;
  /** The members as the planner reads them, in the same order. */
  triaged: TriagedFinding[];
  /** Every remediation on that PR (empty for a new PR). */
  rows: Remediation[];
}

export async function deliverFix(
  env: RemediationEnv,
  platform: Platform,
  d: Delivery,
  resume: Resume,
): Promise<RemediateResult> {
  const target = await prTargetOf(env, d);
  const prPlan = await prPlanOf(env, d, target);
  if (prPlan.kind === "no-patch")
    return d.orgLocked(() =>
      noPr(
        env,
        platform,
        { finding: d.finding, sources: d.sources },
        {
          repository: d.repository,
          reason: {
            kind: "not-fixable",
            detail: `the group's combined fix no longer applies: ${prPlan.reason}`,
          },
          candidates: candidatesOf(d.where),
        },
      ),
    );
  const { finding, sources, config, owner } = d;
  const content = prContent({
    host: env.host,
    config,
    plan: prPlan,
    findings: target.members.map((m) => prFinding(m.finding, m.sources)),
    owner,
    verification: effectiveMode(
      config.verification.mode,
      sourceCanRescan(
        finding,
        sources.map((s) => s.format),
      ),
    ),
    origin: "app",
    commands: COMMANDS,
    tier: finding.risk.tier,
    // The app has its own approval step for gated fixes: only the configured tiers ask for review.
    forceSecurityReview: false,
  });
  const branch = prBranch(config, d.plan, finding.id, target.group);
  const deliver = async () => {
    const outcome = await deliverPullRequest(
      platform,
      storedPullRequests(env, d.repository, target, branch),
      {
        repository: d.repository,
        baseBranch: d.defaultBranch,
        base: { baseSha: d.indexed.snapshot.sha, baseTreeSha: d.indexed.snapshot.treeSha },
        branch,
        plan: prPlan,
        content,
        team: owner.team,
        limits: prLimits(config, owner.team),
        resume,
      },
    );
    return recordOutcome(env, d, { target, prPlan, outcome });
  };
  // Joining or refreshing a PR is the group's alone; a new PR takes a place in the organization's budget.
  const opensPr = !target.own?.prNumber && !target.joined;
  return opensPr ? d.orgLocked(deliver) : deliver();
}

/**
 * The plan of what the PR carries: the finding's own fix on a PR of its own; on a group's PR, the
 * whole group's — planned on top of the group's last plan when the finding joins it (./plan-join.ts).
 */
async function prPlanOf(env: RemediationEnv, d: Delivery, target: PrTarget): Promise<GroupFixPlan> {
  if (target.members.length <= 1) return d.plan;
  const { group } = target;
  const on =
    target.joined && group
      ? await lastGroupPlan(env.store.db, groupPlanAt(d, group.branch), target.triaged)
      : undefined;
  return planIn(env, d.repository, d.indexed, {
    group: target.triaged,
    ruleOptions: d.config.rules.options,
    on,
  });
}

async function prTargetOf(env: RemediationEnv, d: Delivery): Promise<PrTarget> {
  const { store } = env;
  const { finding, sources, repository } = d;
  const group = groupFor(d.config, repository, d.plan);
  const own = await openRemediationOf(store.db, finding.id);
  const joined = !own && group ? await openGroupPr(store.db, repository, group.branch) : null;
  const rows = own?.prNumber
    ? await remediationsOfPr(store.db, fullName(repository), own.prNumber)
    : joined
      ? await remediationsOfPr(store.db, fullName(repository), joined.prNumber)
      : [];
  const memberIds = own?.prNumber ? rows.map((r) => r.findingId) : (joined?.findingIds ?? []);
  const members = await loadMembers(store, [...new Set([...memberIds, finding.id])], finding, sources);
  const triaged = members.map((m) => triagedFromStored(m.finding, m.sources));
  return { group, own, joined, members, triaged, rows };
}

/** The app's side of the pipeline's port: its PRs, their fix fingerprints and counts, from the store. */
function storedPullRequests(
  env: RemediationEnv,
  repository: RepoRef,
  target: PrTarget,
  branch: string,
): FixPullRequests {
  const current = target.rows.find((r) => r.prState === "open");
  return {
    existing: async () => {
      const number = target.own?.prNumber ?? target.joined?.prNumber;
      if (!number) return null;
      return { number, url: current?.prUrl ?? "", branch: current?.branch ?? branch };
    },
    fixChanged: async (_pr, plan) => current?.fixFingerprint !== plan.fingerprint,
    openCounts: (team) => openPrCounts(env.store.db, fullName(repository), team),
  };
}

const groupPlanAt = (d: Delivery, branch: string): GroupPlanAt => ({
  repository: d.repository,
  branch,
  baseSha: d.indexed.snapshot.sha,
  ruleOptions: d.config.rules.options,
});

/** The store follows what GitHub now has: the remediation records and the move to pr_open. */
async function recordOutcome(
  env: RemediationEnv,
  d: Delivery,
  r: { target: PrTarget; prPlan: PatchPlan; outcome: PrOutcome },
): Promise<RemediateResult> {
  const { outcome } = r;
  const { repository } = d;
  if (outcome.kind === "over-limit")
    return {
      outcome: "waiting-budget",
      detail: `${outcome.scope === "repository" ? fullName(repository) : d.owner.team} has ${outcome.count} open fixloop PRs (limit ${outcome.limit}); queued`,
    };
  if (outcome.kind === "opened") return recordOpened(env, d, { ...r, outcome });
  return recordUpdated(env, d, { ...r, outcome });
}

async function recordUpdated(
  env: RemediationEnv,
  d: Delivery,
  r: { target: PrTarget; prPlan: PatchPlan; outcome: Extract<PrOutcome, { kind: "updated" | "unchanged" }> },
): Promise<RemediateResult> {
  const { store } = env;
  const { finding, repository, plan } = d;
  const { target, prPlan } = r;
  const { pr, commitSha } = r.outcome;
  const changed = r.outcome.kind === "updated";
  const { rows, joined, group } = target;
  const current = rows.find((x) => x.prState === "open");
  const prNumber = pr.number;
  const prBranch = pr.branch;
  const prUrl = pr.url;
  const assignment = assignmentOf(d.owner);
  await store.transaction(async (tx) => {
    const now = store.now();
    const patch = changed
      ? {
          commitSha,
          diff: prPlan.diff,
          files: prPlan.files.map((f) => f.path),
          fixFingerprint: prPlan.fingerprint,
        }
      : {};
    const open = rows.filter((x) => x.prState === "open").map((x) => x.id);
    if (open.length > 0) await updateRemediation(tx, open, patch, now);
    if (target.group)
      await keepGroupPlan(tx, groupPlanAt(d, prBranch), { members: target.triaged, prPlan }, now);
    if (joined)
      await recordPrOpen(
        tx,
        {
          findingId: finding.id,
          repository,
          branch: prBranch,
          prNumber,
          prUrl,
          commitSha: commitSha ?? current?.commitSha ?? null,
          plan: prPlan,
          assignment,
          why: `joined ${prUrl} (${group?.key}): ${fixesText(plan)}`,
          tier: finding.risk.tier,
        },
        now,
      );
  });
  if (joined)
    return {
      outcome: "pr-updated",
      detail: `joined ${prUrl} with ${target.members.length - 1} other finding(s) (${group?.key})`,
    };
  return changed
    ? { outcome: "pr-updated", detail: `new commit ${commitSha} on ${prUrl}: the fix changed` }
    : { outcome: "pr-unchanged", detail: `${prUrl} already carries this fix; body refreshed` };
}

async function recordOpened(
  env: RemediationEnv,
  d: Delivery,
  r: { target: PrTarget; prPlan: PatchPlan; outcome: Extract<PrOutcome, { kind: "opened" }> },
): Promise<RemediateResult> {
  const { store } = env;
  const { finding, repository } = d;
  const { prPlan, target } = r;
  const { opened, branch } = r.outcome;
  if (opened.reviewProblem) env.log.warn({ findingId: finding.id, pr: opened.url }, opened.reviewProblem);
  await store.transaction(async (tx) => {
    if (target.group)
      await keepGroupPlan(tx, groupPlanAt(d, branch), { members: target.triaged, prPlan }, store.now());
    await recordPrOpen(
      tx,
      {
        findingId: finding.id,
        repository,
        branch,
        prNumber: opened.number,
        prUrl: opened.url,
        commitSha: opened.commitSha,
        plan: prPlan,
        assignment: assignmentOf(d.owner),
        why: `opened ${opened.url}: ${fixesText(prPlan)}`,
        tier: finding.risk.tier,
      },
      store.now(),
    );
  });
  return {
    outcome: "pr-opened",
    detail: `opened ${opened.url}${opened.adopted ? " (adopted after a retry)" : ""}`,
  };
}

const assignmentOf = (owner: OwnerDecision): Assignment => ({
  team: owner.team,
  reviewers: owner.reviewers,
  decidedBy: owner.decidedBy,
});

const fixesText = (plan: PatchPlan) => plan.fixes.map((f) => `${f.ruleId}: ${f.summary}`).join("; ");

/** The remediation record of a finding now on an open PR, and its move to pr_open, in one transaction. */
async function recordPrOpen(
  tx: Db,
  r: {
    findingId: string;
    repository: RepoRef;
    branch: string;
    prNumber: number;
    prUrl: string;
    commitSha: string | null;
    plan: PatchPlan;
    assignment: Assignment;
    why: string;
    /** The finding's risk tier: a critical or high fix PR is announced (src/notify). */
    tier: string;
  },
  now: number,
): Promise<void> {
  await recordRemediation(
    tx,
    {
      findingId: r.findingId,
      repository: fullName(r.repository),
      branch: r.branch,
      prNumber: r.prNumber,
      prUrl: r.prUrl,
      commitSha: r.commitSha,
      files: r.plan.files.map((f) => f.path),
      diff: r.plan.diff,
      assignment: r.assignment,
      prState: "open",
      fixFingerprint: r.plan.fingerprint,
      ownerTeam: r.assignment.team,
      located: { file: r.plan.target.file, address: r.plan.target.address },
    },
    now,
  );
  const links = { pr: r.prUrl, ...(r.commitSha ? { commit: r.commitSha } : {}) };
  await runCommand(tx, r.findingId, prOpened({ reason: r.why, links, tier: r.tier }), now);
}

/** The findings a PR carries, with their sources (the current finding's are already loaded). */
async function loadMembers(
  store: RemediationEnv["store"],
  ids: readonly string[],
  current: StoredFinding,
  currentSources: readonly FindingSource[],
): Promise<Array<{ finding: StoredFinding; sources: FindingSource[] }>> {
  const members: Array<{ finding: StoredFinding; sources: FindingSource[] }> = [];
  for (const id of ids) {
    if (id === current.id) members.push({ finding: current, sources: [...currentSources] });
    else {
      const f = await getFinding(store.db, id);
      if (f) members.push({ finding: f, sources: await findingSources(store.db, id) });
    }
  }
  return members;
}
