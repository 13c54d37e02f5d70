// The finding_sources table's writes: one row per (finding, tool, source id), refreshed on every
// ingest (status, last seen, the record as received). Reads are in ./findings.ts (`findingSources`).
//
// A record seen again unchanged (same SHA-256 of its raw text) is not written again: the raw record
// is two thirds of the bytes an ingest writes (docs/benchmarks.md). Only its status and last-seen
// time are moved when they differ (a source that sends no time of its own is "seen" at ingest time).

import { createHash } from "node:crypto";
import { chunks, insertRows, runStatement } from "./chunks.ts";
import type { Db } from "./store.ts";

export interface SourceRowInput {
  finding_id: string;
  tool: string;
  format: string;
  source_finding_id: string;
  status: string;
  first_seen: number;
  last_seen: number;
  raw: string;
}

/** SHA-256 of a raw record's text, base64url: what "unchanged" means. */
export function rawHash(raw: string): string {
  return createHash("sha256").update(raw).digest("base64url");
}

/** What an upsert did: rows written with their record, rows whose status or time alone moved,
 *  rows left as they were. */
export interface SourceWrites {
  written: number;
  touched: number;
  unchanged: number;
}

const UPSERT =
  "on conflict (finding_id, tool, source_finding_id) do update set status = excluded.status, last_seen = excluded.last_seen, raw = excluded.raw, raw_hash = excluded.raw_hash";

/**
 * Upserts source rows. `stored` names the findings that may already have rows (the known ones):
 * only theirs are read back to compare hashes, so a first ingest reads nothing.
 */
export async function upsertSources(
  tx: Db,
  rows: readonly SourceRowInput[],
  stored: ReadonlySet<string> = new Set(rows.map((r) => r.finding_id)),
): Promise<SourceWrites> {
  const before = await storedSources(tx, [
    ...new Set(rows.filter((r) => stored.has(r.finding_id)).map((r) => r.finding_id)),
  ]);
  const write: Array<SourceRowInput & { raw_hash: string }> = [];
  const touch = new Map<string, SourceRowInput[]>();
  let unchanged = 0;
  for (const row of rows) {
    const hash = rawHash(row.raw);
    const old = before.get(sourceKey(row));
    if (!old || old.raw_hash !== hash) write.push({ ...row, raw_hash: hash });
    else if (old.status === row.status && Number(old.last_seen) === row.last_seen) unchanged++;
    else {
      const group = `${row.status}\n${row.last_seen}`;
      const same = touch.get(group);
      if (same) same.push(row);
      else touch.set(group, [row]);
    }
  }
  await insertRows(tx, "finding_sources", write, UPSERT);
  let touched = 0;
  for (const group of touch.values()) touched += await touchSources(tx, group);
  return { written: write.length, touched, unchanged };
}

const sourceKey = (r: { finding_id: string; tool: string; source_finding_id: string }) =>
  `${r.finding_id}\n${r.tool}\n${r.source_finding_id}`;

async function storedSources(tx: Db, findingIds: readonly string[]) {
  const out = new Map<string, { status: string; last_seen: number; raw_hash: string | null }>();
  for (const part of chunks(findingIds)) {
    const rows = await tx
      .selectFrom("finding_sources")
      .select(["finding_id", "tool", "source_finding_id", "status", "last_seen", "raw_hash"])
      .where("finding_id", "in", part)
      .execute();
    for (const r of rows) out.set(sourceKey(r), r);
  }
  return out;
}

/** Moves status and last seen of rows that share both, without sending their records again. */
async function touchSources(tx: Db, rows: readonly SourceRowInput[]): Promise<number> {
  const { status, last_seen } = rows[0] as SourceRowInput;
  let touched = 0;
  // Three values per row: well under both engines' limits at 5,000 rows a statement. A row value
  // IN a VALUES list is the form both engines take (SQLite has no IN of a list of tuples).
  for (const part of chunks(rows)) {
    const keys: unknown[] = [status, last_seen];
    for (const r of part) keys.push(r.finding_id, r.tool, r.source_finding_id);
    touched += await runStatement(
      tx,
      `update finding_sources set status = ?, last_seen = ? where (finding_id, tool, source_finding_id) in (values ${Array(part.length).fill("(?, ?, ?)").join(", ")})`,
      keys,
    );
  }
  return touched;
}
