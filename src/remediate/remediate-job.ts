// The `remediate` job: one finding from the store to a pull request (or to the one issue that says
// why there is none). Locate across the installation's repositories, patch, route to the owning
// team, respect the noise budget, then open the PR — or refresh the one already open. The state
// change and the remediation record are written together, after GitHub has the PR; a crash in
// between is finished by the retry, which adopts what the job's saved progress names.

import { errorsAsLine } from "../config/config-errors.ts";
import { isRepositoryConsidered, isRuleEnabled, type RepoConfig } from "../config/repo-config.ts";
import { fullName, type RepoRef } from "../github/client.ts";
import type { PullRequestProgress } from "../github/pull-requests.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { runCommandAlone } from "../lifecycle/apply.ts";
import { recompute } from "../lifecycle/commands.ts";
import type { FindingState } from "../lifecycle/machine.ts";
import { parseCodeowners } from "../owners/codeowners.ts";
import { type OwnerInput, resolveOwner, teamCandidates } from "../owners/resolve-owner.ts";
import { ruleById } from "../rules/registry.ts";
import { findingSources, getFinding } from "../store/findings.ts";
import { remediationsOf } from "../store/remediations.ts";
import { configIsValidAgain, reportInvalidConfig } from "./config-issue.ts";
import { deliverFix } from "./deliver.ts";
import { type IndexedSnapshot, type InstallationRepository, planIn, type RemediationEnv } from "./env.ts";
import { noPr } from "./no-pr.ts";
import { failingRulesOf } from "./present.ts";
import { isRejectedFix } from "./rejected-fix.ts";
import { candidatesOf, locateInRepositories, toReason } from "./search-repositories.ts";
import { triagedFromStored } from "./stored-finding.ts";

/**
 * `remediate`: a finding to fix (or whose open PR to refresh). `recheck`: a finding whose PR was
 * closed without merge, seen again — it gets a new PR only when its fix differs from the closed one.
 */
export type RemediateMode = "remediate" | "recheck";
/** States in which each mode has work to do. */
const ACTIONABLE: Record<RemediateMode, ReadonlySet<FindingState>> = {
  remediate: new Set(["fixing", "awaiting_approval", "pr_open"]),
  recheck: new Set(["closed_unmerged"]),
};
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
  mode: RemediateMode = "remediate",
): JobHandler {
  return async (payload, ctx) => {
    const findingId = (payload as { findingId?: unknown }).findingId;
    if (typeof findingId !== "string") throw new Error("remediate job without a findingId");
    const progress = (ctx.progress ?? {}) as PullRequestProgress;
    // A rate limit is the app's wrapper's to wait out (src/jobs/rate-limited.ts).
    const result = await remediate(env, findingId, progress, (p) => ctx.saveProgress(p), mode);
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
  mode: RemediateMode = "remediate",
): Promise<RemediateResult> {
  return (async () => {
    const org = (await getFinding(env.store.db, findingId))?.org ?? "";
    const previous = orgQueues.get(org) ?? Promise.resolve();
    const run = previous.then(
      () => remediateNow(env, findingId, progress, save, mode),
      () => remediateNow(env, findingId, progress, save, mode),
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
  mode: RemediateMode,
): Promise<RemediateResult> {
  const { store } = env;
  let finding = await getFinding(store.db, findingId);
  if (!finding || !ACTIONABLE[mode].has(finding.state))
    return {
      outcome: "nothing-to-do",
      detail: `finding is ${finding?.state ?? "gone"}: no ${mode === "recheck" ? "recheck" : "remediation"}`,
    };
  // A recheck opens a PR or does nothing: the closed PR's reviewers have decided, and a tracking
  // issue for a fix that no longer applies would be noise. The reason goes to the log.
  const noPrUnlessRecheck: typeof noPr = (...args) =>
    mode === "recheck"
      ? Promise.resolve({ outcome: "nothing-to-do", detail: `recheck: no new PR (${args[5].detail})` })
      : noPr(...args);
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
    return noPrUnlessRecheck(
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
    return noPrUnlessRecheck(
      env,
      gh,
      finding,
      sources,
      repository,
      { kind: "not-fixable", detail: `rule ${rule.id} is disabled in ${fullName(repository)}'s fixloop.yml` },
      [],
    );

  const plan = await planIn(env, repository, indexed, [triaged], config.rules.options);
  if (plan.kind === "no-patch")
    return noPrUnlessRecheck(
      env,
      gh,
      finding,
      sources,
      repository,
      { kind: "not-fixable", detail: plan.reason },
      candidatesOf(where),
    );

  if (finding.state === "closed_unmerged") {
    const closed = (await remediationsOf(store.db, findingId)).findLast((r) => r.prState === "closed");
    const pr = closed?.prUrl ?? "its last PR";
    if (!closed || isRejectedFix(closed.diff, plan.diff))
      return {
        outcome: "nothing-to-do",
        detail: `the fix is still the one ${pr} proposed, closed without merge: no new PR until the fix changes or someone runs /fixloop retry`,
      };
    // This job carries on with the fix itself (inline): no second remediate job.
    await runCommandAlone(
      store,
      findingId,
      recompute({
        from: "closed_unmerged",
        reason: `the fix changed since ${pr} was closed without merge: ${plan.fixes.map((f) => `${f.ruleId}: ${f.summary}`).join("; ")}`,
        ...(closed.prUrl ? { links: { pr: closed.prUrl } } : {}),
        inline: true,
      }),
    );
    finding = { ...finding, state: "fixing" };
  }

  if (finding.state === "awaiting_approval")
    return noPrUnlessRecheck(
      env,
      gh,
      finding,
      sources,
      repository,
      { kind: "awaiting-approval", detail: finding.gate.reason },
      candidatesOf(where),
      plan.diff,
      failingRulesOf(finding, plan),
    );

  // Only a PR needs its owner (and the team lookups that may cost).
  const located = cross.location.candidate.resource;
  const codeowners = indexed.snapshot.codeowners;
  const ownerInput: OwnerInput = {
    finding: { context: finding.context, resource: finding.resource },
    located: located ? { index: indexed.index, resource: located } : null,
    file: plan.target.file,
    codeowners: codeowners ? { path: codeowners.path, rules: parseCodeowners(codeowners.text).rules } : null,
  };
  const owner = resolveOwner(
    {
      ...ownerInput,
      organization: await organizationTeams(env, installationId, repository.owner, ownerInput, config),
    },
    config,
  );
  return deliverFix(
    env,
    gh,
    { finding, sources, repository, defaultBranch: found.defaultBranch, indexed, plan, owner, config, where },
    progress,
    save,
  );
}

/** At most this many team lookups per finding: the values are untrusted and each costs a request. */
const MAX_TEAM_LOOKUPS = 4;

/** The organization's answers about the bare owner values of this finding (resolveOwner stays pure). */
async function organizationTeams(
  env: RemediationEnv,
  installationId: number | null,
  org: string,
  input: OwnerInput,
  config: RepoConfig,
): Promise<OwnerInput["organization"]> {
  if (!env.teamExists) return null;
  const answers = new Map<string, boolean | undefined>();
  for (const slug of teamCandidates(input, config).slice(0, MAX_TEAM_LOOKUPS)) {
    const known = await env.teamExists(installationId, org, slug);
    answers.set(slug, known);
    if (known) break; // the steps consult candidates in this order: the first team decides
  }
  return { login: org, hasTeam: (slug) => answers.get(slug) };
}
