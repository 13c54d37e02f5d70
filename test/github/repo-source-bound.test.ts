// The repository cache's size bound (FIXLOOP_CACHE_MAX_BYTES): past it, the repositories used least
// recently leave the disk, never one with a git operation in flight, and a repository evicted is
// fetched again when it is next needed. Real git repositories served as file:// URLs.

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheMaxBytes } from "../../src/app.ts";
import type { RepoRef } from "../../src/github/client.ts";
import { defaultGit, diskUsage, RepoSourceCache } from "../../src/github/repo-source.ts";

const FIXTURE = join(import.meta.dirname, "../../fixtures/repos/cspm-demo");
const NAMES = ["alpha", "bravo", "charlie", "delta"];

let root: string;
let cacheDir: string;
/** Repositories (by cache directory name) whose next git command waits for `release`. */
let held: Map<string, Promise<void>>;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd,
    encoding: "utf8",
  });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fixloop-cache-bound-"));
  cacheDir = join(root, "cache");
  held = new Map();
  for (const name of NAMES) {
    const source = join(root, "remote", name);
    mkdirSync(source, { recursive: true });
    git(source, "init", "--quiet", "--initial-branch=main");
    git(source, "config", "uploadpack.allowFilter", "true");
    cpSync(FIXTURE, source, { recursive: true });
    git(source, "add", "-A");
    git(source, "commit", "--quiet", "-m", "initial");
  }
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const ref = (name: string): RepoRef => ({ owner: "acme", repo: name });
const dirOf = (name: string) => join(cacheDir, "acme", name);
const cachedNames = () => NAMES.filter((n) => existsSync(dirOf(n)));
/** Lets the queued removals (one per evicted directory) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

function cache(maxBytes: number, fetches: string[] = []): RepoSourceCache {
  return new RepoSourceCache({
    cacheDir,
    maxBytes,
    remoteUrl: (r) => pathToFileURL(join(root, "remote", r.repo)).href,
    git: (dir, env) => {
      const instance = defaultGit(dir, env);
      const raw = instance.raw.bind(instance);
      instance.raw = (async (args: string[]) => {
        const name = dir.slice(dir.lastIndexOf("/") + 1);
        await held.get(name);
        if (args.includes("fetch")) fetches.push(name);
        return raw(args);
      }) as typeof instance.raw;
      return instance;
    },
  });
}

/** The disk one cached repository of the fixture takes, measured on a cache without a bound. */
async function oneRepositoryBytes(): Promise<number> {
  const probe = cache(Number.MAX_SAFE_INTEGER);
  await probe.snapshot(ref("alpha"), "main", null);
  const bytes = await diskUsage(dirOf("alpha"));
  rmSync(cacheDir, { recursive: true, force: true });
  return bytes;
}

describe("the repository cache's size bound", () => {
  it("removes the least recently used repositories first, down to the bound", async () => {
    const one = await oneRepositoryBytes();
    const c = cache(Math.floor(one * 2.5)); // room for two
    await c.snapshot(ref("alpha"), "main", null);
    await c.snapshot(ref("bravo"), "main", null);
    await c.snapshot(ref("alpha"), "main", null); // alpha used again: bravo is now the oldest
    await c.snapshot(ref("charlie"), "main", null);
    await settle();
    expect(cachedNames()).toEqual(["alpha", "charlie"]);
    await c.snapshot(ref("delta"), "main", null);
    await settle();
    expect(cachedNames()).toEqual(["charlie", "delta"]);
    expect(c.bytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
  });

  it("fetches a repository again after it was evicted, with the same files", async () => {
    const one = await oneRepositoryBytes();
    const fetches: string[] = [];
    const c = cache(Math.floor(one * 1.5), fetches); // room for one
    const first = await c.snapshot(ref("alpha"), "main", null);
    await c.snapshot(ref("bravo"), "main", null);
    await settle();
    expect(cachedNames()).toEqual(["bravo"]);
    const again = await c.snapshot(ref("alpha"), "main", null);
    expect(again.fetched).toBe(true);
    expect(again.sha).toBe(first.sha);
    expect(again.files.map((f) => f.path)).toEqual(first.files.map((f) => f.path));
    expect(fetches).toEqual(["alpha", "bravo", "alpha"]);
  });

  it("never evicts a repository with a git operation in flight", async () => {
    const one = await oneRepositoryBytes();
    const c = cache(Math.floor(one * 1.5));
    await c.snapshot(ref("alpha"), "main", null);
    let release = () => {};
    held.set(
      "alpha",
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    const inFlight = c.snapshot(ref("alpha"), "main", null); // waits on its first git command
    await c.snapshot(ref("bravo"), "main", null); // over the bound: alpha is the oldest, but in use
    await settle();
    expect(cachedNames()).toEqual(["alpha", "bravo"]);
    held.delete("alpha");
    release();
    expect((await inFlight).files.length).toBeGreaterThan(0);
    await settle();
    // alpha finished last: now bravo is the oldest, and goes.
    expect(cachedNames()).toEqual(["alpha"]);
  });

  it("holds the bound once repositories read at once (as a search of the organization does) are done", async () => {
    const one = await oneRepositoryBytes();
    const bound = Math.floor(one * 2.5); // room for two
    const c = cache(bound);
    const read = await Promise.all(NAMES.map((n) => c.snapshot(ref(n), "main", null)));
    expect(read.map((s) => s.files.length > 0)).toEqual([true, true, true, true]);
    await settle();
    expect(cachedNames()).toHaveLength(2);
    expect(c.bytes).toBeLessThanOrEqual(bound);
    expect(await diskUsage(cacheDir)).toBeLessThanOrEqual(bound + 64 * 1024); // + the owner directories
  });

  it("counts the repositories an earlier process left, oldest first", async () => {
    const one = await oneRepositoryBytes();
    const unbounded = cache(Number.MAX_SAFE_INTEGER);
    await unbounded.snapshot(ref("alpha"), "main", null);
    await unbounded.snapshot(ref("bravo"), "main", null);
    const restarted = cache(Math.floor(one * 2.5));
    await restarted.snapshot(ref("charlie"), "main", null);
    await settle();
    expect(cachedNames()).toEqual(["bravo", "charlie"]);
  });
});

describe("FIXLOOP_CACHE_MAX_BYTES", () => {
  it("reads bytes or a binary K/M/G/T size, 10 GiB when unset", () => {
    expect(cacheMaxBytes(undefined)).toBe(10 * 1024 ** 3);
    expect(cacheMaxBytes("")).toBe(10 * 1024 ** 3);
    expect(cacheMaxBytes("1048576")).toBe(1024 ** 2);
    expect(cacheMaxBytes(" 5G ")).toBe(5 * 1024 ** 3);
    expect(cacheMaxBytes("512m")).toBe(512 * 1024 ** 2);
  });

  it("refuses anything else, naming the variable and the value", () => {
    for (const bad of ["lots", "0", "-1", "1.5G", "10GB"])
      expect(() => cacheMaxBytes(bad)).toThrow(
        `FIXLOOP_CACHE_MAX_BYTES is "${bad}": expected a size in bytes, e.g. 10737418240 or 10G`,
      );
  });
});
