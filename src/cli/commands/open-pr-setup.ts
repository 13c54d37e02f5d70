// `fixloop fix --open-pr`, before any pull request: the token, the checkout (HEAD is the base and
// must be on GitHub), which repository it is (GITHUB_REPOSITORY or the origin remote), and the
// configuration and CODEOWNERS as committed at HEAD. Local checks come first, so a mistake costs no
// request. `_extends` in fixloop.yml is followed only by the GitHub App: the CLI has no access to
// the organization's .github repository, so the file's own settings apply (with a warning).

import { realpath } from "node:fs/promises";
import { relative, sep } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import { parse as parseYaml } from "yaml";
import { errorsAsLine } from "../../config/config-errors.ts";
import { DEFAULT_REPO_CONFIG, parseRepoConfig, type RepoConfig } from "../../config/repo-config.ts";
import { type GitHub, type TokenClientOptions, tokenClient } from "../../github/client.ts";
import { type GitHubHost, hostFromEnv } from "../../github/hosts.ts";
import { OctokitPlatform } from "../../github/octokit-platform.ts";
import { fullName, type Platform, type RepoRef } from "../../github/platform.ts";
import { CODEOWNERS_PATHS, scrubToken } from "../../github/repo-source.ts";
import { parseCodeowners } from "../../owners/codeowners.ts";
import { CliError, type CliIo } from "../io.ts";

export const CONFIG_PATH = ".github/fixloop.yml";

export interface OpenPrDeps {
  /** How the client is made from the token (tests turn rate-limit handling off). */
  client?: (options: TokenClientOptions) => GitHub;
}

export interface OpenPrSetup {
  platform: Platform;
  host: GitHubHost;
  repository: RepoRef;
  config: RepoConfig;
  git: SimpleGit;
  /** `<dir>` relative to the repository root, "" at the root. */
  prefix: string;
  base: { baseSha: string; baseTreeSha: string };
  scrub: (text: string) => string;
}

/** The token, checked before any work: without one there is nothing --open-pr can do. */
export function requireToken(io: CliIo): string {
  const token = (io.env ?? process.env).GITHUB_TOKEN?.trim();
  if (!token)
    throw new CliError(
      "--open-pr needs a token in GITHUB_TOKEN with contents, pull requests and issues write access (in GitHub Actions, set it from secrets.GITHUB_TOKEN in the step's env)",
    );
  return token;
}

/** Everything local first (checkout, repository, configuration), so a mistake costs no request. */
export async function prepareOpenPr(
  root: string,
  token: string,
  io: CliIo,
  deps: OpenPrDeps,
): Promise<OpenPrSetup> {
  const env = io.env ?? process.env;
  const git = simpleGit(root);
  if (!(await git.checkIsRepo().catch(() => false)))
    throw new CliError(`${root}: --open-pr needs a git checkout of the repository, and this is not one`);
  const top = (await git.revparse(["--show-toplevel"])).trim();
  const prefix = relative(top, await realpath(root))
    .split(sep)
    .join("/");
  const baseSha = (await git.raw(["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "")).trim();
  if (!baseSha) throw new CliError("the checkout has no commit yet: commit and push it first");
  const baseTreeSha = (await git.raw(["rev-parse", "HEAD^{tree}"])).trim();
  const repository = repositoryFromEnv(env.GITHUB_REPOSITORY) ?? (await repositoryFromOrigin(git));
  const config = await configAtHead(git, io);
  const host = hostFromEnv(env);
  const make = deps.client ?? tokenClient;
  const gh = make({ token, host, onWarning: (m) => io.stderr.write(`warning: ${m}\n`) });
  return {
    platform: new OctokitPlatform(gh),
    host,
    repository,
    config,
    git,
    prefix,
    base: { baseSha, baseTreeSha },
    scrub: (t) => scrubToken(t, token),
  };
}

/** `GITHUB_REPOSITORY` as GitHub Actions sets it; null when unset. */
export function repositoryFromEnv(value: string | undefined): RepoRef | null {
  if (!value) return null;
  const m = /^([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+)$/.exec(value.trim());
  if (!m)
    throw new CliError(`GITHUB_REPOSITORY must be owner/repo (got ${JSON.stringify(value.slice(0, 100))})`);
  return { owner: m[1] as string, repo: m[2] as string };
}

/** owner/repo from an https, ssh or scp-like remote URL (the last two path segments, for GHES too). */
export function parseRemoteUrl(url: string): RepoRef | null {
  const scp = /^[^/@\s]+@[^:/\s]+:(.+)$/.exec(url);
  let path = scp?.[1];
  if (!path) {
    try {
      path = new URL(url).pathname;
    } catch {
      return null;
    }
  }
  const parts = path
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter(Boolean);
  const [owner, repo] = parts.slice(-2);
  if (!owner || !repo || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(owner) || !/^[A-Za-z0-9._-]+$/.test(repo))
    return null;
  return { owner, repo };
}

async function repositoryFromOrigin(git: SimpleGit): Promise<RepoRef> {
  const url = await git.remote(["get-url", "origin"]).catch(() => undefined);
  // The URL itself is never echoed: a remote can carry credentials.
  const repo = typeof url === "string" ? parseRemoteUrl(url.trim()) : null;
  if (!repo)
    throw new CliError(
      "cannot tell which GitHub repository this checkout is: set GITHUB_REPOSITORY=owner/repo",
    );
  return repo;
}

export async function readAtHead(git: SimpleGit, path: string): Promise<string | null> {
  return git.show([`HEAD:${path}`]).catch(() => null);
}

/** `.github/fixloop.yml` as committed: any error means nothing is opened, never a half-applied file. */
async function configAtHead(git: SimpleGit, io: CliIo): Promise<RepoConfig> {
  const text = await readAtHead(git, CONFIG_PATH);
  if (text === null) return DEFAULT_REPO_CONFIG;
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new CliError(`${CONFIG_PATH} is not valid YAML: ${firstLine((e as Error).message)}`);
  }
  if (raw && typeof raw === "object" && "_extends" in raw)
    io.stderr.write(
      `warning: ${CONFIG_PATH}: _extends is followed only by the GitHub App; the CLI applies this file's own settings\n`,
    );
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok)
    throw new CliError(
      `${CONFIG_PATH} is invalid (${errorsAsLine(parsed.errors)}); no pull request was opened`,
    );
  return parsed.config;
}

export async function codeownersAtHead(git: SimpleGit) {
  for (const path of CODEOWNERS_PATHS) {
    const text = await readAtHead(git, path);
    if (text !== null) return { path, rules: parseCodeowners(text).rules };
  }
  return null;
}

/** The base must be on GitHub (2 requests); returns the branch the PRs target. */
export async function checkBase(setup: OpenPrSetup, base: string | undefined): Promise<string> {
  const { platform, repository } = setup;
  const defaultBranch = await platform
    .defaultBranch(repository)
    .catch((e) => Promise.reject(githubFailure(e, `read ${fullName(repository)}`, setup.scrub)));
  const onGitHub = await platform
    .commitExists(repository, setup.base.baseSha)
    .catch((e) => Promise.reject(githubFailure(e, `look up HEAD in ${fullName(repository)}`, setup.scrub)));
  if (!onGitHub)
    throw new CliError(
      `HEAD (${setup.base.baseSha.slice(0, 12)}) is not on ${fullName(repository)}: push your branch first, the pull requests are built on that commit`,
    );
  return base ?? defaultBranch;
}

export function githubFailure(error: unknown, what: string, scrub: (t: string) => string): CliError {
  const e = error as { status?: number; message?: string };
  const hint =
    e.status === 401
      ? "; the token was rejected (expired or revoked?)"
      : e.status === 403 || e.status === 404
        ? "; the token needs contents, pull requests and issues write access to the repository"
        : "";
  const status = e.status ? ` (HTTP ${e.status})` : "";
  return new CliError(scrub(`GitHub: could not ${what}${status}: ${firstLine(e.message)}${hint}`));
}

const firstLine = (s: string | undefined) => (s ?? "").split("\n")[0]?.slice(0, 300) ?? "";
