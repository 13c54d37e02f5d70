// The finding_sources table's writes: one row per (finding, tool, source id), refreshed on every
// ingest (status, last seen, the record as received). Reads are in ./findings.ts (`findingSources`).

import { insertChunked } from "./chunks.ts";
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

export async function upsertSources(tx: Db, rows: readonly SourceRowInput[]): Promise<void> {
  await insertChunked(rows, (part) =>
    tx
      .insertInto("finding_sources")
      .values(part)
      .onConflict((oc) =>
        oc.columns(["finding_id", "tool", "source_finding_id"]).doUpdateSet((eb) => ({
          status: eb.ref("excluded.status"),
          last_seen: eb.ref("excluded.last_seen"),
          raw: eb.ref("excluded.raw"),
        })),
      )
      .execute(),
  );
}
