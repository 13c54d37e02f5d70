// The finding_sources table's writes: one row per (finding, tool, source id), refreshed on every
// ingest (status, last seen, the record as received). Reads are in ./findings.ts (`findingSources`).
//
// A record seen again unchanged (same SHA-256 of its raw text) is not written again: the raw record
// is two thirds of the bytes an ingest writes (docs/benchmarks.md). Only its status and last-seen
// time are moved when they differ (a source that sends no time of its own is "seen" at ingest time),
// and a row with nothing new is not touched at all.

import { createHash } from "node:crypto";
import { insertRows } from "./chunks.ts";
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

/**
 * The upsert: a row seen before is updated only when its record, status or last-seen time differ,
 * and its record only when the hash differs (PostgreSQL then keeps the stored, already compressed
 * value instead of compressing the same text again). The comparison is in the statement rather
 * than a read before it: a scan with new times changes every record, and a read first cost a
 * re-ingest ~25% (docs/benchmarks.md).
 */
const UPSERT = `on conflict (finding_id, tool, source_finding_id) do update set
  status = excluded.status,
  last_seen = excluded.last_seen,
  raw = case when finding_sources.raw_hash is distinct from excluded.raw_hash then excluded.raw else finding_sources.raw end,
  raw_hash = excluded.raw_hash
  where finding_sources.raw_hash is distinct from excluded.raw_hash
     or finding_sources.status <> excluded.status
     or finding_sources.last_seen <> excluded.last_seen`;

/** Upserts source rows; returns how many were written (inserted or changed). */
export async function upsertSources(tx: Db, rows: readonly SourceRowInput[]): Promise<number> {
  return insertRows(
    tx,
    "finding_sources",
    rows.map((row) => ({ ...row, raw_hash: rawHash(row.raw) })),
    UPSERT,
  );
}
