// A commit made through the Git Data API rather than a git push: GitHub signs commits created
// with an installation token through the API, so reviewers see them as Verified. One tree (only the
// changed files, inlined, on top of the base commit's tree), one commit, then the branch ref.

import type { GitHub, RepoRef } from "./client.ts";

export interface FileChange {
  path: string;
  /** The file's new content (UTF-8). */
  content: string;
}

export interface CommitInput {
  /** The commit the change is made on (the default branch head). */
  parentSha: string;
  /** That commit's tree: the new tree starts from it, so untouched files are not sent. */
  baseTreeSha: string;
  files: readonly FileChange[];
  message: string;
}

/** Creates the tree and commit (2 requests); returns the new commit's sha. */
export async function createCommit(gh: GitHub, repo: RepoRef, input: CommitInput): Promise<string> {
  const tree = await gh.rest.git.createTree({
    ...repo,
    base_tree: input.baseTreeSha,
    tree: input.files.map((f) => ({
      path: f.path,
      mode: "100644" as const,
      type: "blob" as const,
      content: f.content,
    })),
  });
  const commit = await gh.rest.git.createCommit({
    ...repo,
    message: input.message,
    tree: tree.data.sha,
    parents: [input.parentSha],
  });
  return commit.data.sha;
}

/**
 * Points `branch` at `sha`: creates the ref, or — when the branch already exists because an earlier
 * attempt created it — moves it (force: fixloop's branches hold only fixloop's own commit, rebuilt
 * on the current default branch each time). One request when the guess (`expect`) is right.
 */
export async function pointBranch(
  gh: GitHub,
  repo: RepoRef,
  branch: string,
  sha: string,
  expect: "new" | "existing" = "new",
): Promise<"created" | "moved"> {
  const create = () => gh.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
  const move = () => gh.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true });
  if (expect === "existing") {
    try {
      await move();
      return "moved";
    } catch (error) {
      // The branch was deleted (a reviewer cleaned up): make it again.
      if (!isStatus(error, 422, /does not exist|not found/i) && !isStatus(error, 404)) throw error;
      await create();
      return "created";
    }
  }
  try {
    await create();
    return "created";
  } catch (error) {
    if (!isStatus(error, 422, /already exists/i)) throw error;
    await move();
    return "moved";
  }
}

function isStatus(error: unknown, status: number, message?: RegExp): boolean {
  const e = error as { status?: number; message?: string };
  return e.status === status && (!message || message.test(e.message ?? ""));
}
