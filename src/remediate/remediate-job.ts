// The `remediate` job: one finding from the store to a pull request (or to the one issue that says
// why there is none). Locate across the installation's repositories, patch, route to the owning
// team, respect the noise budget, then open the PR — or refresh the one already open. The state
// change and the remediation record are written together, after GitHub has the PR; a crash in
// between is finished by the retry, which adopts what the job's saved progress names.

import { errorsAsLine } from "../config/config-errors.ts";
import {
  type ConfigError,
  type RepoConfigParse as ConfigResult,
  isRepositoryConsidered,
  isRuleEnabled,
  type RepoConfig,
} from "../config/repo-config.ts";
import { fullName, type PullRequestProgress, type RepoRef } from "../github/platform.ts";
import type { JobHandler } from "../jobs/worker.ts";
import { runCommandAlone } from "../lifecycle/apply.ts";
import { recompute } from "../lifecycle/commands.ts";
import type { FindingState } from "../lifecycle/machine.ts";
import { parseCodeowners } from "../owners/codeowners.ts";
import { type OwnerDecision, type OwnerInput, teamCandidates } from "../owners/resolve-owner.ts";
import { ruleById } from "../rules/registry.ts";
import { findingSources, getFinding, type StoredFinding } from "../store/findings.ts";
import { withGroupLock, withOrgLock } from "../store/org-locks.ts";
import { type Remediation, remediationsOf } from "../store/remediations.ts";
import { configIsValidAgain, reportInvalidConfig } from "./config-issue.ts";
import { deliverFix, type OrgLocked, type Resume } from "./deliver.ts";
import { type IndexedSnapshot, type InstallationRepository, planIn, type RemediationEnv } from "./env.ts";
import { groupFor } from "./grouping.ts";
import { type NoPrIssue, noPr } from "./no-pr.ts";
import type { GroupFixPlan, PatchPlan } from "./plan-fix.ts";
import { prOwner } from "./pr-delivery.ts";
import { failingRulesOf } from "./present.ts";
import { isRejectedFix } from "./rejected-fix.ts";
import { candidatesOf, locateInRepositories, type Searched, toReason } from "./search-repositories.ts";
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
    const result = await remediate(env, findingId, { progress, save: (p) => ctx.saveProgress(p) }, mode);
    onResult?.(findingId, result);
    env.log.info({ findingId, outcome: result.outcome }, result.detail);
    if (result.outcome === "waiting-budget") return { rescheduleAt: env.store.now() + BUDGET_RETRY_MS };
    if (result.outcome === "invalid-config") return { rescheduleAt: env.store.now() + CONFIG_RETRY_MS };
    return undefined;
  };
}

/**
 * Remediations of one organization decide one at a time in this process (locating and planning share
 * the snapshot and index caches). What reads the store's open PRs and calls GitHub runs after, under
 * a lock (store/org-locks.ts, actLocked) — in this process and across replicas: one group's findings
 * act one at a time (two would both open its PR, or each move its branch without the other's fix),
 * and opening a PR is the organization's decision (its budget). So one finding can act on its group
 * while the next decides, and different groups act side by side. Different organizations run in
 * parallel.
 */
const orgQueues = new Map<string, Promise<unknown>>();

export function remediate(
  env: RemediationEnv,
  findingId: string,
  resume: Resume,
  mode: RemediateMode = "remediate",
): Promise<RemediateResult> {
  return (async () => {
    const org = (await getFinding(env.store.db, findingId))?.org ?? "";
    const previous = orgQueues.get(org) ?? Promise.resolve();
    const job = { findingId, resume, mode };
    const decided = previous.then(
      () => decideNow(env, job),
      () => decideNow(env, job),
    );
    const tail = decided.catch(() => {});
    orgQueues.set(org, tail);
    void tail.then(() => {
      if (orgQueues.get(org) === tail) orgQueues.delete(org);
    });
    const d = await decided;
    return "outcome" in d ? d : actLocked(env, job, d);
  })();
}

interface RemediateJob {
  findingId: string;
  resume: Resume;
  mode: RemediateMode;
}

/** What the decision has learned so far; each step of decideNow adds what the decision asks for. */
export interface RemediationFacts {
  mode: RemediateMode;
  finding: StoredFinding | null;
  orgConfig?: ConfigResult;
  /** The installation's repositories fixloop considers, and where the finding was found among them. */
  search?: { repos: InstallationRepository[]; where: Searched };
  repoConfig?: ConfigResult;
  plan?: GroupFixPlan;
  /** For a recheck: the PR closed without merge (null: none recorded). */
  closed?: Remediation | null;
}

/** A step of the remediation: stop with a result, or learn one more fact first. Pure. */
export type RemediationDecision =
  | { kind: "nothing-to-do"; detail: string }
  | { kind: "need"; fact: "org-config" | "location" | "repo-config" | "plan" | "closed-pr" }
  | { kind: "invalid-config"; repository: RepoRef; errors: ConfigError[]; org: boolean }
  | ({ kind: "no-pr" } & NoPrIssue)
  | {
      kind: "deliver";
      repository: InstallationRepository;
      config: RepoConfig;
      plan: PatchPlan;
      /** A recheck whose fix changed since its PR was closed: back to fixing first. */
      refix: { reason: string; prUrl: string | null } | null;
    };

const located = (facts: RemediationFacts) => {
  const cross = facts.search?.where.cross;
  return cross?.kind === "located" ? cross : null;
};

/**
 * What to do with a finding, from what is known of it: nothing (not actionable, no organization), an
 * issue about an invalid configuration, a tracking issue saying why there is no PR (a recheck only
 * logs it), or a PR. Asks for the next fact while it cannot tell yet.
 */
export function decideRemediation(facts: RemediationFacts): RemediationDecision {
  const { finding, mode } = facts;
  if (!finding || !ACTIONABLE[mode].has(finding.state))
    return {
      kind: "nothing-to-do",
      detail: `finding is ${finding?.state ?? "gone"}: no ${mode === "recheck" ? "recheck" : "remediation"}`,
    };
  const org = finding.org;
  if (!org)
    return {
      kind: "nothing-to-do",
      detail: "finding has no organization (CLI ingest): the app does not act on it",
    };
  if (!facts.orgConfig) return { kind: "need", fact: "org-config" };
  if (!facts.orgConfig.ok)
    return {
      kind: "invalid-config",
      repository: { owner: org, repo: ".github" },
      errors: facts.orgConfig.errors,
      org: true,
    };
  if (!facts.search) return { kind: "need", fact: "location" };
  const cross = located(facts);
  const where = facts.search.where;
  if (!cross) {
    const triage = facts.orgConfig.config.triageRepository;
    return noPrUnlessRecheck(mode, {
      repository: triage ? { owner: org, repo: triage } : null,
      reason: toReason(where.cross),
      candidates: candidatesOf(where),
    });
  }
  const found = facts.search.repos.find(
    (r) => r.owner === cross.repository.owner && r.repo === cross.repository.repo,
  ) as InstallationRepository;
  return decideInRepository(facts, found);
}

/** The finding is located in `found`: its configuration, its rule, the plan, then approval or a PR. */
function decideInRepository(facts: RemediationFacts, found: InstallationRepository): RemediationDecision {
  const finding = facts.finding as StoredFinding;
  const { mode } = facts;
  const where = (facts.search as NonNullable<RemediationFacts["search"]>).where;
  // Only owner and repo go into API calls (Octokit sends unknown parameters as query strings).
  const repository: RepoRef = { owner: found.owner, repo: found.repo };
  if (!facts.repoConfig) return { kind: "need", fact: "repo-config" };
  if (!facts.repoConfig.ok)
    return { kind: "invalid-config", repository, errors: facts.repoConfig.errors, org: false };
  const config = facts.repoConfig.config;
  const rule = finding.rule.catalogId ? ruleById(finding.rule.catalogId) : undefined;
  if (rule && !isRuleEnabled(config, rule.id))
    return noPrUnlessRecheck(mode, {
      repository,
      reason: {
        kind: "not-fixable",
        detail: `rule ${rule.id} is disabled in ${fullName(repository)}'s fixloop.yml`,
      },
      candidates: [],
    });
  if (!facts.plan) return { kind: "need", fact: "plan" };
  const plan = facts.plan;
  if (plan.kind === "no-patch")
    return noPrUnlessRecheck(mode, {
      repository,
      reason: { kind: "not-fixable", detail: plan.reason },
      candidates: candidatesOf(where),
    });
  let refix: { reason: string; prUrl: string | null } | null = null;
  if (finding.state === "closed_unmerged") {
    const again = decideRefix(facts.closed, plan);
    if (again.kind !== "refix") return again;
    refix = again.refix;
  } else if (finding.state === "awaiting_approval")
    return noPrUnlessRecheck(mode, {
      repository,
      reason: { kind: "awaiting-approval", detail: finding.gate.reason },
      candidates: candidatesOf(where),
      proposedChange: plan.diff,
      failingRules: failingRulesOf(finding, plan),
    });
  return { kind: "deliver", repository: found, config, plan, refix };
}

/** A PR closed without merge gets a successor only when the fix is no longer the one it proposed. */
function decideRefix(
  closed: Remediation | null | undefined,
  plan: PatchPlan,
): RemediationDecision | { kind: "refix"; refix: { reason: string; prUrl: string | null } } {
  if (closed === undefined) return { kind: "need", fact: "closed-pr" };
  const pr = closed?.prUrl ?? "its last PR";
  if (!closed || isRejectedFix(closed.diff, plan.diff))
    return {
      kind: "nothing-to-do",
      detail: `the fix is still the one ${pr} proposed, closed without merge: no new PR until the fix changes or someone runs /fixloop retry`,
    };
  const fixes = plan.fixes.map((f) => `${f.ruleId}: ${f.summary}`).join("; ");
  return {
    kind: "refix",
    refix: {
      reason: `the fix changed since ${pr} was closed without merge: ${fixes}`,
      prUrl: closed.prUrl ?? null,
    },
  };
}

/**
 * A recheck opens a PR or does nothing: the closed PR's reviewers have decided, and a tracking
 * issue for a fix that no longer applies would be noise. The reason goes to the log.
 */
function noPrUnlessRecheck(mode: RemediateMode, issue: NoPrIssue): RemediationDecision {
  return mode === "recheck"
    ? { kind: "nothing-to-do", detail: `recheck: no new PR (${issue.reason.detail})` }
    : { kind: "no-pr", ...issue };
}

type Actionable = Exclude<RemediationDecision, { kind: "need" | "nothing-to-do" }>;

/** Learns the facts the decision asks for, up to what to do (carried out by actLocked). */
async function decideNow(
  env: RemediationEnv,
  job: RemediateJob,
): Promise<RemediateResult | { facts: RemediationFacts; decision: Actionable }> {
  const facts: RemediationFacts = {
    mode: job.mode,
    finding: (await getFinding(env.store.db, job.findingId)) ?? null,
  };
  for (;;) {
    const decision = decideRemediation(facts);
    if (decision.kind === "nothing-to-do") return { outcome: "nothing-to-do", detail: decision.detail };
    if (decision.kind !== "need") return { facts, decision };
    await learn(env, facts, decision.fact);
  }
}

/**
 * Acts under the lock the decision needs (store/org-locks.ts): a fix for a group under the group's
 * lock, taking the organization's only to open the group's PR (the budget); anything else — a PR of
 * one finding, an issue — under the organization's.
 */
function actLocked(
  env: RemediationEnv,
  job: RemediateJob,
  d: { facts: RemediationFacts; decision: Actionable },
): Promise<RemediateResult> {
  const { store } = env;
  const org = d.facts.finding?.org ?? "";
  const { decision } = d;
  const group =
    decision.kind === "deliver" ? groupFor(decision.config, decision.repository, decision.plan) : null;
  if (!group) return withOrgLock(store, org, () => act(env, job, { ...d, orgLocked: (fn) => fn() }));
  const repository = fullName(decision.repository as RepoRef);
  return withGroupLock(store, { repository, branch: group.branch }, () =>
    act(env, job, { ...d, orgLocked: (fn) => withOrgLock(store, org, fn) }),
  );
}

async function learn(env: RemediationEnv, facts: RemediationFacts, fact: string): Promise<void> {
  const finding = facts.finding as StoredFinding;
  const installationId = finding.installationId;
  const org = finding.org as string;
  if (fact === "org-config") {
    facts.orgConfig = await env.repoConfig(installationId, { owner: org, repo: ".github" });
    if (facts.orgConfig.ok)
      await configIsValidAgain(await issueIo(env, finding), { owner: org, repo: ".github" });
  } else if (fact === "location") {
    const config = (facts.orgConfig as Extract<ConfigResult, { ok: true }>).config;
    const rule = finding.rule.catalogId ? ruleById(finding.rule.catalogId) : undefined;
    const repos = (await env.repositories(installationId, org)).filter(
      (r) => !r.archived && isRepositoryConsidered(config, r.repo),
    );
    const where = await locateInRepositories(env, {
      installationId,
      finding,
      repos,
      config,
      resourceTypes: rule?.resourceTypes,
    });
    facts.search = { repos, where };
  } else if (fact === "repo-config") {
    const repository = repositoryOf(facts);
    facts.repoConfig = await env.repoConfig(installationId, repository);
    if (facts.repoConfig.ok) await configIsValidAgain(await issueIo(env, finding), repository);
  } else if (fact === "plan") {
    const config = (facts.repoConfig as Extract<ConfigResult, { ok: true }>).config;
    const sources = await findingSources(env.store.db, finding.id);
    const triaged = triagedFromStored(finding, sources);
    facts.plan = await planIn(env, repositoryOf(facts), indexedOf(facts), {
      group: [triaged],
      ruleOptions: config.rules.options,
    });
  } else if (fact === "closed-pr") {
    const closed = (await remediationsOf(env.store.db, finding.id)).findLast((r) => r.prState === "closed");
    facts.closed = closed ?? null;
  }
}

const repositoryOf = (facts: RemediationFacts): RepoRef => {
  const cross = located(facts) as NonNullable<ReturnType<typeof located>>;
  return { owner: cross.repository.owner, repo: cross.repository.repo };
};
const indexedOf = (facts: RemediationFacts): IndexedSnapshot =>
  facts.search?.where.indexed.get(fullName(repositoryOf(facts))) as IndexedSnapshot;

const issueIo = async (env: RemediationEnv, finding: StoredFinding) => ({
  platform: await env.platform(finding.installationId),
  db: env.store.db,
  now: env.store.now(),
});

/** Carries out a decision: the configuration issue, the tracking issue, or the PR. */
async function act(
  env: RemediationEnv,
  job: RemediateJob,
  d: {
    facts: RemediationFacts;
    decision: Actionable;
    orgLocked: OrgLocked;
  },
): Promise<RemediateResult> {
  const { store } = env;
  const { decision, facts } = d;
  const findingId = job.findingId;
  let finding = facts.finding as StoredFinding;
  if (decision.kind === "invalid-config") return invalidConfig(env, finding, decision);
  const platform = await env.platform(finding.installationId);
  const sources = await findingSources(store.db, findingId);
  if (decision.kind === "no-pr") return noPr(env, platform, { finding, sources }, decision);
  if (decision.refix) {
    const { reason, prUrl } = decision.refix;
    // This job carries on with the fix itself (inline): no second remediate job.
    await runCommandAlone(
      store,
      findingId,
      recompute({
        from: "closed_unmerged",
        reason,
        ...(prUrl ? { links: { pr: prUrl } } : {}),
        inline: true,
      }),
    );
    finding = { ...finding, state: "fixing" };
  }
  const where = (facts.search as NonNullable<RemediationFacts["search"]>).where;
  const indexed = indexedOf(facts);
  const repository: RepoRef = { owner: decision.repository.owner, repo: decision.repository.repo };
  const owner = await ownerOf(env, {
    finding,
    repository,
    indexed,
    where,
    plan: decision.plan,
    config: decision.config,
  });
  return deliverFix(
    env,
    platform,
    {
      finding,
      sources,
      repository,
      defaultBranch: decision.repository.defaultBranch,
      indexed,
      plan: decision.plan,
      owner,
      config: decision.config,
      where,
      orgLocked: d.orgLocked,
    },
    job.resume,
  );
}

async function invalidConfig(
  env: RemediationEnv,
  finding: StoredFinding,
  decision: Extract<RemediationDecision, { kind: "invalid-config" }>,
): Promise<RemediateResult> {
  const { repository, errors } = decision;
  const issue = await reportInvalidConfig(await issueIo(env, finding), repository, errors);
  if (decision.org) {
    const org = repository.owner;
    env.log.warn({ org, issue }, `${org}/.github: fixloop.yml is invalid: ${errorsAsLine(errors)}`);
    return {
      outcome: "invalid-config",
      detail: `${org}/.github: fixloop.yml is invalid: ${errorsAsLine(errors)}${issue ? ` (${issue})` : ""}`,
    };
  }
  const detail = `.github/fixloop.yml in ${fullName(repository)} is invalid (${errorsAsLine(errors)}); fixloop does nothing there until it is fixed${issue ? ` (${issue})` : ""}`;
  return { outcome: "invalid-config", detail };
}

/** Only a PR needs its owner (and the team lookups that may cost). */
async function ownerOf(
  env: RemediationEnv,
  at: {
    finding: StoredFinding;
    repository: RepoRef;
    indexed: IndexedSnapshot;
    where: Searched;
    plan: PatchPlan;
    config: RepoConfig;
  },
): Promise<OwnerDecision> {
  const { finding, indexed, config } = at;
  const cross = at.where.cross as Extract<Searched["cross"], { kind: "located" }>;
  const locatedResource = cross.location.candidate.resource;
  const codeowners = indexed.snapshot.codeowners;
  const ownerInput: OwnerInput = {
    finding: { context: finding.context, resource: finding.resource },
    located: locatedResource ? { index: indexed.index, resource: locatedResource } : null,
    file: at.plan.target.file,
    codeowners: codeowners ? { path: codeowners.path, rules: parseCodeowners(codeowners.text).rules } : null,
  };
  const organization = await organizationTeams(env, finding.installationId, {
    org: at.repository.owner,
    input: ownerInput,
    config,
  });
  return prOwner({ ...ownerInput, organization }, config);
}

/** At most this many team lookups per finding: the values are untrusted and each costs a request. */
const MAX_TEAM_LOOKUPS = 4;

/** The organization's answers about the bare owner values of this finding (resolveOwner stays pure). */
async function organizationTeams(
  env: RemediationEnv,
  installationId: number | null,
  q: { org: string; input: OwnerInput; config: RepoConfig },
): Promise<OwnerInput["organization"]> {
  if (!env.teamExists) return null;
  const answers = new Map<string, boolean | undefined>();
  for (const slug of teamCandidates(q.input, q.config).slice(0, MAX_TEAM_LOOKUPS)) {
    const known = await env.teamExists(installationId, q.org, slug);
    answers.set(slug, known);
    if (known) break; // the steps consult candidates in this order: the first team decides
  }
  return { login: q.org, hasTeam: (slug) => answers.get(slug) };
}
