// Committing a fix in the user's checkout (`fixloop fix --branch`), with simple-git.

import { execFile } from "node:child_process";
import { relative, resolve } from "node:path";
import { CliError } from "./io.ts";

export interface PreparedBranch {
  commit(files: string[], message: string): Promise<string>;
}

/**
 * A --branch value fixloop will pass to git, or a CliError saying why not. Names git would read as
 * an option (`-…`) or as a reflog expression (`@{-1}` is "the previous branch") are refused before
 * git sees them; `git check-ref-format --branch` then judges the rest.
 */
export function checkBranchName(branch: string): void {
  const shown = JSON.stringify(branch);
  if (branch === "") throw new CliError("--branch needs a name");
  if (branch.startsWith("-")) throw new CliError(`--branch ${shown}: a branch name cannot start with "-"`);
  if (branch.includes("@{")) throw new CliError(`--branch ${shown}: a branch name cannot contain "@{"`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(branch) || branch.length > 200)
    throw new CliError(`--branch ${shown} is not a valid branch name`);
}

/** Checks the checkout can take the branch (a repo, branch name free, files clean), then switches to it. */
export async function prepareBranch(root: string, branch: string, files: string[]): Promise<PreparedBranch> {
  checkBranchName(branch);
  // Loaded here, not at the top: `fixloop scan` never commits, and simple-git is most of its start-up.
  const { simpleGit } = await import("simple-git");
  const git = simpleGit(root);
  if (!(await git.checkIsRepo()))
    throw new CliError(`${root}: --branch needs a git checkout, and this is not one`);
  const top = (await git.revparse(["--show-toplevel"])).trim();
  const check = await git.raw(["check-ref-format", "--branch", branch]).catch(() => undefined);
  if (check?.trim() !== branch)
    throw new CliError(`--branch ${JSON.stringify(branch)} is not a valid branch name`);
  const branches = await git.branchLocal();
  if (branches.all.includes(branch))
    throw new CliError(`branch "${branch}" already exists; pick another name or delete it`);
  const repoPaths = files.map((f) => relative(top, resolve(root, f)));
  const status = await git.status();
  const dirty = repoPaths.filter((p) => status.files.some((s) => s.path === p));
  if (dirty.length) {
    throw new CliError(
      `${dirty.join(", ")} ha${dirty.length === 1 ? "s" : "ve"} uncommitted changes; commit or stash them first`,
    );
  }
  await git.checkoutLocalBranch(branch);
  return {
    async commit(changed, message) {
      try {
        await git.add(changed.map((f) => relative(top, resolve(root, f))).map((p) => `:(top)${p}`));
        const result = await git.commit(message);
        return result.commit;
      } catch (e) {
        const first = String((e as Error).message)
          .trim()
          .split("\n")[0];
        throw new CliError(`the files are written on branch ${branch}, but git commit failed: ${first}`);
      }
    },
  };
}

/** The git top level of the work tree holding `dir` (real path), or undefined outside one or without git. */
export async function repositoryTop(dir: string): Promise<string | undefined> {
  // `git rev-parse` run directly: scan asks this on every run, and loading simple-git for it cost
  // more than the answer.
  const top = await new Promise<string | undefined>((done) => {
    execFile("git", ["rev-parse", "--show-toplevel"], { cwd: dir }, (err, stdout) =>
      done(err ? undefined : stdout),
    );
  });
  return top?.trim() || undefined;
}
