// Reads of the tracking_issues table for code outside src/remediate (the verification's notices).
// The table's writes live in src/remediate/tracking-issues.ts, which another change moves into
// src/store/tracking-issues.ts: fold this read into that module then.

import type { Db } from "./store.ts";

/** The URL of the finding's open tracking issue, if it has one. */
export async function openTrackingIssueUrl(db: Db, findingId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("tracking_issues")
    .select("url")
    .where("finding_id", "=", findingId)
    .where("state", "=", "open")
    .executeTakeFirst();
  return row?.url;
}
