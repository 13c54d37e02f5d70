// Runs a store test suite against every engine: SQLite always, PostgreSQL when
// FIXLOOP_TEST_DATABASE_URL points at a server (`.ci/run` starts one; locally:
// `eval "$(scripts/postgres-test-server.sh start)"`). Without it the PostgreSQL suites are
// skipped with a message — and in CI (CI=true) that is a failure, never a silent pass.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe } from "vitest";
import type { Engine } from "../../src/store/connect.ts";
import { type Clock, Store } from "../../src/store/store.ts";

export const PG_URL = process.env.FIXLOOP_TEST_DATABASE_URL;

// Without a server, test/global-setup.ts says so once for the whole run (and fails under CI=true).

/** A fresh, empty location for one store: a temp directory, or a new PostgreSQL database. */
export interface TestLocation {
  engine: Engine;
  location: { databaseUrl?: string; dataDir?: string };
  open(clock?: Clock): Promise<Store>;
  dispose(): Promise<void>;
}

export async function freshLocation(engine: Engine): Promise<TestLocation> {
  if (engine === "sqlite") {
    const dataDir = mkdtempSync(join(tmpdir(), "fixloop-store-"));
    return {
      engine,
      location: { dataDir },
      open: (clock) => Store.open({ dataDir }, clock ? { clock } : {}),
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `fixloop_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL as string);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    engine,
    location: { databaseUrl },
    open: (clock) => Store.open({ databaseUrl }, clock ? { clock } : {}),
    dispose: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** `describe` once per engine; the PostgreSQL one is skipped (visibly) without a server. */
export function describeEachEngine(title: string, suite: (engine: Engine) => void): void {
  describe(`${title} [sqlite]`, () => suite("sqlite"));
  (PG_URL ? describe : describe.skip)(`${title} [postgres]`, () => suite("postgres"));
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse("2026-11-01T09:00:00.000Z")) {
  let t = start;
  const clock: Clock = () => t;
  return {
    clock,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
