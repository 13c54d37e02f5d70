// Issue 19: where a finding of an account and resource type was located is remembered (migration
// 0018), and the next finding of the same account and type tries that repository first: one
// repository is read instead of every repository of the organization. And the search keeps only the
// indexes of repositories that hold a candidate.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.ts";
import { buildIndex, type TerraformIndex } from "../../src/hcl/index.ts";
import { persistDocument } from "../../src/ingest/persist.ts";
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
