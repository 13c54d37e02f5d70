// RepoSourceCache against real git repositories served as file:// URLs (and one HTTP server that
// refuses every token), so the fetch, sparse checkout and caching are git's, not a mock's.

import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RepoRef } from "../../src/github/client.ts";
import {
  authHeader,
  classifyGitFailure,
  defaultGit,
  isBranchName,
  RepoSourceCache,
  RepoSourceError,
  scrubToken,
} from "../../src/github/repo-source.ts";

const FIXTURE = join(import.meta.dirname, "../../fixtures/repos/cspm-demo");
const REPO: RepoRef = { owner: "acme", repo: "infra" };
const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

let root: string;
let source: string;
let cacheDir: string;
/** Every git command the cache ran, as its subcommand and arguments (without `-c` options). */
let commands: string[][];

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd,
    encoding: "utf8",
  });
}

function write(path: string, text: string) {
  mkdirSync(dirname(join(source, path)), { recursive: true });
  writeFileSync(join(source, path), text);
}

function commit(message: string): string {
  git(source, "add", "-A");
  git(source, "commit", "--quiet", "-m", message);
  return git(source, "rev-parse", "HEAD").trim();
}

function cache(): RepoSourceCache {
  return new RepoSourceCache({
    cacheDir,
    remoteUrl: () => pathToFileURL(source).href,
    git: (dir, env) => {
      const instance = defaultGit(dir, env);
      const raw = instance.raw.bind(instance);
      instance.raw = ((args: string[]) => {
        const plain = [...args];
        while (plain[0] === "-c") plain.splice(0, 2);
        commands.push(plain);
        return raw(args);
      }) as typeof instance.raw;
      return instance;
    },
  });
}

const ran = (sub: string) => commands.filter((c) => c[0] === sub).length;
const cached = () => join(cacheDir, "acme", "infra");

/** Files in the cache's working tree, excluding .git. */
function worktree(): string[] {
  const dir = cached();
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((p) => !p.startsWith(".git/"))
    .sort();
}

/** Blobs present in the cache's object store (a lazy fetch would add to them). */
function blobCount(): number {
  const out = execFileSync("git", ["cat-file", "--batch-all-objects", "--batch-check=%(objecttype)"], {
    cwd: cached(),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return out.split("\n").filter((t) => t === "blob").length;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fixloop-repo-source-"));
  source = join(root, "source");
  cacheDir = join(root, "cache");
  commands = [];
  mkdirSync(source);
  git(source, "init", "--quiet", "--initial-branch=main");
  git(source, "config", "uploadpack.allowFilter", "true");
  cpSync(FIXTURE, source, { recursive: true });
  write(".github/CODEOWNERS", "*.tf @acme/platform\n");
  write("CODEOWNERS", "* @acme/everyone\n");
  write("README.md", "# infra\n");
  write("scripts/deploy.sh", "#!/bin/sh\nterraform apply\n");
  write("docs/big.json", JSON.stringify({ data: "x".repeat(50_000) }));
  write(".gitattributes", "*.tf text eol=lf\n");
  commit("initial");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("RepoSourceCache.snapshot", () => {
  it("materializes only the Terraform files and CODEOWNERS, at the branch head", async () => {
    const head = git(source, "rev-parse", "HEAD").trim();
    const snap = await cache().snapshot(REPO, "main", null);

    expect(snap.sha).toBe(head);
    expect(snap.treeSha).toBe(git(source, "rev-parse", "HEAD^{tree}").trim());
    expect(snap.fetched).toBe(true);
    expect(snap.branch).toBe("main");
    expect(snap.repository).toEqual(REPO);
    expect(snap.files.map((f) => f.path)).toEqual([
      "envs/prod/main.tf",
      "envs/prod/terraform.tfvars",
      "envs/prod/variables.tf",
      "envs/staging/main.tf",
    ]);
    expect(snap.files[0]?.text).toBe(readFileSync(join(FIXTURE, "envs/prod/main.tf"), "utf8"));
    // GitHub reads .github/CODEOWNERS before the root one.
    expect(snap.codeowners).toEqual({ path: ".github/CODEOWNERS", text: "*.tf @acme/platform\n" });

    expect(worktree()).toEqual([
      ".gitattributes",
      ".github/CODEOWNERS",
      "CODEOWNERS",
      "envs/prod/main.tf",
      "envs/prod/terraform.tfvars",
      "envs/prod/variables.tf",
      "envs/staging/main.tf",
    ]);
    // README.md, deploy.sh and big.json were never downloaded.
    expect(blobCount()).toBe(7);
  });

  it("does not fetch again while the branch head is unchanged", async () => {
    const c = cache();
    const first = await c.snapshot(REPO, "main", null);
    commands = [];
    const second = await c.snapshot(REPO, "main", null);

    expect(second.fetched).toBe(false);
    expect(second.sha).toBe(first.sha);
    expect(second.files).toEqual(first.files);
    expect(ran("ls-remote")).toBe(1);
    expect(ran("fetch")).toBe(0);
    expect(ran("checkout")).toBe(0);
  });

  it("serves a head already known from a webhook without touching the network", async () => {
    const c = cache();
    const first = await c.snapshot(REPO, "main", null);
    renameSync(source, `${source}-gone`);
    commands = [];

    const again = await c.snapshot(REPO, "main", null, first.sha);

    expect(again.fetched).toBe(false);
    expect(again.sha).toBe(first.sha);
    expect(again.files.length).toBe(4);
    expect(ran("ls-remote") + ran("fetch")).toBe(0);
  });

  it("picks up a new commit: new files appear, deleted ones go, CODEOWNERS falls back", async () => {
    const c = cache();
    const first = await c.snapshot(REPO, "main", null);
    write("envs/dev/main.tf", 'resource "aws_s3_bucket" "dev" {\n  bucket = "acme-dev"\n}\n');
    rmSync(join(source, "envs/staging"), { recursive: true });
    rmSync(join(source, ".github"), { recursive: true });
    const next = commit("dev environment");
    const blobsBefore = blobCount();

    const snap = await c.snapshot(REPO, "main", null);

    expect(snap.sha).toBe(next);
    expect(snap.sha).not.toBe(first.sha);
    expect(snap.fetched).toBe(true);
    expect(snap.files.map((f) => f.path)).toEqual([
      "envs/dev/main.tf",
      "envs/prod/main.tf",
      "envs/prod/terraform.tfvars",
      "envs/prod/variables.tf",
    ]);
    expect(snap.codeowners).toEqual({ path: "CODEOWNERS", text: "* @acme/everyone\n" });
    expect(blobCount()).toBe(blobsBefore + 1);
  });

  it("fetches straight away when the known head differs from the cache (no ls-remote)", async () => {
    const c = cache();
    await c.snapshot(REPO, "main", null);
    write("extra.tf", "locals {}\n");
    const next = commit("extra");
    commands = [];

    const snap = await c.snapshot(REPO, "main", null, next);

    expect(snap.sha).toBe(next);
    expect(snap.files.some((f) => f.path === "extra.tf")).toBe(true);
    expect(ran("ls-remote")).toBe(0);
    expect(ran("fetch")).toBe(1);
  });

  it("serializes concurrent calls for one repository: one fetch, identical snapshots", async () => {
    const c = cache();
    const [a, b] = await Promise.all([c.snapshot(REPO, "main", null), c.snapshot(REPO, "main", null)]);

    expect(a.sha).toBe(b.sha);
    expect(a.files).toEqual(b.files);
    expect([a.fetched, b.fetched].sort()).toEqual([false, true]);
    expect(ran("fetch")).toBe(1);
  });

  it("names the repository and the branch when the branch does not exist", async () => {
    const c = cache();
    const error = await c.snapshot(REPO, "release", { token: TOKEN }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepoSourceError);
    expect((error as RepoSourceError).code).toBe("BRANCH_NOT_FOUND");
    expect((error as Error).message).toBe('acme/infra: branch "release" does not exist');

    const known = "0123456789abcdef0123456789abcdef01234567";
    const viaFetch = await c.snapshot(REPO, "release", { token: TOKEN }, known).catch((e: unknown) => e);
    expect((viaFetch as RepoSourceError).code).toBe("BRANCH_NOT_FOUND");
    expect((viaFetch as Error).message).toBe(
      'acme/infra: fetching branch "release": the branch does not exist',
    );
  });

  it("never writes the token to the cache's git files", async () => {
    await cache().snapshot(REPO, "main", { token: TOKEN });
    const encoded = authHeader(TOKEN).split(" ").at(-1)!;
    const gitDir = join(cached(), ".git");
    for (const entry of readdirSync(gitDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const text = readFileSync(join(entry.parentPath, entry.name), "latin1");
      expect(text, entry.name).not.toContain(TOKEN);
      expect(text, entry.name).not.toContain(encoded);
    }
    expect(readFileSync(join(gitDir, "config"), "utf8")).not.toMatch(/extraheader|Authorization/i);
  });

  it("rejects names that would escape the cache directory and shas that are not shas", async () => {
    const c = cache();
    await expect(c.snapshot({ owner: "..", repo: "etc" }, "main", null)).rejects.toThrow(
      '".." is not a GitHub owner or repository name',
    );
    await expect(c.snapshot(REPO, "main", null, "HEAD")).rejects.toThrow(
      'acme/infra: "HEAD" is not a commit sha',
    );
    await expect(c.snapshot(REPO, "bad..name", null)).rejects.toThrow(
      'acme/infra: "bad..name" is not a valid branch name',
    );
  });

  it("forget drops the cache, so the next snapshot fetches again", async () => {
    const c = cache();
    await c.snapshot(REPO, "main", null);
    c.forget(REPO);
    const snap = await c.snapshot(REPO, "main", null);
    expect(snap.fetched).toBe(true);
    expect(ran("init")).toBe(2);
  });
});

describe("authentication over HTTPS", () => {
  let headers: IncomingHttpHeaders[];
  let server: ReturnType<typeof createServer>;
  let port: number;

  beforeEach(async () => {
    headers = [];
    server = createServer((req, res) => {
      headers.push(req.headers);
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="GitHub"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the installation token as a Basic header and reports a refusal without it", async () => {
    const c = new RepoSourceCache({
      cacheDir,
      remoteUrl: (r) => `http://127.0.0.1:${port}/${r.owner}/${r.repo}.git`,
    });
    const error = await c.snapshot(REPO, "main", { token: TOKEN }).catch((e: unknown) => e);

    expect(headers[0]?.authorization).toBe(
      `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`,
    );
    expect((error as RepoSourceError).code).toBe("AUTH_FAILED");
    expect((error as Error).message).toBe(
      'acme/infra: looking up branch "main": authentication failed (is the app installed on the repository, and the token current?)',
    );
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String((error as Error).stack)).not.toContain(TOKEN);
  });

  it("keeps the token off every command line: git's argv, seen in /proc while it waits for the server", async () => {
    if (!existsSync("/proc/self/cmdline")) return; // Linux only: elsewhere there is no /proc to read
    const encoded = authHeader(TOKEN).split(" ").at(-1)!;
    /** Every process's argv, read as any local user could, while git is connected to the server. */
    const seen: string[][] = [];
    server.removeAllListeners("request");
    server.on("request", (req, res) => {
      headers.push(req.headers);
      for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
          if (argv.some((a) => /(^|\/)git(-remote-https?)?$/.test(a))) seen.push(argv);
        } catch {
          // the process ended in between
        }
      }
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="GitHub"' }).end();
    });
    const c = new RepoSourceCache({
      cacheDir,
      remoteUrl: (r) => `http://127.0.0.1:${port}/${r.owner}/${r.repo}.git`,
    });
    await c.snapshot(REPO, "main", { token: TOKEN }).catch(() => {});

    expect(headers[0]?.authorization).toBe(`Basic ${encoded}`);
    const remote = seen.filter((argv) => argv.includes(`http://127.0.0.1:${port}/acme/infra.git`));
    expect(remote.length, JSON.stringify(seen)).toBeGreaterThan(0);
    for (const argv of seen) {
      const line = argv.join(" ");
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(encoded);
      expect(line).not.toMatch(/extraheader|Authorization/i);
    }
  });

  it("refuses a remote URL that carries credentials", async () => {
    const c = new RepoSourceCache({
      cacheDir,
      remoteUrl: () => `https://x-access-token:${TOKEN}@github.com/a/b.git`,
    });
    const error = await c.snapshot(REPO, "main", null).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "acme/infra: the remote URL carries credentials; pass the token as auth instead",
    );
  });
});

describe("classifyGitFailure", () => {
  it.each([
    ["fatal: couldn't find remote ref refs/heads/nope", "BRANCH_NOT_FOUND"],
    [
      "remote: Repository not found.\nfatal: repository 'https://github.com/acme/nope.git/' not found",
      "REPO_NOT_FOUND",
    ],
    [
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/acme/infra.git/'",
      "AUTH_FAILED",
    ],
    ["fatal: could not read Username for 'https://github.com': terminal prompts disabled", "AUTH_FAILED"],
    [
      "fatal: unable to access 'https://github.com/acme/infra.git/': Could not resolve host: github.com",
      "GIT_FAILED",
    ],
  ])("%s → %s", (stderr, code) => {
    expect(classifyGitFailure(stderr)).toBe(code);
  });
});

describe("isBranchName", () => {
  it.each(["main", "release/2024-06", "feature/JIRA-12_fix", "v1.2.3", "renovate/aws-5.x"])(
    "accepts %s",
    (b) => {
      expect(isBranchName(b)).toBe(true);
    },
  );
  it.each([
    "",
    "@",
    "-upload-pack=x",
    "a..b",
    "a b",
    "a~1",
    "a^",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "a\\b",
    "x@{1}",
    "a//b",
    "/a",
    "a/",
    "a.",
    "a.lock",
    "a.lock/b",
    ".hidden",
    "a/.b",
    "tab\tname",
  ])("rejects %j", (b) => {
    expect(isBranchName(b)).toBe(false);
  });
});

describe("scrubToken", () => {
  it("removes the token in every form git could echo it", () => {
    const encoded = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    const text = `fatal: bad header 'Authorization: Basic ${encoded}' (token ${TOKEN}; pair ${encoded})`;
    expect(scrubToken(text, TOKEN)).toBe("fatal: bad header '***' (token ***; pair ***)");
    expect(scrubToken(text, undefined)).toBe(text);
  });
});
