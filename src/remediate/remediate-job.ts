// The `remediate` job: one finding from the store to a pull request (or to the one issue that says
// why there is none). Locate across the installation's repositories, patch, route to the owning
// team, respect the noise budget, then open the PR — or refresh the one already open. The state
// change and the remediation record are written together, after GitHub has the PR; a crash in
// between is finished by the retry, which adopts what the job's saved progress names.

import { errorsAsLine } from "../config/config-errors.ts";
import { isRepositoryConsidered, isRuleEnabled } from "../config/repo-config.ts";
import { fullName, type RepoRef } from "../github/client.ts";
import { ensureLabels, labelsFor } from "../github/labels.ts";
import { renderPrBody } from "../github/pr-body.ts";
import { openPullRequest, type PullRequestProgress, updatePullRequest } from "../github/pull-requests.ts";
import { rateLimitWait } from "../github/rate-limit.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { changeStateIn } from "../lifecycle/change-state.ts";
import type { FindingState } from "../lifecycle/machine.ts";
import { parseCodeowners } from "../owners/codeowners.ts";
import { resolveOwner } from "../owners/resolve-owner.ts";
import { ruleById } from "../rules/registry.ts";
import { type FindingSource, findingSources, getFinding, type StoredFinding } from "../store/findings.ts";
import {
  openPrCounts,
  openRemediationOf,
  recordRemediation,
  remediationsOfPr,
  updateRemediation,
} from "../store/remediations.ts";
import { effectiveMode, sourceCanRescan } from "../verify/decide.ts";
import { fixBranchName } from "./branch-name.ts";
import { configIsValidAgain, reportInvalidConfig } from "./config-issue.ts";
import type { IndexedSnapshot, InstallationRepository, RemediationEnv } from "./env.ts";
import { groupFor, openGroupPr } from "./grouping.ts";
import { noPr } from "./no-pr.ts";
import { fixCommitMessage, planFix, planGroupFix, prTitle } from "./plan-fix.ts";
import { COMMANDS, prFinding } from "./present.ts";
import { candidatesOf, locateInRepositories, toReason } from "./search-repositories.ts";
import { triagedFromStored } from "./stored-finding.ts";

const APP = { kind: "app" } as const;
/** States in which a remediation job has work to do. */
const ACTIONABLE: ReadonlySet<FindingState> = new Set(["fixing", "awaiting_approval", "pr_open"]);
/** How long a job waits before trying again when the noise budget is full or the config is invalid. */
export const BUDGET_RETRY_MS = 15 * 60_000;
export const CONFIG_RETRY_MS = 60 * 60_000;

export interface RemediateResult {
  outcome:
    | "pr-opened"
    | "pr-updated"
    | "pr-unchanged"
    | "issue"
    | "waiting-budget"
    | "invalid-config"
    | "nothing-to-do";
  detail: string;
}

export function remediateHandler(
  env: RemediationEnv,
  onResult?: (id: string, r: RemediateResult) => void,
): JobHandler {
  return async (payload, ctx) => {
    const findingId = (payload as { findingId?: unknown }).findingId;
    if (typeof findingId !== "string") throw new Error("remediate job without a findingId");
    const progress = (ctx.progress ?? {}) as PullRequestProgress;
    let result: RemediateResult;
    try {
      result = await remediate(env, findingId, progress, (p) => ctx.saveProgress(p));
    } catch (error) {
      const wait = rateLimitWait(error, env.store.now());
      if (wait === null) throw error;
      env.log.warn({ findingId, waitMs: wait }, "GitHub rate limit: the remediation waits in the queue");
      return { rescheduleAt: env.store.now() + wait };
    }
    onResult?.(findingId, result);
    env.log.info({ findingId, outcome: result.outcome }, result.detail);
    if (result.outcome === "waiting-budget") return { rescheduleAt: env.store.now() + BUDGET_RETRY_MS };
    if (result.outcome === "invalid-config") return { rescheduleAt: env.store.now() + CONFIG_RETRY_MS };
    return undefined;
  };
}

/**
 * Remediations of one organization run one at a time in this process: two findings of one group
 * (or one repository's budget) decided concurrently would both open a PR. Different organizations
 * run in parallel.
 */
const orgQueues = new Map<string, Promise<unknown>>();

export function remediate(
  env: RemediationEnv,
  findingId: string,
  progress: PullRequestProgress,
  save: (p: PullRequestProgress) => Promise<void>,
): Promise<RemediateResult> {
  return (async () => {
    const org = (await getFinding(env.store.db, findingId))?.org ?? "";
    const previous = orgQueues.get(org) ?? Promise.resolve();
    const run = previous.then(
      () => remediateNow(env, findingId, progress, save),
      () => remediateNow(env, findingId, progress, save),
    );
    const tail = run.catch(() => {});
    orgQueues.set(org, tail);
    void tail.then(() => {
      if (orgQueues.get(org) === tail) orgQueues.delete(org);
    });
    return run;
  })();
}

async function remediateNow(
  env: RemediationEnv,
  findingId: string,
  progress: PullRequestProgress,
  save: (p: PullRequestProgress) => Promise<void>,
): Promise<RemediateResult> {
  const { store } = env;
  const finding = await getFinding(store.db, findingId);
  if (!finding || !ACTIONABLE.has(finding.state))
    return { outcome: "nothing-to-do", detail: `finding is ${finding?.state ?? "gone"}: no remediation` };
  const org = finding.org;
  if (!org)
    return {
      outcome: "nothing-to-do",
      detail: "finding has no organization (CLI ingest): the app does not act on it",
    };
  const installationId = finding.installationId;
  const gh = await env.github(installationId);

  const orgConfig = await env.repoConfig(installationId, { owner: org, repo: ".github" });
  if (!orgConfig.ok) {
    const issue = await reportInvalidConfig(
      gh,
      store.db,
      { owner: org, repo: ".github" },
      orgConfig.errors,
      store.now(),
    );
    env.log.warn({ org, issue }, `${org}/.github: fixloop.yml is invalid: ${errorsAsLine(orgConfig.errors)}`);
    return {
      outcome: "invalid-config",
      detail: `${org}/.github: fixloop.yml is invalid: ${errorsAsLine(orgConfig.errors)}${issue ? ` (${issue})` : ""}`,
    };
  }
  await configIsValidAgain(gh, store.db, { owner: org, repo: ".github" }, store.now());
  const sources = await findingSources(store.db, findingId);
  const triaged = triagedFromStored(finding, sources);
  const rule = finding.rule.catalogId ? ruleById(finding.rule.catalogId) : undefined;

  const repos = (await env.repositories(installationId, org)).filter(
    (r) => !r.archived && isRepositoryConsidered(orgConfig.config, r.repo),
  );
  const where = await locateInRepositories(
    env,
    installationId,
    finding,
    repos,
    orgConfig.config,
    rule?.resourceTypes,
  );
  if (where.cross.kind !== "located") {
    const triage = orgConfig.config.triageRepository;
    return noPr(
      env,
      gh,
      finding,
      sources,
      triage ? { owner: org, repo: triage } : null,
      toReason(where.cross),
      candidatesOf(where),
    );
  }
  const cross = where.cross;
  const found = repos.find(
    (r) => r.owner === cross.repository.owner && r.repo === cross.repository.repo,
  ) as InstallationRepository;
  // Only owner and repo go into API calls (Octokit sends unknown parameters as query strings).
  const repository: RepoRef = { owner: found.owner, repo: found.repo };
  const indexed = where.indexed.get(fullName(found)) as IndexedSnapshot;

  const repoConfig = await env.repoConfig(installationId, repository);
  if (!repoConfig.ok) {
    const issue = await reportInvalidConfig(gh, store.db, repository, repoConfig.errors, store.now());
    const detail = `.github/fixloop.yml in ${fullName(repository)} is invalid (${errorsAsLine(repoConfig.errors)}); fixloop does nothing there until it is fixed${issue ? ` (${issue})` : ""}`;
    return { outcome: "invalid-config", detail };
  }
  await configIsValidAgain(gh, store.db, repository, store.now());
  const config = repoConfig.config;
  if (rule && !isRuleEnabled(config, rule.id))
    return noPr(
      env,
      gh,
      finding,
      sources,
      repository,
      { kind: "not-fixable", detail: `rule ${rule.id} is disabled in ${fullName(repository)}'s fixloop.yml` },
      [],
    );

  const plan = await planFix(indexed.snapshot.files, indexed.index, triaged);
  if (plan.kind === "no-patch")
    return noPr(
      env,
      gh,
      finding,
      sources,
      repository,
      { kind: "not-fixable", detail: plan.reason },
      candidatesOf(where),
    );

  const located = cross.location.candidate.resource;
  const codeowners = indexed.snapshot.codeowners;
  const owner = resolveOwner(
    {
      finding: { context: finding.context, resource: finding.resource },
      located: located ? { index: indexed.index, resource: located } : null,
      file: plan.target.file,
      codeowners: codeowners
        ? { path: codeowners.path, rules: parseCodeowners(codeowners.text).rules }
        : null,
    },
    config,
  );
  if (finding.state === "awaiting_approval")
    return noPr(
      env,
      gh,
      finding,
      sources,
      repository,
      { kind: "awaiting-approval", detail: finding.gate.reason },
      candidatesOf(where),
      plan.diff,
    );

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
      ? await planGroupFix(
          indexed.snapshot.files,
          indexed.index,
          members.map((m) => triagedFromStored(m.finding, m.sources)),
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
      if (joined) {
        await recordRemediation(
          tx,
          {
            findingId: finding.id,
            repository: fullName(repository),
            branch: prBranch,
            prNumber,
            prUrl,
            commitSha: updated.commitSha ?? current?.commitSha ?? null,
            files: prPlan.files.map((f) => f.path),
            diff: prPlan.diff,
            assignment,
            prState: "open",
            fixFingerprint: prPlan.fingerprint,
            ownerTeam: owner.team,
          },
          now,
        );
        await changeStateIn(
          tx,
          {
            findingId: finding.id,
            to: "pr_open",
            actor: APP,
            reason: `joined ${prUrl} (${group?.key}): ${plan.fixes.map((f) => `${f.ruleId}: ${f.summary}`).join("; ")}`,
            links: { pr: prUrl },
          },
          now,
        );
      }
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
      baseBranch: found.defaultBranch,
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
    const now = store.now();
    await recordRemediation(
      tx,
      {
        findingId: finding.id,
        repository: fullName(repository),
        branch,
        prNumber: opened.number,
        prUrl: opened.url,
        commitSha: opened.commitSha,
        files: plan.files.map((f) => f.path),
        diff: plan.diff,
        assignment,
        prState: "open",
        fixFingerprint: plan.fingerprint,
        ownerTeam: owner.team,
      },
      now,
    );
    await changeStateIn(
      tx,
      {
        findingId: finding.id,
        to: "pr_open",
        actor: APP,
        reason: `opened ${opened.url}: ${plan.fixes.map((f) => `${f.ruleId}: ${f.summary}`).join("; ")}`,
        links: { pr: opened.url, commit: opened.commitSha },
      },
      now,
    );
  });
  return {
    outcome: "pr-opened",
    detail: `opened ${opened.url}${opened.adopted ? " (adopted after a retry)" : ""}`,
  };
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
