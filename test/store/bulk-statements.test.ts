// Full chunks of the bulk INSERTs run as kept-prepared statements (src/store/chunks.ts,
// src/store/connect.ts: SQLite compiled once, PostgreSQL as named statements with a generic plan).
// What a large ingest stores must be exactly what the same findings stored in small batches
// (never a full chunk, so never a kept statement) are: every column of every row written.

import { afterEach, beforeEach, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";
import { readFixture, triage } from "./helpers.ts";

/** The real generic CSPM batch, its records repeated with distinct ids and resources (as the
 *  store benchmark builds its document): half S3 buckets, half EC2 security groups. */
function cspmDocument(from: number, count: number): unknown[] {
  const sample = readFixture("generic/cspm-batch.json") as Array<Record<string, unknown>>;
  const [bucket, group] = sample as [Record<string, unknown>, Record<string, unknown>];
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const f = structuredClone(i % 2 === 0 ? bucket : group);
    f.finding_id = `${String(f.finding_id)}-${i}`;
    f.resource_arn =
      i % 2 === 0
        ? `arn:aws:s3:::bulk-bucket-${i}`
        : `arn:aws:ec2:us-east-1:123456789012:security-group/sg-${i.toString(16).padStart(17, "0")}`;
    return f;
  });
}

/** Every row of the tables an ingest writes, in a stable order. */
async function contents(store: Store) {
  const db = store.db;
  return {
    findings: await db.selectFrom("findings").selectAll().orderBy("id").execute(),
    audit: await db.selectFrom("audit_events").selectAll().orderBy("id").execute(),
    sources: await db
      .selectFrom("finding_sources")
      .selectAll()
      .orderBy("finding_id")
      .orderBy("source_finding_id")
      .execute(),
    jobs: await db.selectFrom("jobs").selectAll().orderBy("id").execute(),
  };
}

describeEachEngine("bulk statements kept prepared", (engine) => {
  const places: TestLocation[] = [];
  const stores: Store[] = [];
  const time = manualClock();
  const open = async () => {
    const where = await freshLocation(engine);
    places.push(where);
    const store = await where.open(time.clock);
    stores.push(store);
    return store;
  };
  beforeEach(() => {
    places.length = 0;
    stores.length = 0;
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    for (const p of places) await p.dispose();
  });

  it("stores two large documents exactly as the same findings in small batches", async () => {
    // 2,300 findings: two full chunks of findings rows and one of audit events, then the same
    // statements again for the second document.
    const documents = [triage(cspmDocument(0, 2_300)), triage(cspmDocument(2_300, 2_300))];
    const large = await open();
    const small = await open();
    for (const triaged of documents) {
      const results = await persistFindings(large, triaged);
      expect(results.filter((r) => r.outcome === "created")).toHaveLength(2_300);
      for (let i = 0; i < triaged.length; i += 100) await persistFindings(small, triaged.slice(i, i + 100));
      time.advance(60_000);
    }
    const [got, want] = [await contents(large), await contents(small)];
    expect(got.findings).toHaveLength(4_600);
    expect(got.audit).toHaveLength(13_800);
    expect(got.sources).toHaveLength(4_600);
    expect(got.jobs).toHaveLength(4_600);
    expect(got).toEqual(want);
  });
});
