// Opening and refreshing fix pull requests. Six requests for a new PR — tree, commit, ref, PR,
// labels + assignees (one issue update), team review — and each step saves what it made, so a
// retry after a crash adopts the branch and the PR an earlier attempt created instead of
// opening a second one.

import type { GitHub } from "./client.ts";
import { createCommit, pointBranch } from "./git-data.ts";
import type {
  OpenedPullRequest,
  PullRequestDraft,
  PullRequestProgress,
  PullRequestUpdate,
  RepoRef,
} from "./platform.ts";

export type { OpenedPullRequest, PullRequestDraft, PullRequestProgress, PullRequestUpdate };

export async function openPullRequest(
  gh: GitHub,
  draft: PullRequestDraft,
  progress: PullRequestProgress,
  save: (p: PullRequestProgress) => Promise<void>,
): Promise<OpenedPullRequest> {
  const repo = draft.repository;
  let state = { ...progress };
  // A previous attempt that got as far as the branch, on the same base, already made this commit.
  if (!(state.commitSha && state.branch === draft.branch && state.baseSha === draft.baseSha)) {
    const commitSha = await createCommit(gh, repo, {
      parentSha: draft.baseSha,
      baseTreeSha: draft.baseTreeSha,
      files: draft.files,
      message: draft.commitMessage,
    });
    await pointBranch(gh, repo, draft.branch, commitSha);
    state = { branch: draft.branch, commitSha, baseSha: draft.baseSha };
    await save(state);
  }
  let adopted = false;
  if (!state.prNumber && progress.branch) {
    // A retry: the crash may have come after GitHub created the PR but before we saved it.
    const existing = await gh.rest.pulls.list({
      ...repo,
      head: `${repo.owner}:${draft.branch}`,
      state: "open",
    });
    const pr = existing.data[0];
    if (pr) {
      state = { ...state, prNumber: pr.number, prUrl: pr.html_url };
      adopted = true;
      await save(state);
    }
  }
  if (!state.prNumber) {
    const pr = await gh.rest.pulls.create({
      ...repo,
      title: draft.title,
      head: draft.branch,
      base: draft.baseBranch,
      body: draft.body,
      maintainer_can_modify: true,
    });
    state = { ...state, prNumber: pr.data.number, prUrl: pr.data.html_url };
    await save(state);
  }
  const number = state.prNumber as number;
  if (draft.labels.length > 0 || draft.assignees.length > 0)
    await gh.rest.issues.update({
      ...repo,
      issue_number: number,
      labels: [...draft.labels],
      ...(draft.assignees.length > 0 ? { assignees: [...draft.assignees] } : {}),
    });
  const reviewProblem = await requestReview(gh, repo, number, {
    teams: draft.teamReviewers,
    users: draft.reviewers,
  });
  return { number, url: state.prUrl as string, commitSha: state.commitSha as string, reviewProblem, adopted };
}

/** Asks `who` for review; a refusal GitHub explains (422, 404) is returned as text, not thrown. */
export async function requestReview(
  gh: GitHub,
  repo: RepoRef,
  number: number,
  who: { teams: readonly string[]; users: readonly string[] },
): Promise<string | null> {
  // `org/team` → the team's slug (a review request names teams of the repository's organization).
  const teams = who.teams.map((t) => t.split("/").pop() as string);
  if (teams.length === 0 && who.users.length === 0) return null;
  try {
    await gh.rest.pulls.requestReviewers({
      ...repo,
      pull_number: number,
      ...(teams.length > 0 ? { team_reviewers: teams } : {}),
      ...(who.users.length > 0 ? { reviewers: [...who.users] } : {}),
    });
    return null;
  } catch (error) {
    const e = error as { status?: number; message?: string };
    // 422: the team or user cannot review here (no access to the repository, or the author).
    if (e.status === 422 || e.status === 404)
      return `GitHub refused the review request for ${[...who.teams, ...who.users].join(", ")}: ${firstLine(e.message)}`;
    throw error;
  }
}

const firstLine = (s: string | undefined) => (s ?? "").split("\n")[0]?.slice(0, 300) ?? "";

/** Refreshes an open fix PR: a new commit only when the fix changed, then the body (1–4 requests). */
export async function updatePullRequest(
  gh: GitHub,
  update: PullRequestUpdate,
): Promise<{ commitSha: string | null }> {
  let commitSha: string | null = null;
  if (update.commit) {
    commitSha = await createCommit(gh, update.repository, {
      parentSha: update.commit.baseSha,
      baseTreeSha: update.commit.baseTreeSha,
      files: update.commit.files,
      message: update.commit.message,
    });
    await pointBranch(gh, update.repository, update.commit.branch, commitSha, "existing");
  }
  await gh.rest.pulls.update({
    ...update.repository,
    pull_number: update.number,
    title: update.title,
    body: update.body,
  });
  return { commitSha };
}
