import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { auditTrail } from "../../src/store/audit.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";
import { asffS38, triage } from "./helpers.ts";

describeEachEngine("the audit trail is append-only in the database", (engine) => {
  let where: TestLocation;
  let store: Store;
  let id: string;

  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open();
    id = (await persistFindings(store, triage(asffS38("FAILED"))))[0]?.id as string;
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("refuses UPDATE of an event, even as raw SQL", async () => {
    await expect(sql`UPDATE audit_events SET reason = 'nothing happened'`.execute(store.db)).rejects.toThrow(
      "audit_events is append-only",
    );
    await expect(
      store.db
        .updateTable("audit_events")
        .set({ actor: '{"kind":"app"}' })
        .where("finding_id", "=", id)
        .execute(),
    ).rejects.toThrow("audit_events is append-only");
    expect((await auditTrail(store.db, id)).map((e) => e.reason)[0]).toMatch(/^first seen in securityhub/);
  });

  it("refuses DELETE of an event", async () => {
    await expect(store.db.deleteFrom("audit_events").where("finding_id", "=", id).execute()).rejects.toThrow(
      "audit_events is append-only",
    );
    expect(await auditTrail(store.db, id)).toHaveLength(3);
  });

  it("refuses an insert that would replace an event (INSERT OR REPLACE, REPLACE INTO, upsert)", async () => {
    const before = await auditTrail(store.db, id);
    const first = (await sql<{ id: number }>`SELECT min(id) AS id FROM audit_events`.execute(store.db))
      .rows[0]!.id;
    const columns = sql`(id, finding_id, from_state, to_state, at, actor_kind, actor, reason, links)`;
    const forged = sql`(${first}, ${id}, NULL, 'resolved', 0, 'app', '{"kind":"app"}', 'nothing to see', '[]')`;
    const attempts =
      engine === "sqlite"
        ? [
            sql`INSERT OR REPLACE INTO audit_events ${columns} VALUES ${forged}`,
            sql`REPLACE INTO audit_events ${columns} VALUES ${forged}`,
            sql`INSERT INTO audit_events ${columns} VALUES ${forged} ON CONFLICT (id) DO UPDATE SET reason = excluded.reason`,
          ]
        : [
            sql`INSERT INTO audit_events ${columns} VALUES ${forged} ON CONFLICT (id) DO UPDATE SET reason = excluded.reason`,
          ];
    for (const attempt of attempts) {
      await expect(attempt.execute(store.db)).rejects.toThrow("audit_events is append-only");
    }
    // A plain insert with that id is refused too (by the trigger on SQLite, the key on PostgreSQL).
    await expect(
      sql`INSERT INTO audit_events ${columns} VALUES ${forged}`.execute(store.db),
    ).rejects.toThrow();
    expect(await auditTrail(store.db, id)).toEqual(before);
  });

  if (engine === "postgres") {
    it("refuses TRUNCATE", async () => {
      await expect(sql`TRUNCATE audit_events`.execute(store.db)).rejects.toThrow(
        "audit_events is append-only",
      );
    });
  }
});

describe("the code has no path that rewrites the audit trail", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );
  const src = files(new URL("../../src", import.meta.url).pathname);

  const rewriting =
    /(updateTable|deleteFrom|replaceInto|mergeInto)\(\s*["'`]audit_events|\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?|REPLACE\s+INTO)\s+["`]?audit_events\b/i;
  const migrations = join(new URL("../../src", import.meta.url).pathname, "store", "migrations.ts");

  it("never updates, deletes or truncates audit_events (query builder or SQL)", () => {
    const offenders = src.filter((f) => f !== migrations && rewriting.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("rewrites it in migrations only to fill the derived organization column (0020), once per engine", () => {
    const statements = readFileSync(migrations, "utf8")
      .split("`")
      .filter((text) => rewriting.test(text))
      .map((text) => text.replace(/\s+/g, " ").trim());
    expect(statements).toEqual([
      "UPDATE audit_events a SET org = f.org FROM findings f WHERE f.id = a.finding_id AND f.org IS NOT NULL",
      "UPDATE audit_events SET org = f.org FROM findings f WHERE f.id = audit_events.finding_id AND f.org IS NOT NULL",
    ]);
  });

  it("writes audit events in exactly one module, and it only inserts", () => {
    const writers = src.filter((f) =>
      /(insertInto\(|insertRows\(\s*\w+,)\s*["'`]audit_events/.test(readFileSync(f, "utf8")),
    );
    expect(writers.map((f) => f.slice(f.indexOf("src/")))).toEqual(["src/store/audit.ts"]);
  });

  it("changes a finding's state in exactly one store module (called only from the lifecycle's)", () => {
    // Every `updateTable("findings")…execute` statement that sets `state`; who may call it is
    // test/architecture/lifecycle-seam.test.ts's check.
    const setsState = src.filter((f) =>
      readFileSync(f, "utf8")
        .split(/updateTable\(/)
        .slice(1)
        .some(
          (stmt) =>
            /^\s*["'`]findings["'`]/.test(stmt) && /\bstate\s*:/.test(stmt.split(".execute")[0] ?? ""),
        ),
    );
    expect(setsState.map((f) => f.slice(f.indexOf("src/")))).toEqual(["src/store/findings.ts"]);
  });
});
