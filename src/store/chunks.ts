// Multi-row INSERTs in chunks: one statement per chunk is what makes bulk ingest fast on both
// engines, and the chunk keeps each statement under the bind-parameter limits (SQLite 32,766,
// PostgreSQL 65,535).

import { CompiledQuery } from "kysely";
import type { Db } from "./store.ts";

const MAX_PARAMETERS = 30_000;

/**
 * Marks a statement worth keeping prepared: a full chunk, whose text recurs (5,000 findings are
 * four identical chunks of each table, and the next ingest runs them again). The store's
 * connections (./connect.ts) keep these prepared — SQLite compiled, PostgreSQL as a named
 * statement with one generic plan — instead of compiling and planning ~30,000 parameters each
 * time. Only full chunks carry it, so the set of such texts stays a handful per table.
 */
export const REUSED_STATEMENT = "/* fixloop:reused */ ";

export async function insertChunked<T extends object>(
  rows: readonly T[],
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object).length || 1;
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/**
 * `INSERT INTO table (…) VALUES (…), (…) <suffix>` in chunks, the statement text built here rather
 * than by the query builder: for 5,000 findings the builder made ~325,000 nodes and parameters
 * before the driver saw them (~130 ms of a ~650 ms ingest, docs/benchmarks.md). Same statements
 * and chunks as `insertChunked` with `insertInto(…).values(…)`. `table`, the row keys and `suffix`
 * are the store's own identifiers, never input; values are always bound. A column missing from a
 * row is bound as NULL. Returns the rows inserted or updated.
 */
export async function insertRows(
  tx: Db,
  table: string,
  rows: readonly object[],
  suffix = "",
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = columnsOf(rows);
  const numbered = placeholderStyle(tx) === "numbered";
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) values `;
  let written = 0;
  const width = columns.length;
  // PostgreSQL plans a named statement anew for its first five runs (custom plans), the planning
  // being most of a 30,000-parameter INSERT's cost: one generic plan instead, in this transaction.
  const generic = numbered && rows.length >= size && tx.isTransaction;
  if (generic) await tx.executeQuery(CompiledQuery.raw("set local plan_cache_mode = force_generic_plan"));
  for (let start = 0; start < rows.length; start += size) {
    const count = Math.min(size, rows.length - start);
    const parameters: unknown[] = new Array(count * width);
    let p = 0;
    for (let r = start; r < start + count; r++) {
      const row = rows[r] as Record<string, unknown>;
      for (let c = 0; c < width; c++) parameters[p++] = row[columns[c] as string] ?? null;
    }
    const values = numbered ? numberedTuples(count, width) : anonymousTuples(count, width);
    const text = `${count === size ? REUSED_STATEMENT : ""}${head}${values}${suffix ? ` ${suffix}` : ""}`;
    const result = await tx.executeQuery(CompiledQuery.raw(text, parameters));
    written += Number(result.numAffectedRows ?? 0);
  }
  if (generic) await tx.executeQuery(CompiledQuery.raw("set local plan_cache_mode = default"));
  return written;
}

/** `(?, ?), (?, ?)`: every tuple is the same text. */
function anonymousTuples(count: number, width: number): string {
  const tuple = `(${"?, ".repeat(width - 1)}?)`;
  return `${`${tuple}, `.repeat(count - 1)}${tuple}`;
}

/** `($1, $2), ($3, $4)`. */
function numberedTuples(count: number, width: number): string {
  let text = "";
  let n = 0;
  for (let r = 0; r < count; r++) {
    text += r === 0 ? "(" : ", (";
    for (let c = 0; c < width; c++) text += c === 0 ? `$${++n}` : `, $${++n}`;
    text += ")";
  }
  return text;
}

/** Every key of every row, in first-seen order (the rows of one call share one shape in practice). */
function columnsOf(rows: readonly object[]): string[] {
  const first = Object.keys(rows[0] as object);
  const seen = new Set(first);
  for (const row of rows) for (const key in row) if (!seen.has(key)) seen.add(key);
  return seen.size === first.length ? first : [...seen];
}

/** `$1` (PostgreSQL) or `?` (SQLite), read from the dialect's own compiler once per handle. */
const styles = new WeakMap<Db, "numbered" | "anonymous">();
function placeholderStyle(tx: Db): "numbered" | "anonymous" {
  let style = styles.get(tx);
  if (!style) {
    const probe = tx.selectFrom("findings").select("id").where("id", "=", "").compile().sql;
    style = probe.includes("$1") ? "numbered" : "anonymous";
    styles.set(tx, style);
  }
  return style;
}

/** Splits a list of keys for `WHERE x IN (…)`. */
export function chunks<T>(items: readonly T[], size = 5_000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
