// Multi-row INSERTs in chunks: one statement per chunk is what makes bulk ingest fast on both
// engines, and the chunk keeps each statement under the bind-parameter limits (SQLite 32,766,
// PostgreSQL 65,535).

const MAX_PARAMETERS = 30_000;

export async function insertChunked<T extends object>(
  rows: readonly T[],
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object).length || 1;
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/** Splits a list of keys for `WHERE x IN (…)`. */
export function chunks<T>(items: readonly T[], size = 5_000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
