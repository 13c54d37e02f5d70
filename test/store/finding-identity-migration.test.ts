// Migration 0004 on a store written by the previous schema (0001–0003), on both engines: existing
// findings keep their ids (the audit trail, PR trailers and issues name them), their organization
// and their history; from then on identities are scoped, and a repository scan claims the
// organization's finding it reported before repositories were recorded.

import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, expect, it } from "vitest";
import { findingRow, persistDocument, sourceRow } from "../../src/ingest/persist.ts";
import type { TriagedFinding } from "../../src/ingest/triage-finding.ts";
import { admissionPath } from "../../src/lifecycle/admission.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { SQLITE_FILE } from "../../src/store/connect.ts";
import { migrate } from "../../src/store/migrations.ts";
import type { Database } from "../../src/store/schema.ts";
import type { Db, Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";
import { asffS38, readFixture, triage } from "./helpers.ts";

const AT = Date.parse("2026-11-01T09:00:00.000Z");

function openRaw(where: TestLocation): Kysely<Database> {
  if (where.engine === "sqlite")
    return new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(join(where.location.dataDir!, SQLITE_FILE)) }),
    });
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: where.location.databaseUrl }) }),
  });
}

/** A finding as the previous code stored it: id = dedupe key, no dedupe_key or repository column. */
async function storeAsBefore(db: Db, t: TriagedFinding, org: string | null): Promise<void> {
  const { dedupe_key: _k, repository: _r, ...row } = findingRow(t, "triaged", 2, AT);
  await db
    .insertInto("findings")
    .values({ ...row, org, installation_id: org ? 4242 : null } as never)
    .execute();
  await db.insertInto("finding_sources").values(sourceRow(t, AT)).execute();
  // The events as that schema held them (no organization on the event before 0020).
  const events = admissionPath(t, new Date(AT)).slice(0, 2);
  await db
    .insertInto("audit_events")
    .values(
      events.map((e) => ({
        finding_id: e.findingId,
        from_state: e.from,
        to_state: e.to,
        at: Date.parse(e.at),
        actor_kind: e.actor.kind,
        actor: JSON.stringify(e.actor),
        reason: e.reason,
        links: JSON.stringify(e.links),
      })) as never,
    )
    .execute();
}

describeEachEngine("migration 0004_finding_identity on a store of the previous schema", (engine) => {
  let where: TestLocation;
  let store: Store;
  const checkov = triage(readFixture("sarif/checkov-duplicates.sarif"));
  const hub = triage(asffS38("FAILED"));
  const batch = triage(readFixture("generic/cspm-batch.json"));
  const [legacyCheckov, legacyHub, legacyCli] = [checkov[0]!, hub[0]!, batch[0]!];

  beforeEach(async () => {
    where = await freshLocation(engine);
    const old = openRaw(where);
    await migrate(old, engine, "0003_config_issues");
    await storeAsBefore(old, legacyCheckov, "acme");
    await storeAsBefore(old, legacyHub, "acme");
    await storeAsBefore(old, legacyCli, null);
    await old
      .insertInto("tracking_issues")
      .values({
        finding_id: legacyCheckov.dedupeKey,
        repository: "acme/infra-a",
        number: 12,
        url: "https://github.com/acme/infra-a/issues/12",
        state: "open",
        reason: "not-locatable",
        created_at: AT,
        updated_at: AT,
      })
      .execute();
    await old.destroy();
    store = await where.open(() => AT + 60_000);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("keeps every finding's id, organization and history, with its dedupe key and no repository", async () => {
    const rows = await store.db
      .selectFrom("findings")
      .select(["id", "dedupe_key", "org", "repository", "state"])
      .orderBy("id")
      .execute();
    expect(rows).toEqual(
      [
        { id: legacyCheckov.dedupeKey, org: "acme" },
        { id: legacyHub.dedupeKey, org: "acme" },
        { id: legacyCli.dedupeKey, org: null },
      ]
        .map((r) => ({ ...r, dedupe_key: r.id, repository: null, state: "triaged" }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect((await auditTrail(store.db, legacyCheckov.dedupeKey)).map((e) => e.to)).toEqual([
      "new",
      "triaged",
    ]);
  });

  it("lets the first repository that reports an old finding claim it; another repository gets its own", async () => {
    const a = await persistDocument(store, checkov, { org: "acme", repository: "acme/infra-a" });
    expect(a.results[0]).toEqual({ id: legacyCheckov.dedupeKey, state: "triaged", outcome: "updated" });
    // The report repeats result 0 as result 2 (same check, file and line): the same finding.
    expect(a.results.map((r) => r.outcome)).toEqual(["updated", "created", "updated", "created"]);
    expect(a.results[2]!.id).toBe(legacyCheckov.dedupeKey);
    const b = await persistDocument(store, checkov, { org: "acme", repository: "acme/infra-b" });
    expect(b.results.map((r) => r.outcome)).toEqual(["created", "created", "created", "created"]);
    expect(b.results.map((r) => r.id)).not.toContain(legacyCheckov.dedupeKey);
    const claimed = await store.db
      .selectFrom("findings")
      .select(["repository", "dedupe_key"])
      .where("id", "=", legacyCheckov.dedupeKey)
      .executeTakeFirstOrThrow();
    expect(claimed).toEqual({ repository: "acme/infra-a", dedupe_key: legacyCheckov.dedupeKey });
    // Its issue still belongs to it, and a re-scan of infra-a still finds it.
    const issue = await store.db.selectFrom("tracking_issues").select("finding_id").executeTakeFirstOrThrow();
    expect(issue.finding_id).toBe(legacyCheckov.dedupeKey);
    const again = await persistDocument(store, checkov, { org: "acme", repository: "acme/infra-a" });
    expect(again.results.map((r) => [r.id, r.outcome])).toEqual(a.results.map((r) => [r.id, "updated"]));
  });

  it("matches an old finding for its own organization only", async () => {
    const acme = await persistDocument(store, hub, { org: "acme" });
    expect(acme.results[0]).toMatchObject({ id: legacyHub.dedupeKey, outcome: "updated" });
    const globex = await persistDocument(store, hub, { org: "globex" });
    expect(globex.results[0]).toMatchObject({ outcome: "created" });
    expect(globex.results[0]!.id).not.toBe(legacyHub.dedupeKey);
    const other = await persistDocument(store, checkov, { org: "globex", repository: "globex/infra-a" });
    expect(other.results.map((r) => r.outcome)).toEqual(["created", "created", "created", "created"]);
  });

  it("keeps the CLI's ids for its unscoped store, and never reuses an id another scope holds", async () => {
    const cli = await persistDocument(store, batch, {});
    expect(cli.results.map((r) => r.id)).toEqual(batch.map((t) => t.dedupeKey));
    expect(cli.results[0]!.outcome).toBe("updated");
    // A new unscoped finding is still named by its dedupe key …
    const second = checkov[1]!;
    expect((await persistDocument(store, [second], {})).results[0]).toMatchObject({
      id: second.dedupeKey,
      outcome: "created",
    });
    // … which the first repository the CLI names claims,
    expect((await persistDocument(store, [second], { repository: "me/infra" })).results[0]).toMatchObject({
      id: second.dedupeKey,
      outcome: "updated",
    });
    // so an unscoped post after that is a new finding with a fresh id, not a clash.
    const after = (await persistDocument(store, [second], {})).results[0]!;
    expect(after.outcome).toBe("created");
    expect(after.id).not.toBe(second.dedupeKey);
    // A bare key that is already acme's finding's id is not taken over either.
    const clash = (await persistDocument(store, [legacyCheckov], {})).results[0]!;
    expect(clash.outcome).toBe("created");
    expect(clash.id).not.toBe(legacyCheckov.dedupeKey);
  });
});
