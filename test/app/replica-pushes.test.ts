// Issue 19, replicas: a push webhook reaches one replica, yet every replica's resource → repository
// map must stop ruling the pushed repository out. Two app instances (two Probot apps, each with its
// own repository cache and map) on one store: the push is delivered to A, the finding for the
// resource the push added is located by B. Real git repositories (file://), GitHub mocked by the kit.

import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.ts";
import { persistDocument } from "../../src/ingest/persist.ts";
import { locateInRepositories } from "../../src/remediate/search-repositories.ts";
import { getFinding, type StoredFinding } from "../../src/store/findings.ts";
import { repositoryHeadsSince } from "../../src/store/repository-heads.ts";
import type { Store } from "../../src/store/store.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "../store/engines.ts";
import { triage } from "../store/helpers.ts";
import { type Harness, INSTALLATION_ID, ORG, startHarness } from "./harness.ts";
import { bucketsOf, orgRepository } from "./org-repositories.ts";

const gh = useMockGitHub();
const NAMES = ["data", "web"];
const REPOS = NAMES.map(orgRepository);
/** The seed payload's shape (fixtures/findings/generic). */
const bucketFinding = (bucket: string) => ({
  finding_id: `f-${bucket}`,
  resource_arn: `arn:aws:s3:::${bucket}`,
  severity: "HIGH",
  rule_id: "S3.8",
  metadata: { account_id: "123456789012", region: "us-east-1", first_seen: "2026-11-02T08:15:00Z" },
});
const START = Date.parse("2026-11-20T10:00:00.000Z");

describeEachEngine("a push delivered to one replica", (engine) => {
  let where: TestLocation;
  let store: Store;
  let now: number;
  let a: Harness;
  let b: Harness;
  const dirOf = (name: string) => join(a.repoDir, "..", name);
  const git = (name: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: dirOf(name),
      encoding: "utf8",
    });

  beforeEach(async () => {
    now = START;
    where = await freshLocation(engine);
    store = await where.open(() => now);
    a = await startHarness({ appOptions: { store } });
    b = await startHarness({ appOptions: { store } });
    for (const name of NAMES) {
      mkdirSync(dirOf(name), { recursive: true });
      git(name, "init", "--quiet", "--initial-branch=main");
      git(name, "config", "uploadpack.allowFilter", "true");
      writeFileSync(join(dirOf(name), "main.tf"), bucketsOf(name, 1));
      git(name, "add", "-A");
      git(name, "commit", "--quiet", "-m", "initial");
      // One GitHub: B's git remote is the same repository.
      symlinkSync(dirOf(name), join(b.repoDir, "..", name));
    }
    gh()
      .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
      .times(20)
      .optionally()
      .reply(201, { token: "ghs_installationtoken", expires_at: "2026-11-20T11:00:00Z" });
    // Both replicas have read the organization once: each has its own map.
    for (const h of [a, b]) for (const r of REPOS) await h.env.snapshot(INSTALLATION_ID, r);
    now += 1_000;
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await store.close();
    await where.dispose();
  });

  async function stored(document: unknown): Promise<StoredFinding> {
    const [row] = (await persistDocument(store, triage([document]), { org: ORG })).results;
    return (await getFinding(store.db, row!.id))!;
  }
  /** Locates the finding on replica `h`, with the repositories it read (and whether git fetched). */
  async function locateOn(h: Harness, bucket: string) {
    const finding = await stored(bucketFinding(bucket));
    const snapshot = vi.spyOn(h.env, "snapshot");
    try {
      const { cross } = await locateInRepositories(h.env, {
        installationId: INSTALLATION_ID,
        finding,
        repos: REPOS,
        config: DEFAULT_REPO_CONFIG,
        resourceTypes: ["aws_s3_bucket"],
      });
      const reads = await Promise.all(
        snapshot.mock.calls.map(async ([, r], i) => {
          const { snapshot: s } = await (snapshot.mock.results[i]!.value as ReturnType<
            typeof h.env.snapshot
          >);
          return { repo: r.repo, sha: s.sha, fetched: s.fetched };
        }),
      );
      return { cross, reads };
    } finally {
      snapshot.mockRestore();
    }
  }

  it("lets the other replica locate the resource the push added, in the pushed repository", async () => {
    const base = git("data", "rev-parse", "HEAD").trim();
    writeFileSync(join(dirOf("data"), "main.tf"), bucketsOf("data", 2));
    git("data", "commit", "--quiet", "-am", "a second bucket");
    const head = git("data", "rev-parse", "HEAD").trim();
    const push = withIds(
      webhookExample("push", (p) => p.ref === `refs/heads/${p.repository.default_branch}`),
      { owner: ORG, repo: "data", installationId: INSTALLATION_ID, baseSha: base, headSha: head },
    );
    await a.probot.receive({ id: "push-data", name: "push", payload: push });
    expect(await repositoryHeadsSince(store.db, 0)).toEqual([
      { repository: "acme/data", headSha: head, updatedAt: START + 1_000 },
    ]);

    now += 1_000;
    const { cross, reads } = await locateOn(b, "acme-data-1");
    expect(cross).toMatchObject({
      kind: "located",
      repository: { owner: ORG, repo: "data" },
      location: { candidate: { resource: { address: "aws_s3_bucket.b1", file: "main.tf" } } },
    });
    // Only the pushed repository is read, at the pushed head.
    expect(reads).toEqual([{ repo: "data", sha: head, fetched: true }]);
  });

  it("costs no extra repository read for a finding when nothing was pushed", async () => {
    const { cross, reads } = await locateOn(b, "acme-web-0");
    expect(cross).toMatchObject({ kind: "located", repository: { repo: "web" } });
    expect(reads).toEqual([{ repo: "web", sha: git("web", "rev-parse", "HEAD").trim(), fetched: false }]);
  });
});
