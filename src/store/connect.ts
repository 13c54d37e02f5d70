// Opens the database: a SQLite file under the data directory by default (zero set-up), or
// PostgreSQL when a postgres:// URL is given (several app replicas on one database). Both come
// back as the same typed Kysely handle; migrations run before it is returned.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from "kysely";
import pg from "pg";
import { REUSED_STATEMENT } from "./chunks.ts";
import { grantAppRole, migrate } from "./migrations.ts";
import type { Database } from "./schema.ts";

export type Engine = "sqlite" | "postgres";

export interface StoreLocation {
  /** postgres://… selects PostgreSQL; anything else is an error rather than a silent SQLite. */
  databaseUrl?: string | undefined;
  /** Where the SQLite file lives when no database URL is given. */
  dataDir?: string | undefined;
  /**
   * DATABASE_MIGRATION_URL (PostgreSQL only): the role that owns the schema. Migrations run through it,
   * then the role of `databaseUrl` is granted what the app needs — and on audit_events only SELECT
   * and INSERT — and the app works through `databaseUrl` alone. Without it, `databaseUrl` migrates.
   */
  migrationUrl?: string | undefined;
}

/** What the store reports about itself that is not a query result (a lost connection). */
export type StoreWarning = (message: string, detail: { code?: string }) => void;

/** Default: one line on stderr. The app passes its logger instead. */
export const warnOnStderr: StoreWarning = (message, detail) =>
  process.stderr.write(`fixloop store: ${message}${detail.code ? ` (${detail.code})` : ""}\n`);

export interface OpenDatabase {
  db: Kysely<Database>;
  engine: Engine;
  /** Where it is, without credentials: the SQLite path or postgres://host:port/db. */
  describe: string;
}

export const SQLITE_FILE = "fixloop.sqlite";

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(unparseable database URL)";
  }
}

// SQLite's plain BEGIN takes the write lock only at the first write, and a second process that
// also read first then gets SQLITE_BUSY without waiting. BEGIN IMMEDIATE takes it up front, so
// concurrent writers queue on busy_timeout instead of failing.
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver() {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    return driver;
  }
}

/** Distinct reused statements kept prepared per connection: a full chunk per bulk table, with room to spare. */
const REUSED_STATEMENTS_KEPT = 16;

/**
 * Kysely's SQLite driver prepares every statement it runs. Compiling a 30,000-parameter multi-row
 * INSERT takes ~3.5 ms, and an ingest runs the same full-chunk statement again and again, so the
 * statements src/store/chunks.ts marks as reused are kept prepared, least recently used dropped
 * first. Only writes: a read's statement may be iterated (a stream), and better-sqlite3 refuses
 * to run a statement that is still iterating.
 */
function withBulkStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const kept = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => void sqlite.close(),
    prepare(text: string) {
      if (!text.startsWith(REUSED_STATEMENT)) return sqlite.prepare(text);
      const hit = kept.get(text);
      if (hit) {
        kept.delete(text);
        kept.set(text, hit);
        return hit;
      }
      const statement = sqlite.prepare(text);
      if (statement.reader) return statement;
      kept.set(text, statement);
      if (kept.size > REUSED_STATEMENTS_KEPT) kept.delete(kept.keys().next().value as string);
      return statement;
    },
  };
}

/** 64 MB of 4 KB pages: more than one ingest of 5,000 Security Hub findings writes (~31 MB). */
const WAL_AUTOCHECKPOINT_PAGES = 16_384;

function openSqlite(dataDir: string): OpenDatabase {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, SQLITE_FILE);
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma("journal_mode = WAL");
  // WAL with NORMAL sync is durable against process crashes (the case the job lease covers);
  // only an OS crash can lose the last transactions.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 10000");
  sqlite.pragma("foreign_keys = ON");
  // The WAL checkpoint (copying committed pages into the database file and syncing it) is kept off
  // the commit path: SQLite's default ran it inside whichever commit passed 1,000 pages, i.e.
  // inside a bulk ingest (~120 ms of ~650 for 5,000 Security Hub findings, docs/benchmarks.md).
  // The sweeps checkpoint (Store.checkpoint), and closing the last connection does; the automatic
  // one stays as a bound, at 64 MB of WAL, for a process that runs neither, and the file is cut
  // back to that size after a checkpoint.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  sqlite.pragma(`journal_size_limit = ${WAL_AUTOCHECKPOINT_PAGES * 4096}`);
  return {
    db: new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: withBulkStatementCache(sqlite) }),
    }),
    engine: "sqlite",
    describe: file,
  };
}

/**
 * pg sends every query as an unnamed statement, which PostgreSQL parses and plans at each run: for
 * a full chunk of a multi-row INSERT (~30,000 parameters) the planning is most of its cost. The
 * statements src/store/chunks.ts marks as reused run as named statements instead, prepared once
 * per connection (at most REUSED_STATEMENTS_KEPT of them; beyond that, unnamed as before).
 */
function runReusedStatementsNamed(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text !== "string" || !text.startsWith(REUSED_STATEMENT) || !Array.isArray(values))
      return query(...args);
    let name = names.get(text);
    if (!name && names.size < REUSED_STATEMENTS_KEPT) {
      name = `fixloop_reused_${names.size + 1}`;
      names.set(text, name);
    }
    return name ? query({ name, text, values }, ...args.slice(2)) : query(...args);
  };
}

function openPostgres(url: string, warn: StoreWarning): OpenDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Timestamps are bigint epoch milliseconds; they fit a JS number exactly (< 2^53).
    types: {
      getTypeParser: (oid: number, format?: "text" | "binary") =>
        oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as "text"),
    } as pg.CustomTypesConfig,
  });
  // An idle connection the server ends (a restart, a failover, pg_terminate_backend, an idle
  // timeout) is reported as a pool 'error' event. Without a listener Node treats it as an
  // uncaught exception and the whole app dies; with one, the pool drops the connection and opens
  // a fresh one for the next query, so saying so is all there is to do.
  pool.on("error", (error: Error & { code?: string }) =>
    warn(`a PostgreSQL connection was closed by the server: ${error.message}; the next query reconnects`, {
      ...(error.code ? { code: error.code } : {}),
    }),
  );
  // A connection ended while checked out (the organization lock's holder, store/org-locks.ts, when
  // the server frees a stale lock) fails its queries with the error; its 'error' event must not
  // also become an uncaught exception.
  pool.on("connect", (client) => {
    client.on("error", () => {});
    runReusedStatementsNamed(client);
  });
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    engine: "postgres",
    describe: redactUrl(url),
  };
}

/**
 * Migrates through the owner's connection, then grants the app's role its privileges; the owner's
 * connection is closed before the app's is used. Both must reach the same database as different roles.
 */
async function migrateAsOwner(app: OpenDatabase, migrationUrl: string, warn: StoreWarning): Promise<void> {
  if (!/^postgres(ql)?:\/\//.test(migrationUrl))
    throw new Error(`DATABASE_MIGRATION_URL must be a postgres:// URL (got ${redactUrl(migrationUrl)})`);
  const owner = openPostgres(migrationUrl, warn);
  try {
    const who = async (db: Kysely<Database>) =>
      (
        await sql<{
          role: string;
          database: string;
        }>`select current_user as role, current_database() as database`.execute(db)
      ).rows[0]!;
    const [asOwner, asApp] = [await who(owner.db), await who(app.db)];
    if (asOwner.database !== asApp.database)
      throw new Error(
        `DATABASE_MIGRATION_URL reaches database "${asOwner.database}" but DATABASE_URL reaches "${asApp.database}": they must be the same database`,
      );
    if (asOwner.role === asApp.role)
      throw new Error(
        `DATABASE_MIGRATION_URL and DATABASE_URL both connect as "${asApp.role}": the app's role must be another role than the owner's, or it could alter the audit table; leave DATABASE_MIGRATION_URL unset to run with one role`,
      );
    await migrate(owner.db, "postgres");
    await grantAppRole(owner.db, asApp.role);
  } finally {
    await owner.db.destroy();
  }
}

/** Opens and migrates. `databaseUrl` wins over `dataDir`; an unsupported URL is an error. */
export async function openDatabase(
  location: StoreLocation,
  warn: StoreWarning = warnOnStderr,
): Promise<OpenDatabase> {
  const { databaseUrl } = location;
  let opened: OpenDatabase;
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl))
      throw new Error(
        `DATABASE_URL must be a postgres:// URL (got ${redactUrl(databaseUrl)}); leave it unset for the SQLite store`,
      );
    opened = openPostgres(databaseUrl, warn);
  } else {
    opened = openSqlite(location.dataDir ?? ".fixloop");
  }
  try {
    if (location.migrationUrl && opened.engine === "postgres")
      await migrateAsOwner(opened, location.migrationUrl, warn);
    else if (location.migrationUrl)
      throw new Error(
        "DATABASE_MIGRATION_URL is for PostgreSQL: set DATABASE_URL to the app role's postgres:// URL",
      );
    else await migrate(opened.db, opened.engine);
  } catch (e) {
    await opened.db.destroy();
    throw e;
  }
  return opened;
}
