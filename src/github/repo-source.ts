// A repository's Terraform source, fetched with git instead of one API call per file: a shallow,
// blob-less fetch (commits and trees only), then a sparse checkout that materializes just the
// files fixloop reads — the `.tf`/`.tfvars` files `readTerraformTree` loads and CODEOWNERS — in
// one batched blob fetch. Each repository keeps a cache directory, so an unchanged branch costs
// one `ls-remote` round trip, and a head already known from a push webhook costs none.

import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import type { SourceFile } from "../hcl/index.ts";
import { readTerraformTree } from "../hcl/load.ts";
import { fullName, type RepoRef } from "./client.ts";

export interface RepoSnapshot {
  repository: RepoRef;
  branch: string;
  /** The commit the files are from. */
  sha: string;
  treeSha: string;
  /** Every `.tf` and `.tfvars` file (and their `.json` forms), paths relative to the repository root with `/`. */
  files: SourceFile[];
  /** The CODEOWNERS file GitHub would use, or null. */
  codeowners: { path: string; text: string } | null;
  /** Whether this call fetched from the remote (false: served from the cache). */
  fetched: boolean;
}

/** What went wrong, and how a message says it. */
const REASONS = {
  INVALID_INPUT: "invalid input",
  BRANCH_NOT_FOUND: "the branch does not exist",
  AUTH_FAILED: "authentication failed (is the app installed on the repository, and the token current?)",
  REPO_NOT_FOUND: "the repository was not found, or the token cannot read it",
  GIT_FAILED: "git failed",
  READ_FAILED: "reading the files failed",
} as const;

export type RepoSourceErrorCode = keyof typeof REASONS;

/** A failure that names the repository and what went wrong, never a credential. */
export class RepoSourceError extends Error {
  constructor(
    readonly code: RepoSourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RepoSourceError";
  }
}

/** GitHub's CODEOWNERS locations, in the order GitHub searches them; the first one found is used. */
export const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

/** GitHub does not load a CODEOWNERS file of 3 MB or more (docs: "CODEOWNERS files must be under 3 MB"). */
const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

/**
 * Sparse-checkout patterns (non-cone mode: cone mode can only select whole directories, and
 * `*.tf` must match at any depth). `.gitattributes` is included because checkout reads it for
 * every directory it writes to: left out, git would lazily fetch each one in its own round trip
 * instead of in the one batch.
 */
export const SPARSE_PATTERNS = [
  "*.tf",
  "*.tfvars",
  "*.tf.json",
  "*.tfvars.json",
  ".gitattributes",
  ...CODEOWNERS_PATHS.map((p) => `/${p}`),
] as const;

/** The local ref each fetch lands on; one ref, so commits of earlier heads become garbage. */
const FETCHED_REF = "refs/fixloop/fetched";

const FETCH = ["fetch", "--quiet", "--no-tags", "--depth=1", "--filter=blob:none", "origin"];
const NAME = /^[A-Za-z0-9._-]+$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The header that authenticates git over HTTPS with a GitHub App installation token. Passed per
 * command in git's environment (gitAuthEnv), so the token is never in the remote URL, in
 * `.git/config`, or on a command line (which every local user can read in /proc/<pid>/cmdline).
 */
export function authHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

/**
 * The environment that gives one git command `http.extraHeader` (git ≥ 2.31 reads configuration from
 * GIT_CONFIG_COUNT/KEY_n/VALUE_n). A process's environment is readable only by its own user and
 * root, unlike its argv.
 */
export function gitAuthEnv(token: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: authHeader(token),
  };
}

const AUTH_ENV_KEYS = Object.keys(gitAuthEnv("x"));

/** Replaces every form in which a token could appear (raw, base64 pair, header) with `***`. */
export function scrubToken(text: string, token: string | undefined): string {
  if (!token) return text;
  const forms = [authHeader(token), authHeader(token).slice("Authorization: Basic ".length), token];
  return forms.reduce((out, secret) => out.split(secret).join("***"), text);
}

/**
 * simple-git for a cache directory, with git's terminal prompt disabled: a rejected token must
 * fail the command, not wait for someone to type a password on the server's terminal. simple-git
 * refuses an explicit `GIT_*` variable unless allowed, and the environment passed replaces the
 * process's, so the ambient variables are kept minus the ones simple-git guards. A custom
 * factory should do the same.
 */
export function defaultGit(dir: string, extraEnv: Readonly<Record<string, string>> = {}): SimpleGit {
  const guarded = new Set(["editor", "pager", "prefix", "ssh_askpass", "visual"]);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const k = key.toLowerCase();
    if (value !== undefined && !k.startsWith("git_") && !guarded.has(k)) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  Object.assign(env, extraEnv);
  const auth =
    Object.keys(extraEnv).every((k) => AUTH_ENV_KEYS.includes(k)) && "GIT_CONFIG_COUNT" in extraEnv;
  return simpleGit({
    baseDir: dir,
    allowEnvironment: ["GIT_TERMINAL_PROMPT", ...Object.keys(extraEnv)],
    // simple-git refuses GIT_CONFIG_COUNT unless allowed; only the auth header's variables are.
    ...(auth ? { unsafe: { allowUnsafeConfigEnvCount: true } } : {}),
    // simple-git treats a non-zero exit with an empty stderr as success; a failed git step must fail.
    errors: (error, result) =>
      error ?? (result.exitCode ? new Error(`git exited with ${result.exitCode}`) : undefined),
  }).env(env);
}

/** git's words for each failure, from its stderr and GitHub's `remote:` lines. */
const FAILURES: Array<[RegExp, RepoSourceErrorCode]> = [
  [/couldn't find remote ref|remote ref does not exist/i, "BRANCH_NOT_FOUND"],
  [/repository\b.*not found|does not appear to be a git repository/i, "REPO_NOT_FOUND"],
  [/Authentication failed|could not read (Username|Password)|returned error: 40[13]/i, "AUTH_FAILED"],
  [/Invalid username or password|terminal prompts disabled/i, "AUTH_FAILED"],
];

/** What git's error text says went wrong, for a message a person can act on. */
export function classifyGitFailure(stderr: string): RepoSourceErrorCode {
  return FAILURES.find(([pattern]) => pattern.test(stderr))?.[1] ?? "GIT_FAILED";
}

export interface RepoSourceOptions {
  /** One subdirectory per repository is created under it. */
  cacheDir: string;
  /** The remote without credentials, e.g. `(r) => gitRemoteUrl(host, r.owner, r.repo)`. */
  remoteUrl: (r: RepoRef) => string;
  /** A git for a directory; `env` is added to its environment (the token's header, for remote commands). */
  git?: (dir: string, env?: Readonly<Record<string, string>>) => SimpleGit;
  /**
   * The disk the cache may use (FIXLOOP_CACHE_MAX_BYTES); past it, the repositories used least
   * recently are removed (never one with a git operation in flight). Absent: no bound.
   */
  maxBytes?: number;
}

/** One snapshot call's git: cache directory, the repository's name for messages, remote, token. */
interface Session {
  git: SimpleGit;
  /** The same git with the token's header in its environment, for commands that reach the remote. */
  remoteGit: SimpleGit;
  dir: string;
  name: string;
  url: string;
  token: string | undefined;
}

export class RepoSourceCache {
  readonly #options: RepoSourceOptions;
  readonly #git: (dir: string, env?: Readonly<Record<string, string>>) => SimpleGit;
  /** The tail of each repository's queue: one git operation per cache directory at a time. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Disk used by each cache directory, least recently used first (Map order). */
  readonly #sizes = new Map<string, number>();
  /** The directories already on disk when the process started, measured once (first snapshot). */
  #loaded: Promise<void> | undefined;

  constructor(options: RepoSourceOptions) {
    this.#options = options;
    this.#git = options.git ?? defaultGit;
  }

  /** Disk used by the cache directories this process knows of, in bytes. */
  get bytes(): number {
    let total = 0;
    for (const size of this.#sizes.values()) total += size;
    return total;
  }

  /** Fetches unless the cached snapshot is at `knownSha` (e.g. from a push webhook) — then 0 network. */
  async snapshot(
    r: RepoRef,
    branch: string,
    auth: { token: string } | null,
    knownSha?: string,
  ): Promise<RepoSnapshot> {
    const dir = this.#dirFor(r);
    const name = fullName(r);
    const url = this.#options.remoteUrl(r);
    const invalid =
      knownSha !== undefined && !SHA.test(knownSha)
        ? `"${knownSha}" is not a commit sha`
        : !isBranchName(branch)
          ? `"${branch}" is not a valid branch name`
          : hasCredentials(url)
            ? "the remote URL carries credentials; pass the token as auth instead"
            : null;
    if (invalid) throw new RepoSourceError("INVALID_INPUT", `${name}: ${invalid}`);
    if (this.#options.maxBytes !== undefined) {
      this.#loaded ??= this.#loadSizes();
      await this.#loaded;
    }
    const snap = await this.#serial(dir, async () => {
      await mkdir(dir, { recursive: true });
      const token = auth?.token;
      const git = this.#git(dir);
      const remoteGit = token ? this.#git(dir, gitAuthEnv(token)) : git;
      const s: Session = { git, remoteGit, dir, name, url, token };
      const result = await this.#snapshot(s, r, branch, knownSha).catch((e: unknown) => {
        // A failed fetch may have removed the directory.
        if (!existsSync(dir)) this.#sizes.delete(dir);
        throw e;
      });
      await this.#used(dir, result.fetched || !this.#sizes.has(dir));
      return result;
    });
    this.#evict(dir);
    return snap;
  }

  /** Marks a directory most recently used, measuring it again when its content changed. */
  async #used(dir: string, changed: boolean): Promise<void> {
    if (this.#options.maxBytes === undefined) return;
    const size = changed ? await diskUsage(dir) : (this.#sizes.get(dir) ?? 0);
    this.#sizes.delete(dir);
    this.#sizes.set(dir, size);
  }

  /**
   * Removes the least recently used directories until the cache fits its bound. A directory with a
   * git operation in flight or queued is in use and stays, and so does the one just used: the
   * bound may be exceeded while they are larger than it.
   */
  #evict(justUsed: string): void {
    const max = this.#options.maxBytes;
    if (max === undefined) return;
    let total = this.bytes;
    for (const [dir, size] of this.#sizes) {
      if (total <= max) return;
      if (dir === justUsed || this.#queues.has(dir)) continue;
      total -= size;
      this.#sizes.delete(dir);
      this.#serial(dir, () => rm(dir, { recursive: true, force: true })).catch(() => {});
    }
  }

  /** The cache directories left by an earlier process, oldest checkout first, with their sizes. */
  async #loadSizes(): Promise<void> {
    const root = this.#options.cacheDir;
    const found: Array<{ dir: string; at: number; size: number }> = [];
    for (const owner of await readdir(root).catch(() => [] as string[])) {
      for (const repo of await readdir(join(root, owner)).catch(() => [] as string[])) {
        const dir = join(root, owner, repo);
        const at = (await stat(join(dir, ".git", "index")).catch(() => undefined))?.mtimeMs ?? 0;
        found.push({ dir, at, size: await diskUsage(dir) });
      }
    }
    found.sort((a, b) => a.at - b.at);
    for (const { dir, size } of found) if (!this.#sizes.has(dir)) this.#sizes.set(dir, size);
  }

  /** Drops a repository's cache (uninstalled or deleted repository); runs after calls in flight. */
  forget(r: RepoRef): void {
    const dir = this.#dirFor(r);
    this.#sizes.delete(dir);
    // A directory that cannot be removed is re-initialized or reused by the next snapshot.
    this.#serial(dir, () => rm(dir, { recursive: true, force: true })).catch(() => {});
  }

  #dirFor(r: RepoRef): string {
    for (const part of [r.owner, r.repo]) {
      if (!NAME.test(part) || part === "." || part === "..")
        throw new RepoSourceError("INVALID_INPUT", `"${part}" is not a GitHub owner or repository name`);
    }
    // GitHub names are case-insensitive: Acme/Infra and acme/infra share one cache.
    return join(this.#options.cacheDir, r.owner.toLowerCase(), r.repo.toLowerCase());
  }

  #serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const run = (this.#queues.get(key) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => {});
    this.#queues.set(key, tail);
    tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return run;
  }

  async #snapshot(s: Session, r: RepoRef, branch: string, knownSha?: string): Promise<RepoSnapshot> {
    await this.#open(s);
    const snap = (sha: string, fetched: boolean) => read(s, r, branch, sha, fetched);
    const head = (
      await s.git.raw(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).catch(() => "")
    ).trim();
    if (knownSha !== undefined && head === knownSha) return snap(head, false);

    await setRemote(s);
    const remoteSha = knownSha ?? (await lsRemote(s, branch));
    if (head === remoteSha) return snap(head, false);

    try {
      const refspec = `+refs/heads/${branch}:${FETCHED_REF}`;
      await run(s, `fetching branch "${branch}"`, [...FETCH, refspec], true);
      // The branch may have moved since ls-remote: what was fetched is the truth.
      const sha = (await run(s, "reading the fetched head", ["rev-parse", FETCHED_REF])).trim();
      // Checkout fetches the sparse files' missing blobs in one batch, hence the token here too.
      await run(s, `checking out ${sha}`, ["checkout", "--quiet", "--force", "--detach", sha], true);
      return await snap(sha, true);
    } catch (e) {
      // An unexplained failure (a lock left by a killed process, a broken object store) is not
      // retried into: the next call starts from an empty cache.
      if (e instanceof RepoSourceError && e.code === "GIT_FAILED")
        await rm(s.dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * The cache repository, created on first use: empty, sparse, no working files yet. Done once the
   * patterns file exists — a cache without it would check out the whole repository.
   */
  async #open(s: Session): Promise<void> {
    if (existsSync(join(s.dir, ".git", "info", "sparse-checkout"))) return;
    await run(s, "creating the cache", ["init", "--quiet"]);
    await run(s, "configuring the cache", ["sparse-checkout", "set", "--no-cone", ...SPARSE_PATTERNS]);
  }
}

/**
 * Runs git, with the token's header in the environment when the command talks to the remote.
 * Failures name the repository and the step, never the token.
 */
async function run(s: Session, doing: string, args: string[], remote = false): Promise<string> {
  try {
    return await (remote ? s.remoteGit : s.git).raw(args);
  } catch (e) {
    // The original error is not attached as `cause`: its text may hold what is scrubbed here.
    const text = scrubToken(e instanceof Error ? e.message : String(e), s.token);
    const code = classifyGitFailure(text);
    const why = code === "GIT_FAILED" ? `git failed: ${lastLine(text)}` : REASONS[code];
    throw new RepoSourceError(code, `${s.name}: ${doing}: ${why}`);
  }
}

async function setRemote(s: Session): Promise<void> {
  const current = await s.git.raw(["config", "--get", "remote.origin.url"]).catch(() => "");
  if (current.trim() !== s.url) await run(s, "setting the remote", ["config", "remote.origin.url", s.url]);
}

async function lsRemote(s: Session, branch: string): Promise<string> {
  const ref = `refs/heads/${branch}`;
  const out = await run(s, `looking up branch "${branch}"`, ["ls-remote", "origin", ref], true);
  // ls-remote matches patterns against ref tails; only the exact ref counts.
  const sha = out
    .split("\n")
    .map((l) => l.split("\t"))
    .find((cols) => cols[1] === ref)?.[0];
  if (!sha) throw new RepoSourceError("BRANCH_NOT_FOUND", `${s.name}: branch "${branch}" does not exist`);
  return sha;
}

async function read(
  s: Session,
  r: RepoRef,
  branch: string,
  sha: string,
  fetched: boolean,
): Promise<RepoSnapshot> {
  const treeSha = (await run(s, "reading the tree", ["rev-parse", `${sha}^{tree}`])).trim();
  try {
    // The same loader as for a local checkout, so both see the same files.
    const files = await readTerraformTree(s.dir);
    return { repository: r, branch, sha, treeSha, files, codeowners: await readCodeowners(s.dir), fetched };
  } catch (e) {
    const detail = e instanceof Error ? e.message.split(s.dir).join("<cache>") : String(e);
    throw new RepoSourceError("READ_FAILED", `${s.name}: reading the fetched files failed: ${detail}`);
  }
}

/** The first CODEOWNERS GitHub would find; a symlink is not followed (its target is not repository content). */
async function readCodeowners(dir: string): Promise<RepoSnapshot["codeowners"]> {
  for (const path of CODEOWNERS_PATHS) {
    const info = await lstat(join(dir, path)).catch(() => undefined);
    if (!info?.isFile()) continue;
    if (info.size >= CODEOWNERS_MAX_BYTES) return null;
    return { path, text: await readFile(join(dir, path), "utf8") };
  }
  return null;
}

/** Disk blocks used by a directory tree (what `du` reports), symlinks not followed. */
export async function diskUsage(dir: string): Promise<number> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info) return 0;
  let total = info.blocks * 512;
  if (!info.isDirectory()) return total;
  for (const name of await readdir(dir).catch(() => [] as string[]))
    total += await diskUsage(join(dir, name));
  return total;
}

/** git's ref-name rules (git-check-ref-format(1)), plus no leading `-`: never read as an option. */
export function isBranchName(branch: string): boolean {
  return (
    branch !== "" &&
    branch !== "@" &&
    !/[\p{Cc} ~^:?*[\\]|\.\.|@\{|\/\/|^[-/]|[/.]$|\.lock(\/|$)|(^|\/)\./u.test(branch)
  );
}

function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    // An ssh user name (`ssh://git@host/…`) is not a secret; anything else in the userinfo is.
    return parsed.password !== "" || (parsed.username !== "" && parsed.protocol !== "ssh:");
  } catch {
    return false;
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() || "unknown error";
}
