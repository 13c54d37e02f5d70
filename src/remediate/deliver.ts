// Delivering a patch as a pull request: a new PR (within the noise budget), or the finding's open
// PR refreshed (a new commit only when the fix changed), or — grouping — the group's open PR joined.
// The state change and the remediation record are written together, after GitHub has the PR.

import type { RepoConfig } from "../config/repo-config.ts";
import { fullName, type GitHub, type RepoRef } from "../github/client.ts";
import { ensureLabels, labelsFor } from "../github/labels.ts";
import { renderPrBody } from "../github/pr-body.ts";
import { openPullRequest, type PullRequestProgress, updatePullRequest } from "../github/pull-requests.ts";
import { runCommand } from "../lifecycle/apply.ts";
import { prOpened } from "../lifecycle/commands.ts";
import type { OwnerDecision } from "../owners/resolve-owner.ts";
import { type FindingSource, findingSources, getFinding, type StoredFinding } from "../store/findings.ts";
import {
  type Assignment,
  openPrCounts,
  openRemediationOf,
  recordRemediation,
  remediationsOfPr,
  updateRemediation,
} from "../store/remediations.ts";
import type { Db } from "../store/store.ts";
import { effectiveMode, sourceCanRescan } from "../verify/decide.ts";
import { fixBranchName } from "./branch-name.ts";
import { type IndexedSnapshot, planIn, type RemediationEnv } from "./env.ts";
import { groupFor, openGroupPr } from "./grouping.ts";
import { noPr } from "./no-pr.ts";
import { fixCommitMessage, type PatchPlan, prTitle } from "./plan-fix.ts";
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
}

export async function deliverFix(
  env: RemediationEnv,
  gh: GitHub,
  d: Delivery,
  progress: PullRequestProgress,
  save: (p: PullRequestProgress) => Promise<void>,
): Promise<RemediateResult> {
  const { store } = env;
  const { finding, sources, repository, indexed, plan, owner, config, where } = d;
  const findingId = finding.id;
  // The PR this finding goes to: its own open one, or (grouping) its group's, which it joins.
  const group = groupFor(config, repository, plan);
  const own = await openRemediationOf(store.db, finding.id);
  const joined = !own && group ? await openGroupPr(store.db, repository, group.branch) : null;
  const memberIds = own?.prNumber
    ? (await remediationsOfPr(store.db, fullName(repository), own.prNumber)).map((r) => r.findingId)
    : (joined?.findingIds ?? []);
  const members = await loadMembers(store, [...new Set([...memberIds, finding.id])], finding, sources);
  const prPlan =
    members.length > 1
      ? await planIn(
          env,
          repository,
          indexed,
          members.map((m) => triagedFromStored(m.finding, m.sources)),
          config.rules.options,
        )
      : plan;
  if (prPlan.kind === "no-patch")
    return noPr(
      env,
      gh,
      finding,
      sources,
      repository,
      { kind: "not-fixable", detail: `the group's combined fix no longer applies: ${prPlan.reason}` },
      candidatesOf(where),
    );

  const body = renderPrBody({
    host: env.host,
    findings: members.map((m) => prFinding(m.finding, m.sources)),
    change: { files: prPlan.files.map((f) => f.path), diff: prPlan.diff, fixes: prPlan.fixes },
    impactNotes: prPlan.impact,
    verification: {
      mode: effectiveMode(
        config.verification.mode,
        sourceCanRescan(
          finding,
          sources.map((s) => s.format),
        ),
      ),
      waitHours: config.verification.waitHours,
    },
    routing: owner.explanation,
    commands: COMMANDS,
  });
  const title = prTitle(prPlan);
  const message = fixCommitMessage(
    prPlan,
    members.map((m) => m.finding.id),
  );
  const base = { baseSha: indexed.snapshot.sha, baseTreeSha: indexed.snapshot.treeSha };
  const branch = group?.branch ?? fixBranchName(config.branchPrefix, plan.ruleIds[0] ?? null, finding.id);
  const assignment = { team: owner.team, reviewers: owner.reviewers, decidedBy: owner.decidedBy };

  const prNumber = own?.prNumber ?? joined?.prNumber;
  if (prNumber) {
    const rows = await remediationsOfPr(store.db, fullName(repository), prNumber);
    const current = rows.find((r) => r.prState === "open");
    const changed = current?.fixFingerprint !== prPlan.fingerprint;
    const prBranch = current?.branch ?? branch;
    const updated = await updatePullRequest(gh, {
      repository,
      number: prNumber,
      title,
      body,
      ...(changed ? { commit: { branch: prBranch, ...base, files: prPlan.files, message } } : {}),
    });
    const prUrl = current?.prUrl ?? "";
    await store.transaction(async (tx) => {
      const now = store.now();
      const patch = changed
        ? {
            commitSha: updated.commitSha,
            diff: prPlan.diff,
            files: prPlan.files.map((f) => f.path),
            fixFingerprint: prPlan.fingerprint,
          }
        : {};
      for (const r of rows) if (r.prState === "open") await updateRemediation(tx, r.id, patch, now);
      if (joined)
        await recordPrOpen(
          tx,
          {
            findingId: finding.id,
            repository,
            branch: prBranch,
            prNumber,
            prUrl,
            commitSha: updated.commitSha ?? current?.commitSha ?? null,
            plan: prPlan,
            assignment,
            why: `joined ${prUrl} (${group?.key}): ${fixesText(plan)}`,
          },
          now,
        );
    });
    if (joined)
      return {
        outcome: "pr-updated",
        detail: `joined ${prUrl} with ${members.length - 1} other finding(s) (${group?.key})`,
      };
    return changed
      ? { outcome: "pr-updated", detail: `new commit ${updated.commitSha} on ${prUrl}: the fix changed` }
      : { outcome: "pr-unchanged", detail: `${prUrl} already carries this fix; body refreshed` };
  }

  const counts = await openPrCounts(store.db, fullName(repository), owner.team);
  const teamLimit = owner.team
    ? (config.limits.teams[owner.team] ?? config.limits.openPrsPerTeam)
    : Number.POSITIVE_INFINITY;
  if (!progress.prNumber && !progress.branch) {
    if (counts.repository >= config.limits.openPrsPerRepository)
      return {
        outcome: "waiting-budget",
        detail: `${fullName(repository)} has ${counts.repository} open fixloop PRs (limit ${config.limits.openPrsPerRepository}); queued`,
      };
    if (counts.team >= teamLimit)
      return {
        outcome: "waiting-budget",
        detail: `${owner.team} has ${counts.team} open fixloop PRs (limit ${teamLimit}); queued`,
      };
  }

  const labels = labelsFor({ tier: finding.risk.tier, impactNotes: plan.impact.length > 0 }, config);
  await ensureLabels(gh, repository, labels, env.labelCache);
  const opened = await openPullRequest(
    gh,
    {
      repository,
      baseBranch: d.defaultBranch,
      ...base,
      branch,
      title,
      body,
      commitMessage: message,
      files: plan.files,
      labels,
      assignees: config.owners.assignees,
      teamReviewers: config.owners.requestReview && owner.team ? [owner.team] : [],
      reviewers: config.owners.requestReview ? owner.reviewers : [],
    },
    progress,
    save,
  );
  if (opened.reviewProblem) env.log.warn({ findingId, pr: opened.url }, opened.reviewProblem);
  await store.transaction(async (tx) => {
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
        assignment,
        why: `opened ${opened.url}: ${fixesText(prPlan)}`,
      },
      store.now(),
    );
  });
  return {
    outcome: "pr-opened",
    detail: `opened ${opened.url}${opened.adopted ? " (adopted after a retry)" : ""}`,
  };
}

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
    },
    now,
  );
  const links = { pr: r.prUrl, ...(r.commitSha ? { commit: r.commitSha } : {}) };
  await runCommand(tx, r.findingId, prOpened({ reason: r.why, links }), now);
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
