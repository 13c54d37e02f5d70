// Issue 19: where a finding of an account and resource type was located is remembered (migration
// 0018), and the next finding of the same account and type tries that repository first: one
// repository is read instead of every repository of the organization. And the search keeps only the
// indexes of repositories that hold a candidate. The resource → repository map's answer (the code
// that defined the finding's name when last read) comes before the learned guess.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.ts";
import type { Finding } from "../../src/findings/model.ts";
import { buildIndex, type TerraformIndex } from "../../src/hcl/index.ts";
import { persistDocument } from "../../src/ingest/persist.ts";
import {
  findingKeys,
  identifyingKeys,
  indexKeys,
  ResourceRepositoryMap,
} from "../../src/locate/resource-keys.ts";
import type { InstallationRepository, RemediationEnv } from "../../src/remediate/env.ts";
import { locateInRepositories } from "../../src/remediate/search-repositories.ts";
import { getFinding, type StoredFinding } from "../../src/store/findings.ts";
import { learnedRepository } from "../../src/store/learned-repositories.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "../store/engines.ts";
import { triage } from "../store/helpers.ts";

const NAMES = ["network", "data-lake", "payments", "web", "logging", "identity"];
const repo = (name: string): InstallationRepository => ({
  owner: "acme",
  repo: name,
  defaultBranch: "main",
  archived: false,
});
const REPOS = NAMES.map(repo);
/** Each repository defines two buckets named after it. */
const INDEXES = new Map<string, TerraformIndex>(
  NAMES.map((name) => [
    `acme/${name}`,
    buildIndex([
      {
        path: "main.tf",
        text: [1, 2]
          .map((i) => `resource "aws_s3_bucket" "b${i}" {\n  bucket = "acme-${name}-${i}"\n}\n`)
          .join("\n"),
      },
    ]),
  ]),
);

/** The seed payload's shape (fixtures/findings/generic): an S3 bucket of account 123456789012. */
const bucketFinding = (bucket: string, account = "123456789012") => ({
  finding_id: `f-${bucket}`,
  resource_arn: `arn:aws:s3:::${bucket}`,
  severity: "HIGH",
  rule_id: "S3.8",
  metadata: { account_id: account, region: "us-east-1", first_seen: "2026-11-02T08:15:00Z" },
});

describeEachEngine("the repository learned from earlier findings", (engine) => {
  let where: TestLocation;
  let store: Store;
  let read: string[];
  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open();
    read = [];
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  const env = () =>
    ({
      store,
      log: { info() {}, warn() {}, error() {} },
      snapshot: async (_id: number | null, r: InstallationRepository) => {
        read.push(r.repo);
        return { snapshot: { sha: "a".repeat(40) }, index: INDEXES.get(`acme/${r.repo}`)! };
      },
    }) as unknown as RemediationEnv;

  async function stored(document: unknown): Promise<StoredFinding> {
    const [row] = (await persistDocument(store, triage([document]), { org: "acme" })).results;
    return (await getFinding(store.db, row!.id))!;
  }
  const locateIn = async (finding: StoredFinding) =>
    locateInRepositories(env(), {
      installationId: 1,
      finding,
      repos: REPOS,
      config: DEFAULT_REPO_CONFIG,
      resourceTypes: ["aws_s3_bucket"],
    });

  it("reads one repository for the second finding of the same account and type", async () => {
    const first = await locateIn(await stored(bucketFinding("acme-payments-1")));
    expect(first.cross).toMatchObject({ kind: "located", repository: { repo: "payments" } });
    expect(read).toEqual(NAMES);
    expect(
      await learnedRepository(store.db, {
        org: "acme",
        account: "123456789012",
        resourceType: "s3:bucket",
      }),
    ).toBe("acme/payments");

    read = [];
    const second = await locateIn(await stored(bucketFinding("acme-payments-2")));
    expect(read).toEqual(["payments"]);
    expect(second.cross).toMatchObject({
      kind: "located",
      repository: { repo: "payments" },
      why: "the last s3:bucket of account 123456789012 was located in acme/payments",
    });
  });

  it("searches the others when the learned repository does not define the resource, and learns again", async () => {
    await locateIn(await stored(bucketFinding("acme-payments-1")));
    read = [];
    const moved = await locateIn(await stored(bucketFinding("acme-logging-2")));
    expect(moved.cross).toMatchObject({ kind: "located", repository: { repo: "logging" } });
    // payments first (learned), then the rest, payments not read twice.
    expect(read).toEqual(["payments", "network", "data-lake", "web", "logging", "identity"]);
    expect(
      await learnedRepository(store.db, {
        org: "acme",
        account: "123456789012",
        resourceType: "s3:bucket",
      }),
    ).toBe("acme/logging");
  });

  it("learns nothing for another account", async () => {
    await locateIn(await stored(bucketFinding("acme-payments-1")));
    read = [];
    await locateIn(await stored(bucketFinding("acme-web-1", "210987654321")));
    expect(read).toEqual(NAMES);
  });
});

describe("a search of the organization", () => {
  let where: TestLocation;
  let store: Store;
  beforeEach(async () => {
    where = await freshLocation("sqlite");
    store = await where.open();
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("keeps only the indexes of repositories holding a candidate, and reads only the candidates the environment names", async () => {
    const read: string[] = [];
    const env = {
      store,
      log: { info() {}, warn() {}, error() {} },
      candidates: (repos: readonly InstallationRepository[]) => repos.filter((r) => r.repo !== "web"),
      snapshot: async (_id: number | null, r: InstallationRepository) => {
        read.push(r.repo);
        return { snapshot: { sha: "a".repeat(40) }, index: INDEXES.get(`acme/${r.repo}`)! };
      },
    } as unknown as RemediationEnv;
    const [row] = (await persistDocument(store, triage([bucketFinding("acme-identity-2")]), { org: "acme" }))
      .results;
    const found = await locateInRepositories(env, {
      installationId: 1,
      finding: (await getFinding(store.db, row!.id))!,
      repos: REPOS,
      config: DEFAULT_REPO_CONFIG,
      resourceTypes: ["aws_s3_bucket"],
    });
    expect(found.cross).toMatchObject({ kind: "located", repository: { repo: "identity" } });
    expect(read).toEqual(["network", "data-lake", "payments", "logging", "identity"]);
    expect([...found.indexed.keys()]).toEqual(["acme/identity"]);
  });
});

describe("reading the organization's repositories", () => {
  let where: TestLocation;
  let store: Store;
  beforeEach(async () => {
    where = await freshLocation("sqlite");
    store = await where.open();
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  /** A snapshot that takes a few milliseconds (git's processes), counting the reads in flight. */
  function slowEnv(fail?: string) {
    const started: string[] = [];
    let inFlight = 0;
    let most = 0;
    const env = {
      store,
      log: { info() {}, warn() {}, error() {} },
      snapshot: async (_id: number | null, r: InstallationRepository) => {
        started.push(r.repo);
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5 + NAMES.indexOf(r.repo)));
        inFlight--;
        if (r.repo === fail) throw new Error("could not resolve host: github.com");
        return { snapshot: { sha: "a".repeat(40) }, index: INDEXES.get(`acme/${r.repo}`)! };
      },
    } as unknown as RemediationEnv;
    return { env, started, most: () => most, inFlight: () => inFlight };
  }
  const locateWith = async (env: RemediationEnv, bucket: string) => {
    const [row] = (await persistDocument(store, triage([bucketFinding(bucket)]), { org: "acme" })).results;
    return locateInRepositories(env, {
      installationId: 1,
      finding: (await getFinding(store.db, row!.id))!,
      repos: REPOS,
      config: DEFAULT_REPO_CONFIG,
      resourceTypes: ["aws_s3_bucket"],
    });
  };

  it("reads four at a time, started in the organization's order, with the same outcome", async () => {
    const slow = slowEnv();
    const found = await locateWith(slow.env, "acme-logging-1");
    expect(slow.started).toEqual(NAMES);
    expect(slow.most()).toBe(4);
    expect(found.cross).toMatchObject({ kind: "located", repository: { repo: "logging" } });
    expect([...found.indexed.keys()]).toEqual(["acme/logging"]);
  });

  it("fails the job on a failure a retry may not meet, once the reads in flight are done", async () => {
    const slow = slowEnv("network");
    await expect(locateWith(slow.env, "acme-logging-1")).rejects.toThrow(
      "could not resolve host: github.com",
    );
    // network failed first: the four started had been, no fifth one was, and none is left running.
    expect(slow.started).toEqual(["network", "data-lake", "payments", "web"]);
    expect(slow.inFlight()).toBe(0);
  });
});

describe("the resource → repository map, with two repositories per account", () => {
  /** network and data-lake in one account, payments and web in another, logging and identity in a third. */
  const accountOf = (name: string) => String(100_000_000_000 + Math.floor(NAMES.indexOf(name) / 2));
  let where: TestLocation;
  let store: Store;
  let read: string[];
  let code: Map<string, TerraformIndex>;
  /** Repositories pushed to since they were read (the app learns it from the push webhook). */
  let pushed: Set<string>;
  beforeEach(async () => {
    where = await freshLocation("sqlite");
    store = await where.open();
    read = [];
    code = new Map(INDEXES);
    pushed = new Set();
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  /** The app environment's map (src/app/probot-env.ts): each read records the repository's keys. */
  function mapEnv(): RemediationEnv {
    const map = new ResourceRepositoryMap();
    const inMap = (keys: string[], repos: readonly InstallationRepository[], unknownToo: boolean) => {
      const holding = map.holding(keys);
      return repos.filter((r) => {
        const key = `acme/${r.repo}`;
        return holding.has(key) || (unknownToo && (map.sha(key) === undefined || pushed.has(r.repo)));
      });
    };
    return {
      store,
      log: { info() {}, warn() {}, error() {} },
      snapshot: async (_id: number | null, r: InstallationRepository) => {
        read.push(r.repo);
        pushed.delete(r.repo);
        const index = code.get(`acme/${r.repo}`)!;
        map.set(`acme/${r.repo}`, "a".repeat(40), indexKeys(index));
        return { snapshot: { sha: "a".repeat(40) }, index };
      },
      candidates: (repos: readonly InstallationRepository[], f: Finding) =>
        inMap(findingKeys(f), repos, true),
      defining: (repos: readonly InstallationRepository[], f: Finding) =>
        inMap(identifyingKeys(f), repos, false),
    } as unknown as RemediationEnv;
  }
  const locateIn = async (env: RemediationEnv, bucket: string) => {
    const name = bucket.replace(/^acme-(.*)-\d$/, "$1");
    const [row] = (
      await persistDocument(store, triage([bucketFinding(bucket, accountOf(name))]), { org: "acme" })
    ).results;
    return locateInRepositories(env, {
      installationId: 1,
      finding: (await getFinding(store.db, row!.id))!,
      repos: REPOS,
      config: DEFAULT_REPO_CONFIG,
      resourceTypes: ["aws_s3_bucket"],
    });
  };

  it("reads the repository that defined the bucket first, and only it, where the learned one is the other", async () => {
    const env = mapEnv();
    await locateIn(env, "acme-payments-1");
    expect(read).toEqual(NAMES);
    read = [];
    // payments was learned for the account; web, the account's other repository, defines the bucket.
    const web = await locateIn(env, "acme-web-2");
    expect(read).toEqual(["web"]);
    expect(web.cross).toMatchObject({
      kind: "located",
      repository: { repo: "web" },
      why: "acme/web defined this resource's name when fixloop last read it",
    });
    read = [];
    const payments = await locateIn(env, "acme-payments-2");
    expect(read).toEqual(["payments"]);
    expect(payments.cross).toMatchObject({ kind: "located", repository: { repo: "payments" } });
  });

  it("reads the map's repository again to be sure, and searches on when the bucket has moved", async () => {
    const env = mapEnv();
    await locateIn(env, "acme-payments-1");
    // A push moves acme-web-2 from web to logging: the map still says web until web is read again.
    code.set(
      "acme/web",
      buildIndex([
        { path: "main.tf", text: 'resource "aws_s3_bucket" "b1" {\n  bucket = "acme-web-1"\n}\n' },
      ]),
    );
    code.set(
      "acme/logging",
      buildIndex([
        { path: "main.tf", text: 'resource "aws_s3_bucket" "b2" {\n  bucket = "acme-web-2"\n}\n' },
      ]),
    );
    pushed = new Set(["web", "logging"]);
    read = [];
    const moved = await locateIn(env, "acme-web-2");
    expect(moved.cross).toMatchObject({ kind: "located", repository: { repo: "logging" } });
    // web (the map's answer) first, then the only other candidate: logging, pushed to since it was
    // read. payments (learned, but its code has no such bucket) and the rest are not read.
    expect(read).toEqual(["web", "logging"]);
  });
});
