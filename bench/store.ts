// The store benchmark, run inside one `bench/measure.ts` process per engine and mode: parse + triage
// a 5,000-finding document, persist it into a fresh store, then ingest a later scan of the same
// 5,000 findings (all known: "updated"), then that later document once more, unchanged (the store
// writes no source row again: migration 0015). Two modes, each timed the same way:
//  - "store":  `persistFindings`, what `fixloop ingest` and the app do;
//  - "driver": the baseline, the engine's own driver (better-sqlite3 prepared statements, pg on one
//    client) writing equivalent rows with the same multi-row statements and chunk sizes, in one
//    transaction, with no query builder and no lifecycle checks: the floor the store can approach.
// PostgreSQL runs in a fresh database created in FIXLOOP_BENCH_DATABASE_URL and dropped after.

import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { parseFindings } from "../src/findings/registry.ts";
import { findingRow, persistFindings, sourceRow } from "../src/ingest/persist.ts";
import { type TriagedFinding, triageFinding } from "../src/ingest/triage-finding.ts";
import { remediateJob } from "../src/jobs/kinds.ts";
import { resolveRuleId } from "../src/rules/registry.ts";
import { SQLITE_FILE, type StoreLocation } from "../src/store/connect.ts";
import { rawHash } from "../src/store/finding-sources.ts";
import { Store } from "../src/store/store.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../src/triage/config.ts";

export type StoreEngine = "sqlite" | "postgres";
export type StoreMode = "store" | "driver";

/** The bind-parameter budget per statement, as in src/store/chunks.ts, so both sides send the same statements. */
const MAX_PARAMETERS = 30_000;
const IN_LIST = 5_000;

const peakMb = () => process.resourceUsage().maxRSS / 1024;

export interface Location {
  location: StoreLocation;
  /** For the driver baseline: the SQLite file or the database URL. */
  target: string;
  dispose(): Promise<void>;
}

export async function freshLocation(engine: StoreEngine): Promise<Location> {
  if (engine === "sqlite") {
    const dataDir = mkdtempSync(join(tmpdir(), "fixloop-bench-store-"));
    return {
      location: { dataDir },
      target: join(dataDir, SQLITE_FILE),
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.FIXLOOP_BENCH_DATABASE_URL;
  if (!admin) throw new Error("FIXLOOP_BENCH_DATABASE_URL is not set");
  const name = `fixloop_bench_${randomBytes(5).toString("hex")}`;
  const adminQuery = async (text: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    location: { databaseUrl: url.toString() },
    target: url.toString(),
    dispose: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** JSON.parse + detect + validate + normalize + triage, as `fixloop ingest` does; the read is not timed. */
function parseAndTriage(path: string): { triaged: TriagedFinding[]; ms: number } {
  const text = readFileSync(path, "utf8");
  const t0 = performance.now();
  const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
  const result = parseFindings(JSON.parse(text), ctx);
  const now = new Date("2026-11-22T00:00:00Z");
  const triaged = result.findings.map((f) => triageFinding(f, DEFAULT_TRIAGE_CONFIG, now));
  return { triaged, ms: performance.now() - t0 };
}

// ---- the driver baseline: equivalent rows, plain statements ----------------------------------

type Value = string | number | null;
type Row = Record<string, Value>;

interface Rows {
  findings: Row[];
  audit: Row[];
  sources: Row[];
  jobs: Row[];
}

const msOf = (iso: string | undefined, fallback: number) => (iso ? Date.parse(iso) : fallback);

/** What the store writes for new findings — same columns and values — built without its checks. */
function newRows(triaged: readonly TriagedFinding[], now: number): Rows {
  const rows: Rows = { findings: [], audit: [], sources: [], jobs: [] };
  const app = JSON.stringify({ kind: "app" });
  for (const t of triaged) {
    const f = t.finding;
    const state =
      !t.actionable || t.gate.gate === "record_only"
        ? "recorded_only"
        : t.gate.gate === "pr_after_approval"
          ? "awaiting_approval"
          : "fixing";
    const lastReason = state === "recorded_only" ? t.reason : t.gate.reason;
    rows.findings.push(findingRow(t, state, 3, now));
    const ingest = JSON.stringify({ kind: "ingest", source: f.source.tool });
    const steps: Array<[string | null, string, string, string, string]> = [
      [
        null,
        "new",
        "ingest",
        ingest,
        `first seen in ${f.source.tool} (${f.source.format}) as ${f.source.findingId}`,
      ],
      ["new", "triaged", "app", app, t.risk.explanation],
      ["triaged", state, "app", app, lastReason],
    ];
    for (const [from, to, actorKind, actor, reason] of steps)
      rows.audit.push({
        finding_id: t.dedupeKey,
        from_state: from,
        to_state: to,
        at: now,
        actor_kind: actorKind,
        actor,
        reason,
        links: "{}",
      });
    rows.sources.push(hashedSourceRow(t, now));
    // The same jobs persistFindings queues: one per finding that gets a PR or waits for approval.
    if (state === "fixing" || state === "awaiting_approval") {
      const job = remediateJob(t.dedupeKey, t.risk.score);
      rows.jobs.push({
        kind: job.kind,
        payload: JSON.stringify(job.payload),
        state: "queued",
        unique_key: job.uniqueKey ?? null,
        run_at: now,
        attempts: 0,
        max_attempts: 8,
        priority: job.priority ?? 0,
        created_at: now,
        updated_at: now,
      });
    }
  }
  return rows;
}

/** The source row as the store writes it: with its record's hash (migration 0015). */
function hashedSourceRow(t: TriagedFinding, now: number): Row {
  const row = sourceRow(t, now);
  return { ...row, raw_hash: rawHash(row.raw) };
}

const SOURCE_UPSERT =
  "ON CONFLICT (finding_id, tool, source_finding_id) DO UPDATE SET status = excluded.status, last_seen = excluded.last_seen, raw = excluded.raw, raw_hash = excluded.raw_hash";

/** One engine's raw statements: a multi-row INSERT, a query, an update; inside one transaction. */
interface Driver {
  begin(): Promise<void>;
  commit(): Promise<void>;
  insert(table: string, rows: readonly Row[], suffix?: string): Promise<void>;
  selectIn(sql: string, ids: readonly string[]): Promise<Row[]>;
  updateIn(sql: string, before: Value[], ids: readonly string[], after: Value[]): Promise<void>;
  close(): Promise<void>;
}

function sqliteDriver(file: string): Driver {
  const db = new BetterSqlite3(file);
  // The store's own pragmas (src/store/connect.ts).
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 10000");
  db.pragma("foreign_keys = ON");
  db.pragma("wal_autocheckpoint = 16384");
  db.pragma(`journal_size_limit = ${16_384 * 4096}`);
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  return {
    begin: async () => void db.exec("BEGIN IMMEDIATE"),
    commit: async () => void db.exec("COMMIT"),
    insert: async (table, rows, suffix = "") => {
      for (const { columns, chunk } of chunked(rows)) {
        const tuple = `(${columns.map(() => "?").join(", ")})`;
        const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${Array(chunk.length).fill(tuple).join(", ")} ${suffix}`;
        prepared(sql).run(chunk.flatMap((r) => columns.map((c) => r[c] as Value)));
      }
    },
    selectIn: async (sql, ids) => {
      const out: Row[] = [];
      for (const part of slices(ids, IN_LIST))
        out.push(...(prepared(sql.replace("(?)", `(${part.map(() => "?").join(", ")})`)).all(part) as Row[]));
      return out;
    },
    updateIn: async (sql, before, ids, after) => {
      for (const part of slices(ids, IN_LIST))
        prepared(sql.replace("(?)", `(${part.map(() => "?").join(", ")})`)).run([
          ...before,
          ...part,
          ...after,
        ]);
    },
    close: async () => void db.close(),
  };
}

async function postgresDriver(url: string): Promise<Driver> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const numbered = (sql: string, n: number, offset: number) =>
    sql.replace("(?)", `(${Array.from({ length: n }, (_, i) => `$${offset + i + 1}`).join(", ")})`);
  return {
    begin: async () => void (await client.query("BEGIN")),
    commit: async () => void (await client.query("COMMIT")),
    insert: async (table, rows, suffix = "") => {
      for (const { columns, chunk } of chunked(rows)) {
        let p = 0;
        const tuples = chunk.map(() => `(${columns.map(() => `$${++p}`).join(", ")})`);
        await client.query(
          `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")} ${suffix}`,
          chunk.flatMap((r) => columns.map((c) => r[c] as Value)),
        );
      }
    },
    selectIn: async (sql, ids) => {
      const out: Row[] = [];
      for (const part of slices(ids, IN_LIST))
        out.push(...(await client.query(numbered(sql, part.length, 0), [...part])).rows);
      return out;
    },
    updateIn: async (sql, before, ids, after) => {
      for (const part of slices(ids, IN_LIST)) {
        // ?s before the list, the list, ?s after it: number them in that order.
        const [head, tail] = sql.split("(?)") as [string, string];
        let i = 0;
        const text = `${head.replace(/\?/g, () => `$${++i}`)}(${part.map(() => `$${++i}`).join(", ")})${tail.replace(/\?/g, () => `$${++i}`)}`;
        await client.query(text, [...before, ...part, ...after]);
      }
    },
    close: () => client.end(),
  };
}

function* chunked(rows: readonly Row[]): Generator<{ columns: string[]; chunk: Row[] }> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let i = 0; i < rows.length; i += size) yield { columns, chunk: rows.slice(i, i + size) };
}

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function driverCreate(d: Driver, triaged: readonly TriagedFinding[], now: number): Promise<number> {
  await d.begin();
  const known = await d.selectIn(
    "SELECT id, state FROM findings WHERE id IN (?)",
    triaged.map((t) => t.dedupeKey),
  );
  const rows = newRows(triaged, now);
  await d.insert("findings", rows.findings);
  await d.insert("audit_events", rows.audit);
  await d.insert("finding_sources", rows.sources, SOURCE_UPSERT);
  await d.insert("jobs", rows.jobs, "ON CONFLICT DO NOTHING");
  await d.commit();
  return triaged.length - known.length;
}

async function driverUpdate(d: Driver, triaged: readonly TriagedFinding[], now: number): Promise<number> {
  await d.begin();
  const known = await d.selectIn(
    "SELECT id, state FROM findings WHERE id IN (?)",
    triaged.map((t) => t.dedupeKey),
  );
  await d.insert(
    "finding_sources",
    triaged.map((t) => hashedSourceRow(t, now)),
    SOURCE_UPSERT,
  );
  const bySeen = new Map<number, string[]>();
  for (const t of triaged) {
    const seen = msOf(t.finding.lastSeen, now);
    const ids = bySeen.get(seen);
    if (ids) ids.push(t.dedupeKey);
    else bySeen.set(seen, [t.dedupeKey]);
  }
  for (const [seen, ids] of bySeen)
    await d.updateIn(
      "UPDATE findings SET last_seen = ?, updated_at = ? WHERE id IN (?) AND last_seen < ?",
      [seen, now],
      ids,
      [seen],
    );
  await d.commit();
  return known.length;
}

// ---- the measurement -------------------------------------------------------------------------

interface Pass {
  parseMs: number;
  persistMs: number;
  findings: number;
  /** Findings whose outcome was the expected one (created, then updated). */
  expected: number;
  peakMb: number;
}

export async function measureStore(
  engine: StoreEngine,
  mode: StoreMode,
  firstScan: string,
  laterScan: string,
): Promise<Record<string, number>> {
  const where = await freshLocation(engine);
  try {
    const t0 = performance.now();
    // Opening migrates the empty database; the driver baseline then writes to the same schema.
    const store = await Store.open(where.location);
    const openMs = performance.now() - t0;
    let driver: Driver | undefined;
    if (mode === "driver") {
      await store.close();
      driver = engine === "sqlite" ? sqliteDriver(where.target) : await postgresDriver(where.target);
    }
    const pass = async (path: string, outcome: "created" | "updated"): Promise<Pass> => {
      const { triaged, ms: parseMs } = parseAndTriage(path);
      const t1 = performance.now();
      let expected: number;
      if (driver) {
        const now = Date.now();
        expected = await (outcome === "created" ? driverCreate : driverUpdate)(driver, triaged, now);
      } else {
        const results = await persistFindings(store, triaged);
        expected = results.filter((r) => r.outcome === outcome).length;
      }
      return {
        parseMs,
        persistMs: performance.now() - t1,
        findings: triaged.length,
        expected,
        peakMb: peakMb(),
      };
    };
    const first = await pass(firstScan, "created");
    const later = await pass(laterScan, "updated");
    // The later scan's document once more, unchanged: the store writes no source row again (the
    // driver baseline writes them all, as the store did before migration 0015).
    const same = await pass(laterScan, "updated");
    // What is in the database afterwards, so that both modes are seen to write the same rows.
    const counts = await countRows(engine, where.target);
    if (driver) await driver.close();
    else await store.close();
    return {
      findings: first.findings,
      created: first.expected,
      parseMs: first.parseMs,
      persistMs: first.persistMs,
      ms: first.parseMs + first.persistMs,
      peakAfterCreateMb: first.peakMb,
      updated: later.expected,
      reParseMs: later.parseMs,
      rePersistMs: later.persistMs,
      reMs: later.parseMs + later.persistMs,
      sameUpdated: same.expected,
      samePersistMs: same.persistMs,
      sameMs: same.parseMs + same.persistMs,
      openMs,
      ...counts,
    };
  } finally {
    await where.dispose();
  }
}

async function countRows(engine: StoreEngine, target: string): Promise<Record<string, number>> {
  const queries = {
    rowsFindings: "SELECT count(*) AS n FROM findings",
    rowsAudit: "SELECT count(*) AS n FROM audit_events",
    rowsSources: "SELECT count(*) AS n FROM finding_sources",
    rowsJobs: "SELECT count(*) AS n FROM jobs",
    // The later scan moved every finding's last seen time forward.
    rowsSeenAgain:
      "SELECT count(*) AS n FROM findings WHERE last_seen = (SELECT max(last_seen) FROM findings)",
  };
  const out: Record<string, number> = {};
  if (engine === "sqlite") {
    const db = new BetterSqlite3(target, { readonly: true });
    for (const [k, q] of Object.entries(queries)) out[k] = Number((db.prepare(q).get() as { n: number }).n);
    db.close();
    return out;
  }
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  for (const [k, q] of Object.entries(queries)) out[k] = Number((await c.query(q)).rows[0].n);
  await c.end();
  return out;
}
