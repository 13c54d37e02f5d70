// SQLite's WAL checkpoint is off the ingest's commit (issue 19): a bulk ingest's pages stay in the
// WAL when it commits, and the sweeps (Store.checkpoint) or closing the store copy them into the
// database file. Seen from outside, as the files on disk.

import { statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { asffDocument } from "../../bench/findings.ts";
import { persistFindings } from "../../src/ingest/persist.ts";
import { SQLITE_FILE } from "../../src/store/connect.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";
import { triage } from "./helpers.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

describeEachEngine("the WAL checkpoint", (engine) => {
  let where: TestLocation;
  let store: Store;
  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open();
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("is not run by an ingest's commit, and is by Store.checkpoint", async () => {
    // 2,000 copies of the real S3.8 record: ~6 MB of source rows, past SQLite's default 1,000 pages.
    const triaged = triage(JSON.parse(asffDocument(repoRoot, 2_000)));
    expect((await persistFindings(store, triaged)).length).toBe(2_000);
    if (engine === "postgres") {
      await store.checkpoint(); // nothing to do, and no error
      return;
    }
    const file = join(where.location.dataDir!, SQLITE_FILE);
    const size = (path: string) => statSync(path).size;
    const [dbBefore, walBefore] = [size(file), size(`${file}-wal`)];
    expect(walBefore).toBeGreaterThan(4_096_000);
    expect(dbBefore).toBeLessThan(walBefore / 4);

    await store.checkpoint();
    expect(size(file)).toBeGreaterThan(walBefore / 2);
  });
});
