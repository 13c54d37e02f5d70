// Migration 0006_decisions on a store of the previous schema, on both engines: an exception granted
// before it is a command's exception (origin "command", no requester or reference known), and a
// confirmed false positive's scope can be recorded against a finding.

import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, expect, it } from "vitest";
import { findingRow } from "../../src/ingest/persist.ts";
import { SQLITE_FILE } from "../../src/store/connect.ts";
import { migrate } from "../../src/store/migrations.ts";
import type { Database } from "../../src/store/schema.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";
import { asffS38, triage } from "./helpers.ts";

const AT = Date.parse("2026-11-01T09:00:00.000Z");
const APPROVER = JSON.stringify({ kind: "github-user", login: "sec-lead", id: 7 });

function openRaw(where: TestLocation): Kysely<Database> {
  if (where.engine === "sqlite")
    return new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(join(where.location.dataDir!, SQLITE_FILE)) }),
    });
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: where.location.databaseUrl }) }),
  });
}

describeEachEngine("migration 0006_decisions on a store of the previous schema", (engine) => {
  let where: TestLocation;
  let store: Store;
  const finding = triage(asffS38("FAILED"))[0]!;
  const id = finding.dedupeKey;

  beforeEach(async () => {
    where = await freshLocation(engine);
    const old = openRaw(where);
    await migrate(old, engine, "0005_audit_no_replace");
    await old
      .insertInto("findings")
      .values({ ...findingRow(finding, "excepted", 1, AT), id, org: "acme", installation_id: 4242 })
      .execute();
    await old
      .insertInto("exceptions")
      .values({
        finding_id: id,
        kind: "exception",
        reason: "accepted until the migration",
        approved_by: APPROVER,
        expires_at: AT + 86_400_000,
        created_at: AT,
        revoked_at: null,
      } as never)
      .execute();
    await old.destroy();
    store = await where.open(() => AT + 60_000);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("keeps an earlier exception as a command's, with no requester or reference", async () => {
    const rows = await store.db
      .selectFrom("exceptions")
      .select(["finding_id", "origin", "requested_by", "reference", "approved_by"])
      .execute();
    expect(rows).toEqual([
      { finding_id: id, origin: "command", requested_by: null, reference: null, approved_by: APPROVER },
    ]);
  });

  it("records a confirmed false positive's scope against its finding", async () => {
    await store.db
      .insertInto("suppression_scopes")
      .values({
        org: "acme",
        repository: null,
        rule_id: "aws-s3-public-access-block",
        resource: null,
        scope: "organization",
        finding_id: id,
        decided_by: APPROVER,
        reason: "the account-level block covers every bucket",
        created_at: AT,
        revoked_at: null,
      })
      .execute();
    const rows = await store.db
      .selectFrom("suppression_scopes")
      .select(["scope", "rule_id", "repository"])
      .execute();
    expect(rows).toEqual([
      { scope: "organization", rule_id: "aws-s3-public-access-block", repository: null },
    ]);
  });
});
