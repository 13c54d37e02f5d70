// The store handle: the database, its engine, and the clock every timestamp comes from. Query
// modules (findings, audit, jobs…) are plain functions over a `Db`, which is either this handle's
// database or an open transaction, so callers compose them inside one transaction.

import { type Kysely, sql } from "kysely";
import { type Engine, openDatabase, type StoreLocation, type StoreWarning } from "./connect.ts";
import type { Database } from "./schema.ts";

export type Db = Kysely<Database>;

/** Milliseconds since the epoch; injectable so tests can move time (leases, backoff, SLAs). */
export type Clock = () => number;

export interface StoreOptions {
  clock?: Clock;
  /** Where a lost connection is reported (default: stderr). */
  warn?: StoreWarning;
}

export class Store {
  private constructor(
    readonly db: Db,
    readonly engine: Engine,
    /** Where the data lives, without credentials (for logs and the CLI). */
    readonly location: string,
    readonly now: Clock,
  ) {}

  static async open(location: StoreLocation, options: StoreOptions = {}): Promise<Store> {
    const opened = await openDatabase(location, options.warn);
    return new Store(opened.db, opened.engine, opened.describe, options.clock ?? Date.now);
  }

  /** Runs `fn` in one transaction (BEGIN IMMEDIATE on SQLite): all of it is written or none.
   *  Inside `fn` use only `tx`: SQLite has one connection, which the transaction holds. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /** SQLite: copies the WAL's committed pages into the database file (PASSIVE: never waits for a
   *  reader or writer), off any ingest's commit (src/store/connect.ts). PostgreSQL: nothing to do. */
  async checkpoint(): Promise<void> {
    if (this.engine === "sqlite") await sql`pragma wal_checkpoint(PASSIVE)`.execute(this.db);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

/**
 * Where the CLI and the app find the store: DATABASE_URL, else the data directory; with
 * DATABASE_MIGRATION_URL, migrations run as that (owner) role and DATABASE_URL's role only uses the schema.
 */
export function storeLocationFromEnv(env: NodeJS.ProcessEnv, dataDirFlag?: string): StoreLocation {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    migrationUrl: env.DATABASE_MIGRATION_URL || undefined,
    dataDir: dataDirFlag ?? (env.FIXLOOP_DATA_DIR || ".fixloop"),
  };
}

/** A `SELECT 1`: the store answers (the health check). */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
