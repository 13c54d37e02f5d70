// PostgreSQL with two roles: an owner that runs the migrations (DATABASE_MIGRATION_URL) and the app's
// role (DATABASE_URL) that only uses the schema. The app works as usual, and the audit trail is
// append-only by privilege as well as by trigger: the app's role cannot update, delete, truncate,
// disable or drop the triggers. Runs wherever the PostgreSQL store tests run (`.ci/run` starts the
// server; the roles are created here, on that server, and dropped after).

import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { Store } from "../../src/store/store.ts";
import { PG_URL } from "./engines.ts";
import { asffS38, triage } from "./helpers.ts";

const suffix = randomBytes(4).toString("hex");
const OWNER = `fixloop_owner_${suffix}`;
const APP = `fixloop_app_${suffix}`;
const DB = `fixloop_roles_${suffix}`;

const urlFor = (role: string) => {
  const url = new URL(PG_URL as string);
  url.username = role;
  url.pathname = `/${DB}`;
  return url.toString();
};

async function asAdmin(...statements: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}

(PG_URL ? describe : describe.skip)("PostgreSQL with an owner role for migrations and an app role", () => {
  let store: Store;
  let findingId: string;

  beforeAll(async () => {
    // What a DBA does once (README "Security model"): two login roles, the database owned by the owner.
    await asAdmin(
      `CREATE ROLE ${OWNER} LOGIN`,
      `CREATE ROLE ${APP} LOGIN`,
      `CREATE DATABASE ${DB} OWNER ${OWNER}`,
      `REVOKE ALL ON DATABASE ${DB} FROM PUBLIC`,
      `GRANT CONNECT ON DATABASE ${DB} TO ${APP}`,
    );
    store = await Store.open({ databaseUrl: urlFor(APP), migrationUrl: urlFor(OWNER) });
    findingId = (await persistFindings(store, triage(asffS38("FAILED"))))[0]?.id as string;
  });
  afterAll(async () => {
    await store?.close();
    await asAdmin(
      `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`,
      `DROP ROLE IF EXISTS ${APP}`,
      `DROP ROLE IF EXISTS ${OWNER}`,
    );
  });

  it("works as the app role: findings, sources, jobs and audit events written and read", async () => {
    expect((await sql<{ who: string }>`select current_user as who`.execute(store.db)).rows[0]?.who).toBe(APP);
    expect(await auditTrail(store.db, findingId)).toHaveLength(3);
    const tables = await sql<{ tablename: string; tableowner: string }>`
      select tablename, tableowner from pg_tables where schemaname = current_schema()`.execute(store.db);
    expect(tables.rows.length).toBeGreaterThan(5);
    expect(new Set(tables.rows.map((t) => t.tableowner))).toEqual(new Set([OWNER]));
  });

  it("refuses UPDATE, DELETE and TRUNCATE of audit_events by privilege", async () => {
    const denied = "permission denied for table audit_events";
    await expect(sql`UPDATE audit_events SET reason = 'nothing happened'`.execute(store.db)).rejects.toThrow(
      denied,
    );
    await expect(sql`DELETE FROM audit_events`.execute(store.db)).rejects.toThrow(denied);
    await expect(sql`TRUNCATE audit_events`.execute(store.db)).rejects.toThrow(denied);
    await expect(
      sql`INSERT INTO audit_events (id, finding_id, to_state, at, actor_kind, actor, reason, links)
          SELECT id, finding_id, 'resolved', 0, 'app', '{}', 'forged', '[]' FROM audit_events LIMIT 1
          ON CONFLICT (id) DO UPDATE SET reason = excluded.reason`.execute(store.db),
    ).rejects.toThrow(denied);
    expect(await auditTrail(store.db, findingId)).toHaveLength(3);
  });

  it("cannot disable, drop or replace the append-only triggers", async () => {
    const notOwner = /must be owner of (table|relation) audit_events/;
    await expect(sql`ALTER TABLE audit_events DISABLE TRIGGER ALL`.execute(store.db)).rejects.toThrow(
      notOwner,
    );
    await expect(
      sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`.execute(store.db),
    ).rejects.toThrow(notOwner);
    await expect(sql`DROP TRIGGER audit_events_no_change ON audit_events`.execute(store.db)).rejects.toThrow(
      notOwner,
    );
    await expect(
      sql
        .raw(`CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql
               AS $$ BEGIN RETURN NEW; END $$`)
        .execute(store.db),
    ).rejects.toThrow(/must be owner of function audit_events_append_only|permission denied for schema/);
    await expect(sql`SET session_replication_role = replica`.execute(store.db)).rejects.toThrow(
      /permission denied to set parameter "session_replication_role"/,
    );
    const triggers = await sql<{ tgname: string; tgenabled: string }>`
      select tgname, tgenabled from pg_trigger where tgrelid = 'audit_events'::regclass and not tgisinternal
      order by tgname`.execute(store.db);
    expect(triggers.rows).toEqual([
      { tgname: "audit_events_no_change", tgenabled: "O" },
      { tgname: "audit_events_no_truncate", tgenabled: "O" },
    ]);
  });

  it("opens as the app role alone once migrated, and says what to do when a migration is missing", async () => {
    const alone = await Store.open({ databaseUrl: urlFor(APP) });
    expect(await auditTrail(alone.db, findingId)).toHaveLength(3);
    await alone.close();
    // An upgrade brings a migration the database has not run: here, the owner forgets the last one.
    const owner = new pg.Client({ connectionString: urlFor(OWNER) });
    await owner.connect();
    const last = (await owner.query("select name from fixloop_migrations order by name desc limit 1")).rows[0]
      .name;
    await owner.query("delete from fixloop_migrations where name = $1", [last]);
    await owner.end();
    await expect(Store.open({ databaseUrl: urlFor(APP) })).rejects.toThrow(
      new RegExp(
        `^the store needs migrations ${last} and this role may not run them .*: run them once with DATABASE_MIGRATION_URL set to the schema owner's URL$`,
      ),
    );
  });

  it("refuses to run with the same role for both URLs, naming it", async () => {
    await expect(Store.open({ databaseUrl: urlFor(OWNER), migrationUrl: urlFor(OWNER) })).rejects.toThrow(
      `DATABASE_MIGRATION_URL and DATABASE_URL both connect as "${OWNER}"`,
    );
  });
});
