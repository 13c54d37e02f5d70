// The queries behind notification digests (src/notify/deliver.ts). A notification waiting for its
// team's digest is an ordinary `notify-send` job queued for later: durable like every job, and sent
// on its own if the digest never takes it. Unique keys are `notify-send:<destination>:…`, so a
// destination's jobs are found by key prefix (substr, not LIKE: environment names contain `_`).

import { sql } from "kysely";
import { type Job, jobFromRow } from "./jobs.ts";
import type { Db } from "./store.ts";

const withPrefix = (prefix: string) => sql<boolean>`substr(unique_key, 1, ${prefix.length}) = ${prefix}`;

/** How many jobs of `kind` whose key starts with `prefix` were queued since `since` (any state). */
export async function countJobsSince(db: Db, kind: string, prefix: string, since: number): Promise<number> {
  const row = await db
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("kind", "=", kind)
    .where("created_at", ">=", since)
    .where(withPrefix(prefix))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The queued jobs of `kind` whose key starts with `prefix`, oldest first (at most `limit`). */
export async function queuedJobsWithPrefix(
  db: Db,
  kind: string,
  prefix: string,
  limit: number,
): Promise<Job[]> {
  const rows = await db
    .selectFrom("jobs")
    .selectAll()
    .where("kind", "=", kind)
    .where("state", "=", "queued")
    .where(withPrefix(prefix))
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(jobFromRow);
}

/** Marks queued jobs done (a digest carried them); returns the ids it did mark. */
export async function finishQueuedJobs(tx: Db, ids: readonly number[], now: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await tx
    .updateTable("jobs")
    .set({ state: "done", finished_at: now, updated_at: now })
    .where("id", "in", ids)
    .where("state", "=", "queued")
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}
