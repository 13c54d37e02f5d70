// The one PR-delivery pipeline, used by the app's remediate job (./deliver.ts) and by the CLI's
// `fix --open-pr` (src/cli/commands/open-pr.ts): the same owner resolution, branch, title, body,
// commit message, labels, open-PR limit and "has the fix changed" decision. What differs is one
// small port, FixPullRequests: the app knows its PRs from the store, the CLI asks GitHub.
//
// decidePullRequest is pure (unit-tested without I/O); deliverPullRequest carries it out.

import type { RepoConfig } from "../config/repo-config.ts";
import type { GitHubHost } from "../github/hosts.ts";
import { labelsFor } from "../github/labels.ts";
import type {
  OpenedPullRequest,
  Platform,
  PullRequestDraft,
  PullRequestProgress,
  RepoRef,
} from "../github/platform.ts";
import { type Command, type PrFinding, renderPrBody } from "../github/pr-body.ts";
import { type OwnerDecision, type OwnerInput, resolveOwner } from "../owners/resolve-owner.ts";
import type { Tier } from "../triage/risk.ts";
import type { VerificationMode } from "../verify/decide.ts";
import { fixBranchName } from "./branch-name.ts";
import type { PrGroup } from "./grouping.ts";
import { fixCommitMessage, type PatchPlan, prTitle } from "./plan-fix.ts";

/** An open fix PR the fix goes to. */
export interface ExistingPr {
  number: number;
  url: string;
  branch: string;
}

/** The small port: where the pipeline learns about the fix PRs already there. */
export interface FixPullRequests {
  /** The open PR this fix goes to (the finding's own, or its group's), or null. */
  existing(): Promise<ExistingPr | null>;
  /** Whether that PR's branch lacks this fix (the app: the stored fingerprint; the CLI: GitHub's tree). */
  fixChanged(pr: ExistingPr, plan: PatchPlan): Promise<boolean>;
  /** Open fixloop PRs now: in the repository, and of the owning team (null: not known). */
  openCounts(team: string | null): Promise<{ repository: number; team: number | null }>;
}

export interface PrLimits {
  repository: number;
  /** The owning team's limit; Infinity when the PR has no team. */
  team: number;
}

/** The configured limits for a PR owned by `team` (`limits.teams` overrides `openPrsPerTeam`). */
export function prLimits(config: RepoConfig, team: string | null): PrLimits {
  return {
    repository: config.limits.openPrsPerRepository,
    team: team ? (config.limits.teams[team] ?? config.limits.openPrsPerTeam) : Number.POSITIVE_INFINITY,
  };
}

/** Which limit a new PR would break, or null when it fits. Pure. */
export function overLimit(
  counts: { repository: number; team: number | null },
  limits: PrLimits,
): { scope: "repository" | "team"; count: number; limit: number } | null {
  if (counts.repository >= limits.repository)
    return { scope: "repository", count: counts.repository, limit: limits.repository };
  if (counts.team !== null && counts.team >= limits.team)
    return { scope: "team", count: counts.team, limit: limits.team };
  return null;
}

/** The owner of a fix PR: the same resolution for the app and the CLI (the app also knows the org's teams). */
export function prOwner(input: OwnerInput, config: RepoConfig): OwnerDecision {
  return resolveOwner(input, config);
}

/** The branch of a fix: its group's, or one per rule and finding. */
export function prBranch(
  config: RepoConfig,
  plan: PatchPlan,
  findingId: string,
  group: PrGroup | null = null,
): string {
  return group?.branch ?? fixBranchName(config.branchPrefix, plan.ruleIds[0] ?? null, findingId);
}

export interface PrContentInput {
  host: GitHubHost;
  config: RepoConfig;
  plan: PatchPlan;
  /** The findings the PR carries, as the body presents them (ids in the commit trailer). */
  findings: PrFinding[];
  owner: OwnerDecision;
  verification: VerificationMode;
  /** The app answers comment commands and verifies; the CLI does neither. */
  origin: "app" | "cli";
  commands: Command[];
  /** The finding's tier and whether it must be reviewed by security whatever the tier says. */
  tier: Tier;
  forceSecurityReview: boolean;
}

export interface PrContent {
  title: string;
  body: string;
  commitMessage: string;
  labels: string[];
  assignees: string[];
  teamReviewers: string[];
  reviewers: string[];
}

/** Title, body, commit message, labels and reviewers of a fix PR. Pure. */
export function prContent(input: PrContentInput): PrContent {
  const { config, plan, owner } = input;
  const labels = labelsFor({ tier: input.tier, impactNotes: plan.impact.length > 0 }, config);
  if (input.forceSecurityReview && !labels.includes(config.securityReview.label))
    labels.push(config.securityReview.label);
  const body = renderPrBody({
    host: input.host,
    findings: input.findings,
    change: { files: plan.files.map((f) => f.path), diff: plan.diff, fixes: plan.fixes },
    impactNotes: plan.impact,
    verification: { mode: input.verification, waitHours: config.verification.waitHours },
    routing: owner.explanation,
    commands: input.commands,
    ...(input.origin === "cli" ? { origin: "cli" as const } : {}),
  });
  const review = config.owners.requestReview;
  return {
    title: prTitle(plan),
    body,
    commitMessage: fixCommitMessage(
      plan,
      input.findings.map((f) => f.id),
    ),
    labels,
    assignees: [...config.owners.assignees],
    teamReviewers: teamReviewers(config, labels, review ? owner.team : null),
    reviewers: review ? [...owner.reviewers] : [],
  };
}

/**
 * The owning team (when owners are asked to review) and, on a PR labelled for security review,
 * the configured `securityTeam`: docs/configuration.md promises the security team is requested.
 */
function teamReviewers(config: RepoConfig, labels: readonly string[], ownerTeam: string | null): string[] {
  const teams = ownerTeam ? [ownerTeam] : [];
  const security = config.securityTeam;
  if (security && labels.includes(config.securityReview.label) && !teams.includes(security))
    teams.push(security);
  return teams;
}

export type PrDecision =
  | { kind: "update"; pr: ExistingPr; changed: boolean }
  | { kind: "over-limit"; scope: "repository" | "team"; count: number; limit: number }
  | { kind: "open" };

/**
 * What to do with a fix: refresh the open PR it goes to (a new commit only when the fix changed),
 * wait for the open-PR limit, or open a PR. A resumed attempt (its branch or PR already made) is
 * finished whatever the limit says. Pure.
 */
export function decidePullRequest(facts: {
  existing: ExistingPr | null;
  changed: boolean;
  resuming: boolean;
  counts: { repository: number; team: number | null } | null;
  limits: PrLimits | null;
}): PrDecision {
  if (facts.existing) return { kind: "update", pr: facts.existing, changed: facts.changed };
  if (!facts.resuming && facts.counts && facts.limits) {
    const over = overLimit(facts.counts, facts.limits);
    if (over) return { kind: "over-limit", ...over };
  }
  return { kind: "open" };
}

export interface PrRequest {
  repository: RepoRef;
  baseBranch: string;
  base: { baseSha: string; baseTreeSha: string };
  branch: string;
  plan: PatchPlan;
  content: PrContent;
  team: string | null;
  /** null: no limit applies here (the CLI applies its own across the run, riskiest first). */
  limits: PrLimits | null;
  resume: { progress: PullRequestProgress; save: (p: PullRequestProgress) => Promise<void> };
}

export type PrOutcome =
  | { kind: "updated" | "unchanged"; pr: ExistingPr; commitSha: string | null }
  | { kind: "over-limit"; scope: "repository" | "team"; count: number; limit: number }
  | { kind: "opened"; opened: OpenedPullRequest; branch: string };

/** Decides with what `prs` knows, then acts through the platform. */
export async function deliverPullRequest(
  platform: Platform,
  prs: FixPullRequests,
  req: PrRequest,
): Promise<PrOutcome> {
  const existing = await prs.existing();
  const resuming = Boolean(req.resume.progress.prNumber || req.resume.progress.branch);
  const decision = decidePullRequest({
    existing,
    changed: existing ? await prs.fixChanged(existing, req.plan) : false,
    resuming,
    counts: existing || resuming || !req.limits ? null : await prs.openCounts(req.team),
    limits: req.limits,
  });
  if (decision.kind === "over-limit") return decision;
  const { content, plan, repository } = req;
  if (decision.kind === "update") {
    const { pr, changed } = decision;
    const commit = { branch: pr.branch, ...req.base, files: plan.files, message: content.commitMessage };
    const updated = await platform.updatePullRequest({
      repository,
      number: pr.number,
      title: content.title,
      body: content.body,
      ...(changed ? { commit } : {}),
    });
    return { kind: changed ? "updated" : "unchanged", pr, commitSha: updated.commitSha };
  }
  const draft: PullRequestDraft = {
    repository,
    baseBranch: req.baseBranch,
    ...req.base,
    branch: req.branch,
    title: content.title,
    body: content.body,
    commitMessage: content.commitMessage,
    files: plan.files,
    labels: content.labels,
    assignees: content.assignees,
    teamReviewers: content.teamReviewers,
    reviewers: content.reviewers,
  };
  const opened = await platform.openOrUpdatePullRequest(draft, req.resume);
  return { kind: "opened", opened, branch: req.branch };
}
