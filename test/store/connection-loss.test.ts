// A PostgreSQL server that ends the store's connections (a restart, a failover, an idle timeout,
// an operator's pg_terminate_backend) must not take the app down: the idle connection's error is
// reported as a warning and the next query runs on a fresh connection. Before, the pool's 'error'
// event had no listener and Node turned it into an uncaught exception.

import { sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.ts";
import { freshLocation, PG_URL, type TestLocation } from "./engines.ts";

(PG_URL ? describe : describe.skip)("a PostgreSQL store whose connections the server ends", () => {
  let where: TestLocation;
  let store: Store;
  const warnings: { message: string; code?: string }[] = [];

  beforeEach(async () => {
    warnings.length = 0;
    where = await freshLocation("postgres");
    store = await Store.open(where.location, {
      warn: (message, detail) => warnings.push({ message, ...detail }),
    });
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("warns once per lost connection and answers the next query on a new one", async () => {
    // Two idle connections in the pool.
    await Promise.all([
      sql`select pg_sleep(0.05)`.execute(store.db),
      sql`select pg_sleep(0.05)`.execute(store.db),
    ]);
    const database = new URL(where.location.databaseUrl as string).pathname.slice(1);

    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const { rows } = await admin.query(
      "select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [database],
    );
    await admin.end();
    expect(rows.length).toBe(2);
    await waitFor(() => warnings.length === 2);

    expect(warnings).toEqual([
      {
        message:
          "a PostgreSQL connection was closed by the server: terminating connection due to administrator command; the next query reconnects",
        code: "57P01",
      },
      {
        message:
          "a PostgreSQL connection was closed by the server: terminating connection due to administrator command; the next query reconnects",
        code: "57P01",
      },
    ]);
    const { rows: answer } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
    expect(answer).toEqual([{ one: 1 }]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the store's warnings");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
