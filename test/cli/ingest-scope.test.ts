// `fixloop ingest --store` names the organization and repository its findings belong to: a
// repository scan's finding is one per repository (--repository, else the checkout's origin remote).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { repositoryFromRemote } from "../../src/cli/scan-scope.ts";
import { Store } from "../../src/store/store.ts";

const REPO = process.cwd();
const CHECKOV = join(REPO, "fixtures/findings/sarif/checkov-duplicates.sarif");
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-scope-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(args: string[], cwd = REPO) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env: {},
  });
  return { code, stdout, stderr };
}

async function storedRows(dataDir: string) {
  const store = await Store.open({ dataDir });
  try {
    return await store.db.selectFrom("findings").select(["id", "org", "repository"]).orderBy("id").execute();
  } finally {
    await store.close();
  }
}

const ids = (stdout: string) =>
  (JSON.parse(stdout) as { findings: { id: string }[] }).findings.map((f) => f.id);

describe("ingest --store scopes findings by organization and repository", () => {
  it("keeps the same Checkov results of two repositories apart", async () => {
    const dataDir = tempDir();
    const store = ["--store", "--data-dir", dataDir, "--json"];
    const a = await run(["ingest", CHECKOV, ...store, "--org", "acme", "--repository", "infra-a"]);
    const b = await run(["ingest", CHECKOV, ...store, "--repository", "acme/infra-b", "--org", "acme"]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(ids(b.stdout).filter((id) => ids(a.stdout).includes(id))).toEqual([]);
    const rows = await storedRows(dataDir);
    expect(rows.map((r) => [r.org, r.repository]).sort()).toEqual([
      ["acme", "acme/infra-a"],
      ["acme", "acme/infra-a"],
      ["acme", "acme/infra-b"],
      ["acme", "acme/infra-b"],
    ]);
  });

  it("takes the repository from the checkout's origin remote, and none with --repository none", async () => {
    const checkout = tempDir();
    execFileSync("git", ["init", "-q", checkout]);
    execFileSync("git", ["-C", checkout, "remote", "add", "origin", "git@github.com:Acme/Infra-A.git"]);
    const dataDir = tempDir();
    expect((await run(["ingest", CHECKOV, "--store", "--data-dir", dataDir], checkout)).code).toBe(0);
    expect(new Set((await storedRows(dataDir)).map((r) => r.repository))).toEqual(new Set(["acme/infra-a"]));
    const none = tempDir();
    const unscoped = await run(
      ["ingest", CHECKOV, "--store", "--data-dir", none, "--repository", "none", "--json"],
      checkout,
    );
    expect(new Set((await storedRows(none)).map((r) => r.repository))).toEqual(new Set([null]));
    // Without a repository or organization, ids are the dedupe keys, as before scoping.
    const keys = (JSON.parse(unscoped.stdout) as { findings: { id: string; dedupeKey: string }[] }).findings;
    expect(keys.every((f) => f.id === f.dedupeKey)).toBe(true);
  });

  it("says what is wrong with a bad --repository or --org, and wants --store for them", async () => {
    const dataDir = tempDir();
    for (const [args, message] of [
      [["--repository", "a/b/c"], '--repository "a/b/c" is not a repository (expected owner/name)'],
      [["--repository", "infra"], '--repository "infra": give owner/name (or --org with the name)'],
      [["--org=a_b"], '--org "a_b" is not a GitHub organization or user name'],
    ] as const) {
      const r = await run(["ingest", CHECKOV, "--store", "--data-dir", dataDir, ...args]);
      expect([r.code, r.stderr]).toEqual([2, `fixloop ingest: ${message}\n`]);
    }
    const r = await run(["ingest", CHECKOV, "--org", "acme"]);
    expect([r.code, r.stderr]).toEqual([
      2,
      "fixloop ingest: --org only applies with --store (it scopes the stored findings)\n",
    ]);
  });

  it("reads owner/name from the remote URLs git uses", () => {
    expect(repositoryFromRemote("https://github.com/Acme/infra.git")).toBe("acme/infra");
    expect(repositoryFromRemote("git@github.com:acme/infra.git\n")).toBe("acme/infra");
    expect(repositoryFromRemote("ssh://git@ghe.example.com:2222/acme/infra")).toBe("acme/infra");
    expect(repositoryFromRemote("https://ghe.example.com/acme/infra/")).toBe("acme/infra");
    expect(repositoryFromRemote("/srv/git/infra.git")).toBe("git/infra");
    expect(repositoryFromRemote("infra")).toBeUndefined();
    expect(repositoryFromRemote("https://github.com/acme/..")).toBeUndefined();
  });
});
