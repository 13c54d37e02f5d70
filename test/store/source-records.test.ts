// Source records (issue 19): the raw record each source sent is kept as received and read back
// unchanged, and a record seen again unchanged is not written again. "Not written" is observed by
// the database itself: a trigger counts every INSERT and UPDATE on finding_sources.

import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, expect, it } from "vitest";
import { findingRow, persistFindings, sourceRow } from "../../src/ingest/persist.ts";
import { SQLITE_FILE } from "../../src/store/connect.ts";
import { findingSources } from "../../src/store/findings.ts";
import { migrate } from "../../src/store/migrations.ts";
import type { Database } from "../../src/store/schema.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";
import { asffS38, readFixture, triage } from "./helpers.ts";

/** Counts the row writes on finding_sources from now on (INSERT, and UPDATE including an upsert's). */
async function countSourceWrites(store: Store): Promise<() => Promise<number>> {
  await sql`create table source_writes (op text not null)`.execute(store.db);
  if (store.engine === "sqlite") {
    for (const op of ["insert", "update"])
      await sql
        .raw(`create trigger source_${op} after ${op} on finding_sources
              begin insert into source_writes values ('${op}'); end`)
        .execute(store.db);
  } else {
    await sql
      .raw(`create function count_source_write() returns trigger language plpgsql as $$
            begin insert into source_writes values (tg_op); return null; end $$`)
      .execute(store.db);
    await sql
      .raw(`create trigger source_write after insert or update on finding_sources
            for each row execute function count_source_write()`)
      .execute(store.db);
  }
  return async () =>
    Number((await sql<{ n: number }>`select count(*) as n from source_writes`.execute(store.db)).rows[0]?.n);
}

function openRaw(where: TestLocation): Kysely<Database> {
  if (where.engine === "sqlite")
    return new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(join(where.location.dataDir!, SQLITE_FILE)) }),
    });
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: where.location.databaseUrl }) }),
  });
}

async function rawColumn(store: Store) {
  return store.db
    .selectFrom("finding_sources")
    .select(["finding_id", "source_finding_id", "raw", "raw_hash", "status", "last_seen"])
    .orderBy("finding_id")
    .orderBy("source_finding_id")
    .execute();
}

describeEachEngine("source records", (engine) => {
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

  it("reads back each raw record exactly as received, byte for byte", async () => {
    // One record per resource it names: 2 records, 5 findings.
    const document = readFixture("asff/config_multiple_resources.json") as { findings: unknown[] };
    const triaged = triage(document);
    const results = await persistFindings(store, triaged);
    expect(results.map((r) => r.outcome)).toEqual(Array(5).fill("created"));
    for (const [i, r] of results.entries()) {
      const record = triaged[i]?.finding.raw;
      expect(document.findings).toContainEqual(record);
      const [source] = await findingSources(store.db, r.id);
      // What `fixloop finding --json` and the remediation read: the record itself.
      expect(source?.raw).toEqual(record);
      expect(JSON.stringify(source?.raw)).toBe(JSON.stringify(record));
    }
    const stored = await rawColumn(store);
    expect(stored.map((s) => s.raw).sort()).toEqual(triaged.map((t) => JSON.stringify(t.finding.raw)).sort());
  });

  it("does not write a source row again when the same record arrives again", async () => {
    const triaged = triage(asffS38("FAILED", "2026-11-01T08:00:00.000Z"));
    await persistFindings(store, triaged);
    const before = await rawColumn(store);
    const writes = await countSourceWrites(store);
    time.advance(60_000);

    const again = await persistFindings(store, triage(asffS38("FAILED", "2026-11-01T08:00:00.000Z")));
    expect(again.map((r) => r.outcome)).toEqual(["updated"]);
    expect(await writes()).toBe(0);
    expect(await rawColumn(store)).toEqual(before);
  });

  it("writes the record again when it changed, and only the time when a source sends none", async () => {
    const [hubResult] = await persistFindings(store, triage(asffS38("FAILED", "2026-11-01T08:00:00.000Z")));
    const generic = readFixture("generic/cspm-batch.json");
    await persistFindings(store, triage(generic));
    const before = await rawColumn(store);
    const hubBefore = before.find((r) => r.finding_id === hubResult?.id);
    const genericBefore = before.filter((r) => r.finding_id !== hubResult?.id);
    expect(genericBefore.length).toBeGreaterThan(0);
    const writes = await countSourceWrites(store);
    time.advance(60_000);

    // A later observation of the Security Hub finding: its record changed.
    await persistFindings(store, triage(asffS38("FAILED", "2026-11-02T08:00:00.000Z")));
    expect(await writes()).toBe(1);
    // The generic records carry no time of their own: seen now, same record.
    await persistFindings(store, triage(generic));
    expect(await writes()).toBe(1 + genericBefore.length);

    const after = await rawColumn(store);
    const hub = after.find((r) => r.finding_id === hubResult?.id);
    expect(hub?.raw).toContain("2026-11-02T08:00:00.000Z");
    expect(hub?.raw_hash).not.toBe(hubBefore?.raw_hash);
    for (const old of genericBefore) {
      const now = after.find(
        (r) => r.finding_id === old.finding_id && r.source_finding_id === old.source_finding_id,
      );
      expect(now).toEqual({ ...old, last_seen: time.clock() });
    }
  });
});

describeEachEngine("migration 0015_source_raw_hash on a store of the previous schema", (engine) => {
  let where: TestLocation;
  let store: Store;
  const AT = Date.parse("2026-11-01T09:00:00.000Z");
  const hub = asffS38("FAILED", "2026-11-01T08:00:00.000Z");
  const triaged = triage(hub);
  beforeEach(async () => {
    where = await freshLocation(engine);
    const old = openRaw(where);
    await migrate(old, engine, "0012_jira_issues");
    const t = triaged[0]!;
    await old
      .insertInto("findings")
      .values(findingRow(t, "triaged", 2, AT))
      .execute();
    // As the code before 0015 wrote it: the record, no hash.
    await old.insertInto("finding_sources").values(sourceRow(t, AT)).execute();
    await old.destroy();
    store = await where.open(() => AT + 60_000);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("reads the old rows' records as before, and writes each one's hash once at its next ingest", async () => {
    const [before] = await rawColumn(store);
    expect(before?.raw_hash).toBeNull();
    expect((await findingSources(store.db, before!.finding_id))[0]?.raw).toEqual(hub);
    const writes = await countSourceWrites(store);

    expect((await persistFindings(store, triaged)).map((r) => r.outcome)).toEqual(["updated"]);
    expect(await writes()).toBe(1);
    const [row] = await rawColumn(store);
    expect(row).toEqual({ ...before, raw_hash: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });

    await persistFindings(store, triaged);
    expect(await writes()).toBe(1);
  });
});
