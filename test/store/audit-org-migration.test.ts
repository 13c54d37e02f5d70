// Migration 0020_audit_event_org on a store of the previous schema, on both engines: every event
// already written gets its finding's organization (none for a finding without one), the trail
// stays append-only afterwards, and events written from then on carry the organization — from
// admission, a command and a plain state change alike.

import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, expect, it } from "vitest";
import { findingRow, persistFindings } from "../../src/ingest/persist.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { SQLITE_FILE } from "../../src/store/connect.ts";
import { migrate } from "../../src/store/migrations.ts";
import type { Database } from "../../src/store/schema.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";
import { asffS38, triage } from "./helpers.ts";

const AT = Date.parse("2026-11-01T09:00:00.000Z");
const APP = JSON.stringify({ kind: "app" });

function openRaw(where: TestLocation): Kysely<Database> {
  if (where.engine === "sqlite")
    return new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(join(where.location.dataDir!, SQLITE_FILE)) }),
    });
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: where.location.databaseUrl }) }),
  });
}

describeEachEngine("migration 0020_audit_event_org on a store of the previous schema", (engine) => {
  let where: TestLocation;
  let store: Store;
  const finding = triage(asffS38("FAILED"))[0]!;
  // The same finding in two organizations and once from the CLI (no organization).
  const ids = { acme: "a".repeat(24), globex: "b".repeat(24), cli: "c".repeat(24) };

  beforeEach(async () => {
    where = await freshLocation(engine);
    const old = openRaw(where);
    await migrate(old, engine, "0019_dashboard_covering_indexes");
    for (const [org, id] of Object.entries(ids)) {
      await old
        .insertInto("findings")
        .values({
          ...findingRow(finding, "triaged", 2, AT),
          id,
          dedupe_key: id,
          ...(org === "cli" ? {} : { org, installation_id: 4242 }),
        })
        .execute();
      for (const [k, to] of ["new", "triaged"].entries())
        await old
          .insertInto("audit_events")
          .values({
            finding_id: id,
            from_state: k === 0 ? null : "new",
            to_state: to,
            at: AT + k,
            actor_kind: "app",
            actor: APP,
            reason: `entered ${to}`,
            links: "{}",
          } as never)
          .execute();
    }
    await old.destroy();
    store = await where.open(() => AT + 60_000);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("gives every earlier event its finding's organization", async () => {
    const rows = await store.db
      .selectFrom("audit_events")
      .select(["finding_id", "to_state", "org"])
      .orderBy("id")
      .execute();
    expect(rows).toEqual([
      { finding_id: ids.acme, to_state: "new", org: "acme" },
      { finding_id: ids.acme, to_state: "triaged", org: "acme" },
      { finding_id: ids.globex, to_state: "new", org: "globex" },
      { finding_id: ids.globex, to_state: "triaged", org: "globex" },
      { finding_id: ids.cli, to_state: "new", org: null },
      { finding_id: ids.cli, to_state: "triaged", org: null },
    ]);
  });

  it("keeps the trail append-only after the fill", async () => {
    await expect(sql`UPDATE audit_events SET org = 'initech'`.execute(store.db)).rejects.toThrow(
      "audit_events is append-only",
    );
    await expect(store.db.deleteFrom("audit_events").execute()).rejects.toThrow(
      "audit_events is append-only",
    );
  });

  it("writes the organization on new events: admission, commands and state changes", async () => {
    const admitted = await persistFindings(store, triage(asffS38("FAILED")), { org: "initech" });
    const id = admitted[0]!.id;
    await changeState(store, { findingId: id, to: "unlocatable", actor: { kind: "app" }, reason: "test" });
    await changeState(store, {
      findingId: ids.globex,
      to: "recorded_only",
      actor: { kind: "app" },
      reason: "test",
    });
    const rows = await store.db
      .selectFrom("audit_events")
      .select(["finding_id", "org"])
      .where("finding_id", "in", [id, ids.globex])
      .orderBy("id")
      .execute();
    expect(rows.filter((r) => r.finding_id === id).map((r) => r.org)).toEqual(
      Array(rows.filter((r) => r.finding_id === id).length).fill("initech"),
    );
    expect(rows.filter((r) => r.finding_id === id).length).toBeGreaterThanOrEqual(3);
    expect(rows.filter((r) => r.finding_id === ids.globex).map((r) => r.org)).toEqual([
      "globex",
      "globex",
      "globex",
    ]);
  });
});
