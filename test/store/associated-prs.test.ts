// The associated-PR queries on every engine (migration 0010): open findings by where their fix
// located them, and what fixloop last said on a PR, upserted.

import { afterEach, beforeEach, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import {
  associatedPr,
  associatedPrsFor,
  closeAssociatedPr,
  openFindingsInFiles,
  saveAssociatedPr,
} from "../../src/store/associated-prs.ts";
import { recordRemediation } from "../../src/store/remediations.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";
import { readFixture, triage } from "./helpers.ts";

describeEachEngine("associated pull requests in the store", (engine) => {
  let where: TestLocation;
  let store: Store;
  const time = manualClock();

  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open(time.clock);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("finds an open finding by the file its fix located it in, with its fix PR", async () => {
    const [, fixing] = await persistFindings(store, triage(readFixture("generic/cspm-batch.json")));
    const id = fixing?.id as string;
    await recordRemediation(
      store.db,
      {
        findingId: id,
        repository: "acme/infra",
        prNumber: 17,
        prUrl: "https://github.com/acme/infra/pull/17",
        prState: "open",
        files: ["envs/prod/main.tf"],
        diff: "",
        assignment: { team: null, reviewers: [], decidedBy: null },
        located: { file: "envs/prod/main.tf", address: "aws_s3_bucket.backups" },
      },
      store.now(),
    );
    const found = await openFindingsInFiles(store.db, "acme/infra", ["envs/prod/main.tf", "other.tf"]);
    expect(found.map((f) => [f.id, f.file, f.address, f.link])).toEqual([
      [
        id,
        "envs/prod/main.tf",
        "aws_s3_bucket.backups",
        { kind: "pr", url: "https://github.com/acme/infra/pull/17" },
      ],
    ]);
    expect(await openFindingsInFiles(store.db, "acme/other", ["envs/prod/main.tf"])).toEqual([]);
    expect(await openFindingsInFiles(store.db, "acme/infra", [])).toEqual([]);
  });

  it("keeps one row per PR, updated in place", async () => {
    const pr = {
      repository: "acme/infra",
      number: 31,
      labelled: true,
      commented: true,
      headSha: "a".repeat(40),
      commentId: 4_200_000_001,
      scanReview: false,
      labelOwned: true,
      tfFiles: ["envs/prod/main.tf"],
    };
    await saveAssociatedPr(store.db, { ...pr, findingIds: ["f1"] }, 1);
    await saveAssociatedPr(store.db, { ...pr, findingIds: [], labelled: false, headSha: "b".repeat(40) }, 2);
    expect(await associatedPr(store.db, "acme/infra", 31)).toEqual({
      ...pr,
      findingIds: [],
      labelled: false,
      headSha: "b".repeat(40),
    });
    expect(await associatedPr(store.db, "acme/infra", 32)).toBeNull();
  });

  // Migration 0017: the comment's id (past 2^31, as GitHub's are), the label's two reasons and
  // who put it on, the changed files: the PRs a finding that resolves or reopens concerns.
  it("finds the open PRs that list a finding or change its file, not a closed one", async () => {
    const pr = {
      repository: "acme/infra",
      labelled: false,
      commented: false,
      headSha: "a".repeat(40),
      commentId: null,
      scanReview: true,
      labelOwned: true,
    };
    await saveAssociatedPr(store.db, { ...pr, number: 31, findingIds: ["f1"], tfFiles: ["a.tf"] }, 1);
    await saveAssociatedPr(
      store.db,
      { ...pr, number: 32, findingIds: [], tfFiles: ["envs/prod/main.tf"] },
      1,
    );
    await saveAssociatedPr(store.db, { ...pr, number: 33, findingIds: [], tfFiles: ["b.tf"] }, 1);
    const numbers = async (file: string | null) =>
      (await associatedPrsFor(store.db, "acme/infra", { id: "f1", file })).map((p) => p.number);
    expect(await numbers("envs/prod/main.tf")).toEqual([31, 32]);
    expect(await numbers(null)).toEqual([31]);
    expect((await associatedPr(store.db, "acme/infra", 32))?.scanReview).toBe(true);
    await closeAssociatedPr(store.db, "acme/infra", 31);
    expect(await numbers("envs/prod/main.tf")).toEqual([32]);
    // Its record stays: reopened, the PR's comment is edited by its id.
    expect((await associatedPr(store.db, "acme/infra", 31))?.findingIds).toEqual(["f1"]);
  });
});
